// A dense layer for one example (online learning), each direction in one call: the forward product with its
// bias, and the backward pass in one sweep over the weights. Separately, the input gradient (gemvN) and the
// weight update (ger) each read every active row of W, and gemvN tests every gradient entry once per 16 columns
// (on ReLU gradients, half zeros at random, those branches mispredicted more than the arithmetic cost).

import { dot1, dot4, worthSkipping } from './gemv';

/**
 * y = W x + bias (bias = 0: none), W [rows, len]. The plain build rounds as gemvT followed by addRowVector; the
 * relaxed-SIMD build (kernels-fma.wasm) runs its own loop of fused multiply-adds (fmaRows), which rounds once per
 * product-add instead of twice.
 */
export function linearForwardSingle(rows: i32, len: i32, x: usize, w: usize, bias: usize, y: usize): void {
  linearForwardRows(rows, len, x, w, bias, y, rows >= 8 && worthSkipping(len, x));
}

/**
 * linearForwardSingle with the zero-run skip decided by the caller: a thread's share of the rows (a multiple of
 * four from the first) then gets each row's sum exactly as the whole layer's call gives it.
 */
export function linearForwardRows(rows: i32, len: i32, x: usize, w: usize, bias: usize, y: usize, skip: bool): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    fmaRows(rows, len, x, w, bias, y, skip);
    return;
  }
  // gemvT's loop (alpha 1, beta 1 over the copied bias, else 0).
  if (bias) memory.copy(y, bias, <usize>rows << 2);
  const ld = <usize>len << 2;
  const bt: f32 = bias ? 1 : 0;
  let j = 0;
  for (; j + 4 <= rows; j += 4) dot4(len, x, w + <usize>j * ld, ld, 1, bt, bias == 0, y + (<usize>j << 2), 4, skip);
  for (; j < rows; j++) dot1(len, x, w + <usize>j * ld, 1, bt, bias == 0, y + (<usize>j << 2));
}

/**
 * The backward pass of y = W x + b for one example, W [out, inp]:
 *   dx = dy W, from W before the update (dx = 0: not wanted);
 *   buf = alpha dy x^T + beta buf (buf = 0: none; buf may be W itself, SGD fused into the backward pass);
 *   bb = balpha dy + bbeta bb (bb = 0: none).
 * A row whose gradient dy[i] is zero (a unit the example switched off) is skipped when beta = 1. beta = 0 and
 * bbeta = 0 ignore the old contents. Sums run over rows in order, so dx rounds as gemvN does (in the plain build;
 * the relaxed-SIMD build fuses each multiply-add of the SGD sweeps: dx += d w and w += s x round once), except that
 * a wide layer's fused sweep sums by blocks of rows (WIDE_LAYER_WEIGHTS below). partials: sweepBlock's, for a wide
 * layer with dx (unused, and may be 0, otherwise).
 */
