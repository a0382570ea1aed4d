// The parts of the whole online step (denseStep.ts) that defer the first layer's weight update to the next step's
// forward pass (Backend.denseReluStepDeferred): each group of four rows gets its held update, then its dot
// products with the next input while it is in L1, so W1 would stream from L2 once per step instead of twice. Each weight gets
// the operations linearBackwardSingle gives it (the first layer: no input gradient, so its row-by-row sweep) and the
// forward the operations of linearForwardSingle, in the same order: the results are those of the undeferred step,
// bit for bit. Measured on the 784-100 layer, wasm gains nothing by it (the layer is bound by its multiply-adds and
// stores; a single sweep that updated and multiplied each vector in registers was 5% slower, a branch-free list of
// the rows to update no faster); the native addon's kernel (16-wide) gains 11% a step.

import { dot1, dot4 } from './gemv';
import { fmaDot1, fmaDot4, madd, scaleRow } from './linear';

/**
 * The first layer's backward pass when its weight update is held: the bias is updated now (as linearBackwardSingle
 * updates it, coefficients at c), and the update's input x and output gradient dy are copied into `pending`.
 */
export function holdFirstUpdate(out: i32, inp: i32, x: usize, dy: usize, b: usize, c: usize, pending: usize): void {
  if (b) {
    const bal = <f32>load<f64>(c, 16), bbt = <f32>load<f64>(c, 24);
    for (let i = 0; i < out; i++) {
      const dv = load<f32>(dy + (<usize>i << 2));
      const q = b + (<usize>i << 2);
      store<f32>(q, bbt == 0 ? bal * dv : bal * dv + bbt * load<f32>(q));
    }
  }
  memory.copy(pending, x, <usize>inp << 2);
  memory.copy(pending + (<usize>inp << 2), dy, <usize>out << 2);
}

/**
 * linearForwardSingle(rows, len, x, w, bias, y) on W after W = al pdy px^T + bt W: each group of four rows is
 * updated (as applyRow), then multiplied by x as linearForwardSingle groups them. skip: the zero-run skip that
 * linearForwardSingle decides for the whole layer (a thread's share of the rows gets the whole layer's).
 */
export function forwardApplying(rows: i32, len: i32, x: usize, w: usize, bias: usize, y: usize, px: usize, pdy: usize, al: f32, bt: f32, skip: bool): void {
  const ld = <usize>len << 2;
  if (!ASC_FEATURE_RELAXED_SIMD && bias) memory.copy(y, bias, <usize>rows << 2);
  let j = 0;
  for (; j + 4 <= rows; j += 4) {
    const wj = w + <usize>j * ld;
    const dj = pdy + (<usize>j << 2);
    applyRow(wj, len, px, load<f32>(dj), al, bt);
    applyRow(wj + ld, len, px, load<f32>(dj, 4), al, bt);
    applyRow(wj + 2 * ld, len, px, load<f32>(dj, 8), al, bt);
    applyRow(wj + 3 * ld, len, px, load<f32>(dj, 12), al, bt);
    const o = <usize>j << 2;
    if (ASC_FEATURE_RELAXED_SIMD) {
      let r = skip ? fmaDot4(len, x, wj, ld, true) : fmaDot4(len, x, wj, ld, false);
      if (bias) r = f32x4.add(r, v128.load(bias + o));
      v128.store(y + o, r);
    } else dot4(len, x, wj, ld, 1, bias ? 1 : 0, bias == 0, y + o, 4, skip);
  }
  for (; j < rows; j++) {
    const wj = w + <usize>j * ld;
    const o = <usize>j << 2;
    applyRow(wj, len, px, load<f32>(pdy + o), al, bt);
    if (ASC_FEATURE_RELAXED_SIMD) {
      const s = fmaDot1(len, x, wj);
      store<f32>(y + o, bias ? s + load<f32>(bias + o) : s);
    } else dot1(len, x, wj, 1, bias ? 1 : 0, bias == 0, y + o);
  }
}

/**
 * row = (al d) x + bt row, the way linearBackwardSingle updates a row of the weights when it computes no input
 * gradient (the first layer): d = 0 skips the row when bt = 1 (else scales it), and the same vector loops.
 */
// @ts-ignore: decorator
@inline function applyRow(row: usize, inp: i32, x: usize, d: f32, al: f32, bt: f32): void {
  if (d == 0) {
    if (bt != 1) scaleRow(row, inp, bt);
    return;
  }
  const rowBytes = <usize>inp << 2;
  const end4 = <usize>(inp & ~3) << 2;
  const end16 = <usize>(inp & ~15) << 2;
  const s = al * d;
  const vs = f32x4.splat(s);
  if (bt == 1) {
    let q = row, xp = x;
    const qEnd = row + end16;
    while (q < qEnd) {
      const a0 = v128.load(q), a1 = v128.load(q, 16), a2 = v128.load(q, 32), a3 = v128.load(q, 48);
      v128.store(q, madd(vs, v128.load(xp), a0));
      v128.store(q, madd(vs, v128.load(xp, 16), a1), 16);
      v128.store(q, madd(vs, v128.load(xp, 32), a2), 32);
      v128.store(q, madd(vs, v128.load(xp, 48), a3), 48);
      q += 64;
      xp += 64;
    }
    for (let o = end16; o < end4; o += 16) v128.store(row + o, madd(vs, v128.load(x + o), v128.load(row + o)));
    for (let o = end4; o < rowBytes; o += 4) store<f32>(row + o, load<f32>(row + o) + s * load<f32>(x + o));
  } else if (bt == 0) {
    for (let o: usize = 0; o < end4; o += 16) v128.store(row + o, f32x4.mul(vs, v128.load(x + o)));
    for (let o = end4; o < rowBytes; o += 4) store<f32>(row + o, s * load<f32>(x + o));
  } else {
    const vb = f32x4.splat(bt);
    let q = row, xp = x;
    const qEnd = row + end16;
    while (q < qEnd) {
      const a0 = v128.load(q), a1 = v128.load(q, 16), a2 = v128.load(q, 32), a3 = v128.load(q, 48);
      v128.store(q, f32x4.add(f32x4.mul(vs, v128.load(xp)), f32x4.mul(vb, a0)));
      v128.store(q, f32x4.add(f32x4.mul(vs, v128.load(xp, 16)), f32x4.mul(vb, a1)), 16);
      v128.store(q, f32x4.add(f32x4.mul(vs, v128.load(xp, 32)), f32x4.mul(vb, a2)), 32);
      v128.store(q, f32x4.add(f32x4.mul(vs, v128.load(xp, 48)), f32x4.mul(vb, a3)), 48);
      q += 64;
      xp += 64;
    }
    for (let o = end16; o < end4; o += 16) v128.store(row + o, f32x4.add(f32x4.mul(vs, v128.load(x + o)), f32x4.mul(vb, v128.load(row + o))));
    for (let o = end4; o < rowBytes; o += 4) store<f32>(row + o, s * load<f32>(x + o) + bt * load<f32>(row + o));
  }
}