export function linearBackwardSingle(out: i32, inp: i32, dy: usize, x: usize, w: usize, dx: usize, alpha: f64, beta: f64, buf: usize, balpha: f64, bbeta: f64, bb: usize, partials: usize): void {
  const al = <f32>alpha, bt = <f32>beta, bal = <f32>balpha, bbt = <f32>bbeta;
  const rowBytes = <usize>inp << 2;
  const end4 = <usize>(inp & ~3) << 2;
  const end16 = <usize>(inp & ~15) << 2;
  // Fused SGD (the weights are the update's target): one sweep over the rows, two at a time, with weight decay too.
  if (dx != 0 && buf == w && bt != 0) {
    if (isWide(out, inp)) {
      if (!partials) unreachable();
      for (let k = 0; k < DX_BLOCKS; k++) sweepBlock(k, out, inp, dy, x, w, dx, partials, al, bt, bal, bbt, bb);
      addBlocks(inp, dx, partials, rowBytes);
    } else linearBackwardColumns(out, inp, rowBytes, dy, x, w, dx, al, bt, bal, bbt, bb);
    return;
  }
  const vb = f32x4.splat(bt);
  if (dx) memory.fill(dx, 0, rowBytes);
  for (let i = 0; i < out; i++) {
    const d = load<f32>(dy + (<usize>i << 2));
    if (bb) {
      const q = bb + (<usize>i << 2);
      store<f32>(q, bbt == 0 ? bal * d : bal * d + bbt * load<f32>(q));
    }
    const wr = w + <usize>i * rowBytes;
    const br = buf + <usize>i * rowBytes;
    if (d == 0) {
      if (buf && bt != 1) scaleRow(br, inp, bt);
      continue;
    }
    const vd = f32x4.splat(d);
    const s = al * d;
    const vs = f32x4.splat(s);
    if (dx) {
      for (let o: usize = 0; o < end4; o += 16) v128.store(dx + o, f32x4.add(v128.load(dx + o), f32x4.mul(vd, v128.load(wr + o))));
      for (let o = end4; o < rowBytes; o += 4) store<f32>(dx + o, load<f32>(dx + o) + d * load<f32>(wr + o));
    }
    if (!buf) continue;
    if (bt == 1) {
      // SGD on a row (the first layer's whole backward pass): four vectors per turn, bumped pointers (1.6x).
      let q = br, xp = x;
      const qEnd = br + end16;
      while (q < qEnd) {
        const a0 = v128.load(q), a1 = v128.load(q, 16), a2 = v128.load(q, 32), a3 = v128.load(q, 48);
        v128.store(q, madd(vs, v128.load(xp), a0));
        v128.store(q, madd(vs, v128.load(xp, 16), a1), 16);
        v128.store(q, madd(vs, v128.load(xp, 32), a2), 32);
        v128.store(q, madd(vs, v128.load(xp, 48), a3), 48);
        q += 64;
        xp += 64;
      }
      for (let o = end16; o < end4; o += 16) v128.store(br + o, madd(vs, v128.load(x + o), v128.load(br + o)));
      for (let o = end4; o < rowBytes; o += 4) store<f32>(br + o, load<f32>(br + o) + s * load<f32>(x + o));
    } else if (bt == 0) {
      for (let o: usize = 0; o < end4; o += 16) v128.store(br + o, f32x4.mul(vs, v128.load(x + o)));
      for (let o = end4; o < rowBytes; o += 4) store<f32>(br + o, s * load<f32>(x + o));
    } else {
      // SGD with weight decay on a row (the first layer under l2): four vectors per turn, bumped pointers.
      let q = br, xp = x;
      const qEnd = br + end16;
      while (q < qEnd) {
        const a0 = v128.load(q), a1 = v128.load(q, 16), a2 = v128.load(q, 32), a3 = v128.load(q, 48);
        v128.store(q, f32x4.add(f32x4.mul(vs, v128.load(xp)), f32x4.mul(vb, a0)));
        v128.store(q, f32x4.add(f32x4.mul(vs, v128.load(xp, 16)), f32x4.mul(vb, a1)), 16);
        v128.store(q, f32x4.add(f32x4.mul(vs, v128.load(xp, 32)), f32x4.mul(vb, a2)), 32);
        v128.store(q, f32x4.add(f32x4.mul(vs, v128.load(xp, 48)), f32x4.mul(vb, a3)), 48);
        q += 64;
        xp += 64;
      }
      for (let o = end16; o < end4; o += 16) v128.store(br + o, f32x4.add(f32x4.mul(vs, v128.load(x + o)), f32x4.mul(vb, v128.load(br + o))));
      for (let o = end4; o < rowBytes; o += 4) store<f32>(br + o, s * load<f32>(x + o) + bt * load<f32>(br + o));
    }
  }
}

/**
 * From this many weights (a 512x512 layer) a layer's fused backward sweep (linearBackwardSingle with dx) sums the
 * input gradient over DX_BLOCKS blocks of its rows, each block from zero, and then the blocks in order
 * (addBlocks). Threads can then sweep different blocks at once (denseStep.ts), and every thread count gives
 * the same bits. Sharing the columns instead keeps the row-by-row sums, but then the threads' parts of each row
 * lie side by side in memory and each core's prefetcher fetches the other's lines: on 784-2000-2000-2000-10 two
 * threads were no faster than one (3.2-3.5 ms a step), while by blocks of rows they took 1.6-1.75 ms. From 2^20
 * instead of 2^18, 784-1000-1000-1000-10 (its hidden layers just below) read 362-461 us a step on two threads
 * against 417-528 on one; by blocks, 268-340 against 360-491.
 */
export const WIDE_LAYER_WEIGHTS: i64 = 1 << 18;
/** Blocks of rows of a wide layer's input gradient (enough for four threads). */
export const DX_BLOCKS: i32 = 4;
/** Rows and columns are shared in multiples of this: whole cache lines of outputs and weights, whole groups of four. */
const SHARE_ALIGN: i32 = 16;

// @ts-ignore: decorator
@inline export function isWide(out: i32, inp: i32): bool {
  return <i64>out * <i64>inp >= WIDE_LAYER_WEIGHTS;
}

/** Where part t of `parts` of n starts: equal parts rounded up to SHARE_ALIGN (the last may be short or empty). */
// @ts-ignore: decorator
@inline export function shareStart(n: i32, t: i32, parts: i32): i32 {
  const per = ((n + parts - 1) / parts + SHARE_ALIGN - 1) & ~(SHARE_ALIGN - 1);
  const s = per * t;
  return s < n ? s : n;
}

/**
 * Block k of a wide layer's fused sweep: its rows' weights and biases updated, and their sum of d w into dx (k = 0)
 * or into partial k - 1 (partials: DX_BLOCKS - 1 vectors of inp floats, one after another).
 */
export function sweepBlock(k: i32, out: i32, inp: i32, dy: usize, x: usize, w: usize, dx: usize, partials: usize, al: f32, bt: f32, bal: f32, bbt: f32, bb: usize): void {
  const ld = <usize>inp << 2;
  const r0 = shareStart(out, k, DX_BLOCKS), r1 = shareStart(out, k + 1, DX_BLOCKS);
  const into = k == 0 ? dx : partials + <usize>(k - 1) * ld;
  linearBackwardColumns(r1 - r0, inp, ld, dy + (<usize>r0 << 2), x, w + <usize>r0 * ld, into, al, bt, bal, bbt, bb ? bb + (<usize>r0 << 2) : 0);
}

/** Floats of the partial sums that a wide layer with inp inputs needs (sweepBlock's `partials`). */
export function dxPartialFloats(inp: i32): i32 {
  return (DX_BLOCKS - 1) * inp;
}

/** dx[0:cols] = ((dx + partial 0) + partial 1) + ..., the partials `stride` bytes apart (a wide layer's blocks). */
export function addBlocks(cols: i32, dx: usize, partials: usize, stride: usize): void {
  const bytes = <usize>cols << 2;
  const end4 = <usize>(cols & ~3) << 2;
  for (let o: usize = 0; o < end4; o += 16) {
    let v = v128.load(dx + o);
    for (let k = 0; k < DX_BLOCKS - 1; k++) v = f32x4.add(v, v128.load(partials + <usize>k * stride + o));
    v128.store(dx + o, v);
  }
  for (let o = end4; o < bytes; o += 4) {
    let v = load<f32>(dx + o);
    for (let k = 0; k < DX_BLOCKS - 1; k++) v += load<f32>(partials + <usize>k * stride + o);
    store<f32>(dx + o, v);
  }
}

/**
 * linearBackwardSingle's fused SGD sweep (dx wanted, buf = w, beta != 0) on the columns [0, cols) of rows ld bytes
 * apart: x, w and dx start at the first column. Every column gets the operations of the whole sweep in the same
 * order, so a thread that takes the columns from a multiple of four to the next (or to the end) writes exactly
 * the whole sweep's values there. bb (the bias, 0: none) is updated row by row as the sweep goes.
 */
export function linearBackwardColumns(out: i32, cols: i32, ld: usize, dy: usize, x: usize, w: usize, dx: usize, al: f32, bt: f32, bal: f32, bbt: f32, bb: usize): void {
  if (bt != 1) sgdDecayRowsBy2(out, cols, ld, dy, x, w, dx, al, bt, bal, bbt, bb);
  else sgdRowsBy2(out, cols, ld, dy, x, w, dx, al, bal, bbt, bb);
}

/**
 * linearBackwardSingle's fused SGD without weight decay (a hidden layer's backward pass): the rows with dy[i] != 0
 * go two at a time, so that each vector of dx is loaded and stored once per two rows instead of once per row
 * (row by row, those loads and stores cost as much as the weights' own; four at a time was no faster: V8 then has
 * more splatted coefficients than registers). dx still adds the rows in ascending order and each weight is updated
 * from its old value, so the rounding is that of the row-by-row sweep.
 */
function sgdRowsBy2(out: i32, inp: i32, ld: usize, dy: usize, x: usize, w: usize, dx: usize, al: f32, bal: f32, bbt: f32, bb: usize): void {
  rowsBy2(out, inp, ld, dy, x, w, dx, al, 1, bal, bbt, bb, false);
}

/**
 * sgdRowsBy2 with weight decay (w = al dy x^T + bt w, bt != 0, 1: a hidden layer under l2): the rows with dy[i] != 0
 * two at a time the same way, each weight rounded as the row-by-row sweep rounds it (s x + bt w, and dx += d w
 * as a multiply then an add, in both builds); a row with dy[i] = 0 is only scaled.
 */
function sgdDecayRowsBy2(out: i32, inp: i32, ld: usize, dy: usize, x: usize, w: usize, dx: usize, al: f32, bt: f32, bal: f32, bbt: f32, bb: usize): void {
  rowsBy2(out, inp, ld, dy, x, w, dx, al, bt, bal, bbt, bb, true);
}

// @ts-ignore: decorator
@inline function rowsBy2(out: i32, inp: i32, ld: usize, dy: usize, x: usize, w: usize, dx: usize, al: f32, bt: f32, bal: f32, bbt: f32, bb: usize, decay: bool): void {
  memory.fill(dx, 0, <usize>inp << 2);
  let r0: usize = 0;
  let d0: f32 = 0;
  let held = 0;
  for (let i = 0; i < out; i++) {
    const d = load<f32>(dy + (<usize>i << 2));
    if (bb) {
      const q = bb + (<usize>i << 2);
      store<f32>(q, bbt == 0 ? bal * d : bal * d + bbt * load<f32>(q));
    }
    const wr = w + <usize>i * ld;
    if (d == 0) {
      if (decay) scaleRow(wr, inp, bt);
      continue;
    }
    if (held == 0) {
      r0 = wr;
      d0 = d;
      held = 1;
    } else {
      if (decay) decayRows2(inp, x, dx, al, bt, r0, d0, wr, d);
      else sgdRows2(inp, x, dx, al, r0, d0, wr, d);
      held = 0;
    }
  }
  if (held > 0) {
    if (decay) decayRow(inp, x, dx, al, bt, r0, d0);
    else sgdRow(inp, x, dx, al, r0, d0);
  }
}

/** dx += d_k w_k then w_k += (al d_k) x, for the two rows w_k in order (see sgdRowsBy2). */
// @ts-ignore: decorator
@inline function sgdRows2(inp: i32, x: usize, dx: usize, al: f32, w0: usize, d0: f32, w1: usize, d1: f32): void {
  const rowBytes = <usize>inp << 2;
  const end4 = <usize>(inp & ~3) << 2;
  const s0 = al * d0, s1 = al * d1;
  const vd0 = f32x4.splat(d0), vd1 = f32x4.splat(d1);
  const vs0 = f32x4.splat(s0), vs1 = f32x4.splat(s1);
  for (let o: usize = 0; o < end4; o += 16) {
    const xv = v128.load(x + o);
    const a0 = v128.load(w0 + o), a1 = v128.load(w1 + o);
    v128.store(dx + o, madd(vd1, a1, madd(vd0, a0, v128.load(dx + o))));
    v128.store(w0 + o, madd(vs0, xv, a0));
    v128.store(w1 + o, madd(vs1, xv, a1));
  }
  for (let o = end4; o < rowBytes; o += 4) {
    const xv = load<f32>(x + o);
    const a0 = load<f32>(w0 + o), a1 = load<f32>(w1 + o);
    store<f32>(dx + o, (load<f32>(dx + o) + d0 * a0) + d1 * a1);
    store<f32>(w0 + o, a0 + s0 * xv);
    store<f32>(w1 + o, a1 + s1 * xv);
  }
}

/** sgdRows2 for one row. */
// @ts-ignore: decorator
@inline function sgdRow(inp: i32, x: usize, dx: usize, al: f32, w0: usize, d0: f32): void {
  const rowBytes = <usize>inp << 2;
  const end4 = <usize>(inp & ~3) << 2;
  const s0 = al * d0;
  const vd0 = f32x4.splat(d0), vs0 = f32x4.splat(s0);
  for (let o: usize = 0; o < end4; o += 16) {
    const a0 = v128.load(w0 + o);
    v128.store(dx + o, madd(vd0, a0, v128.load(dx + o)));
    v128.store(w0 + o, madd(vs0, v128.load(x + o), a0));
  }
  for (let o = end4; o < rowBytes; o += 4) {
    const a0 = load<f32>(w0 + o);
    store<f32>(dx + o, load<f32>(dx + o) + d0 * a0);
    store<f32>(w0 + o, a0 + s0 * load<f32>(x + o));
  }
}

/** dx += d_k w_k then w_k = (al d_k) x + bt w_k, for the two rows w_k in order (see sgdDecayRowsBy2). */
// @ts-ignore: decorator
@inline function decayRows2(inp: i32, x: usize, dx: usize, al: f32, bt: f32, w0: usize, d0: f32, w1: usize, d1: f32): void {
  const rowBytes = <usize>inp << 2;
  const end4 = <usize>(inp & ~3) << 2;
  const s0 = al * d0, s1 = al * d1;
  const vd0 = f32x4.splat(d0), vd1 = f32x4.splat(d1);
  const vs0 = f32x4.splat(s0), vs1 = f32x4.splat(s1), vb = f32x4.splat(bt);
  for (let o: usize = 0; o < end4; o += 16) {
    const xv = v128.load(x + o);
    const a0 = v128.load(w0 + o), a1 = v128.load(w1 + o);
    v128.store(dx + o, f32x4.add(f32x4.add(v128.load(dx + o), f32x4.mul(vd0, a0)), f32x4.mul(vd1, a1)));
    v128.store(w0 + o, f32x4.add(f32x4.mul(vs0, xv), f32x4.mul(vb, a0)));
    v128.store(w1 + o, f32x4.add(f32x4.mul(vs1, xv), f32x4.mul(vb, a1)));
  }
  for (let o = end4; o < rowBytes; o += 4) {
    const xv = load<f32>(x + o);
    const a0 = load<f32>(w0 + o), a1 = load<f32>(w1 + o);
    store<f32>(dx + o, (load<f32>(dx + o) + d0 * a0) + d1 * a1);
    store<f32>(w0 + o, s0 * xv + bt * a0);
    store<f32>(w1 + o, s1 * xv + bt * a1);
  }
}

/** decayRows2 for one row. */
// @ts-ignore: decorator
@inline function decayRow(inp: i32, x: usize, dx: usize, al: f32, bt: f32, w0: usize, d0: f32): void {
  const rowBytes = <usize>inp << 2;
  const end4 = <usize>(inp & ~3) << 2;
  const s0 = al * d0;
  const vd0 = f32x4.splat(d0), vs0 = f32x4.splat(s0), vb = f32x4.splat(bt);
  for (let o: usize = 0; o < end4; o += 16) {
    const a0 = v128.load(w0 + o);
    v128.store(dx + o, f32x4.add(v128.load(dx + o), f32x4.mul(vd0, a0)));
    v128.store(w0 + o, f32x4.add(f32x4.mul(vs0, v128.load(x + o)), f32x4.mul(vb, a0)));
  }
  for (let o = end4; o < rowBytes; o += 4) {
    const a0 = load<f32>(w0 + o);
    store<f32>(dx + o, load<f32>(dx + o) + d0 * a0);
    store<f32>(w0 + o, s0 * load<f32>(x + o) + bt * a0);
  }
}

/** row[0:n] *= beta (beta = 0 writes zeros, NaN included). */
// @ts-ignore: decorator
@inline export function scaleRow(row: usize, n: i32, beta: f32): void {
  const bytes = <usize>n << 2;
  if (beta == 0) {
    memory.fill(row, 0, bytes);
    return;
  }
  const vb = f32x4.splat(beta);
  const end4 = <usize>(n & ~3) << 2;
  const end16 = <usize>(n & ~15) << 2;
  // Four vectors per turn with a bumped pointer (a switched-off row under weight decay: every step, half the rows).
  let q = row;
  const qEnd = row + end16;
  while (q < qEnd) {
    const a0 = v128.load(q), a1 = v128.load(q, 16), a2 = v128.load(q, 32), a3 = v128.load(q, 48);
    v128.store(q, f32x4.mul(vb, a0));
    v128.store(q, f32x4.mul(vb, a1), 16);
    v128.store(q, f32x4.mul(vb, a2), 32);
    v128.store(q, f32x4.mul(vb, a3), 48);
    q += 64;
  }
  for (let o = end16; o < end4; o += 16) v128.store(row + o, f32x4.mul(vb, v128.load(row + o)));
  for (let o = end4; o < bytes; o += 4) store<f32>(row + o, beta * load<f32>(row + o));
}

/** c + a b: a fused multiply-add in the relaxed-SIMD build, else a multiply then an add (the plain build's rounding). */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * y = W x + bias with fused multiply-adds (the relaxed-SIMD build's linearForwardSingle). Four rows share each
 * load of x, and each row has two accumulators (even and odd vectors of x): one chain per row would wait on the
 * multiply-add's latency, where the plain build's separate multiplies do not. The four sums are reduced together
 * by a transpose (one vector store, the bias added as a vector) and a row whose length is 4 mod 8 (100-wide
 * hidden layers) takes its last four columns as a vector. As gemvT, runs of eight zeros in x skip their weights
 * when they are common (image borders).
 */
function fmaRows(rows: i32, len: i32, x: usize, w: usize, bias: usize, y: usize, skip: bool): void {
  const ld = <usize>len << 2;
  let j = 0;
  for (; j + 4 <= rows; j += 4) {
    const o = <usize>j << 2;
    let r = skip ? fmaDot4(len, x, w + <usize>j * ld, ld, true) : fmaDot4(len, x, w + <usize>j * ld, ld, false);
    if (bias) r = f32x4.add(r, v128.load(bias + o));
    v128.store(y + o, r);
  }
  for (; j < rows; j++) {
    const o = <usize>j << 2;
    const s = fmaDot1(len, x, w + <usize>j * ld);
    store<f32>(y + o, bias ? s + load<f32>(bias + o) : s);
  }
}

/** The four dot products of x[0:len] with rows w, w + ld, w + 2 ld, w + 3 ld (ld in bytes), as one vector. */
// @ts-ignore: decorator
@inline export function fmaDot4(len: i32, x: usize, w: usize, ld: usize, skip: bool): v128 {
  const xEnd = x + (<usize>(len & ~7) << 2);
  let w0 = w;
  let xp = x;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  while (xp < xEnd) {
    const x0 = v128.load(xp), x1 = v128.load(xp, 16);
    if (!skip || v128.any_true(v128.or(x0, x1))) {
      const w1 = w0 + ld, w2 = w1 + ld, w3 = w2 + ld;
      a0 = f32x4.add(a0, madd(x1, v128.load(w0, 16), f32x4.mul(x0, v128.load(w0))));
      a1 = f32x4.add(a1, madd(x1, v128.load(w1, 16), f32x4.mul(x0, v128.load(w1))));
      a2 = f32x4.add(a2, madd(x1, v128.load(w2, 16), f32x4.mul(x0, v128.load(w2))));
      a3 = f32x4.add(a3, madd(x1, v128.load(w3, 16), f32x4.mul(x0, v128.load(w3))));
    }
    xp += 32;
    w0 += 32;
  }
  if (len & 4) {
    const x0 = v128.load(xp);
    const w1 = w0 + ld, w2 = w1 + ld, w3 = w2 + ld;
    a0 = madd(x0, v128.load(w0), a0);
    a1 = madd(x0, v128.load(w1), a1);
    a2 = madd(x0, v128.load(w2), a2);
    a3 = madd(x0, v128.load(w3), a3);
  }
  a0 = f32x4.add(a0, b0);
  a1 = f32x4.add(a1, b1);
  a2 = f32x4.add(a2, b2);
  a3 = f32x4.add(a3, b3);
  // Transpose-reduce: lane r of the result is the sum of a_r's lanes.
  const s01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  let r = f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
  const len4 = len & ~3;
  if (len4 < len) {
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    for (let p = len4; p < len; p++) {
      const o = <usize>p << 2;
      const xv = load<f32>(x + o);
      s0 += xv * load<f32>(w + o);
      s1 += xv * load<f32>(w + ld + o);
      s2 += xv * load<f32>(w + 2 * ld + o);
      s3 += xv * load<f32>(w + 3 * ld + o);
    }
    r = f32x4.add(r, f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(s0), 1, s1), 2, s2), 3, s3));
  }
  return r;
}

/** One dot product of x[0:len] with w[0:len] (fmaRows' last rows). */
// @ts-ignore: decorator
@inline export function fmaDot1(len: i32, x: usize, w: usize): f32 {
  const len4 = len & ~3;
  const xEnd = x + (<usize>(len & ~7) << 2);
  let w0 = w;
  let xp = x;
  let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
  while (xp < xEnd) {
    a0 = madd(v128.load(xp), v128.load(w0), a0);
    b0 = madd(v128.load(xp, 16), v128.load(w0, 16), b0);
    xp += 32;
    w0 += 32;
  }
  if (len & 4) a0 = madd(v128.load(xp), v128.load(w0), a0);
  a0 = f32x4.add(a0, b0);
  let s = (f32x4.extract_lane(a0, 0) + f32x4.extract_lane(a0, 1)) + (f32x4.extract_lane(a0, 2) + f32x4.extract_lane(a0, 3));
  for (let p = len4; p < len; p++) s += load<f32>(x + (<usize>p << 2)) * load<f32>(w + (<usize>p << 2));
  return s;
}
