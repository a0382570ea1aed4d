// A dense layer for one example (online learning), each direction in one call: the forward product with its
// bias, and the backward pass in one sweep over the weights. Separately, the input gradient (gemvN) and the
// weight update (ger) each read every active row of W, and gemvN tests every gradient entry once per 16 columns
// (on ReLU gradients, half zeros at random, those branches mispredicted more than the arithmetic cost).

import { gemvT } from './gemv';

/** y = W x + bias (bias = 0: none), W [rows, len]. The same rounding as gemvT followed by addRowVector. */
export function linearForwardSingle(rows: i32, len: i32, x: usize, w: usize, bias: usize, y: usize): void {
  if (bias) {
    memory.copy(y, bias, <usize>rows << 2);
    gemvT(rows, len, 1, x, w, len, 1, y);
  } else gemvT(rows, len, 1, x, w, len, 0, y);
}

/**
 * The backward pass of y = W x + b for one example, W [out, inp]:
 *   dx = dy W, from W before the update (dx = 0: not wanted);
 *   buf = alpha dy x^T + beta buf (buf = 0: none; buf may be W itself, SGD fused into the backward pass);
 *   bb = balpha dy + bbeta bb (bb = 0: none).
 * A row whose gradient dy[i] is zero (a unit the example switched off) is skipped when beta = 1. beta = 0 and
 * bbeta = 0 ignore the old contents. Sums run over rows in order, so dx rounds as gemvN does.
 */
export function linearBackwardSingle(out: i32, inp: i32, dy: usize, x: usize, w: usize, dx: usize, alpha: f64, beta: f64, buf: usize, balpha: f64, bbeta: f64, bb: usize): void {
  const al = <f32>alpha, bt = <f32>beta, bal = <f32>balpha, bbt = <f32>bbeta;
  const rowBytes = <usize>inp << 2;
  const end4 = <usize>(inp & ~3) << 2;
  const end8 = <usize>(inp & ~7) << 2;
  const end16 = <usize>(inp & ~15) << 2;
  // Fused SGD (the weights are the update's target): one sweep per row, with weight decay (bt != 1) too.
  const fused = dx != 0 && buf == w && bt != 0;
  const decay = bt != 1;
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
    if (fused) {
      // Each weight is read once: its old value feeds dx, then it is updated in place.
      if (decay) {
        // Same arithmetic as the unfused path below (s x + beta w), so the same rounding; two vectors per turn with
        // bumped pointers as the plain fused loop below.
        let q = wr, xp = x, dp = dx;
        const qEnd = wr + end8;
        while (q < qEnd) {
          const w0 = v128.load(q), w1 = v128.load(q, 16);
          v128.store(dp, f32x4.add(v128.load(dp), f32x4.mul(vd, w0)));
          v128.store(dp, f32x4.add(v128.load(dp, 16), f32x4.mul(vd, w1)), 16);
          v128.store(q, f32x4.add(f32x4.mul(vs, v128.load(xp)), f32x4.mul(vb, w0)));
          v128.store(q, f32x4.add(f32x4.mul(vs, v128.load(xp, 16)), f32x4.mul(vb, w1)), 16);
          q += 32;
          xp += 32;
          dp += 32;
        }
        for (let o = end8; o < end4; o += 16) {
          const wv = v128.load(wr + o);
          v128.store(dx + o, f32x4.add(v128.load(dx + o), f32x4.mul(vd, wv)));
          v128.store(wr + o, f32x4.add(f32x4.mul(vs, v128.load(x + o)), f32x4.mul(vb, wv)));
        }
        for (let o = end4; o < rowBytes; o += 4) {
          const wv = load<f32>(wr + o);
          store<f32>(dx + o, load<f32>(dx + o) + d * wv);
          store<f32>(wr + o, s * load<f32>(x + o) + bt * wv);
        }
        continue;
      }
      // Each weight is read once: its old value feeds dx, then it is updated in place. Two vectors per turn with
      // bumped pointers: V8 then keeps the loop to its loads, arithmetic and stores (1.3x over indexed single vectors).
      let q = wr, xp = x, dp = dx;
      const qEnd = wr + end8;
      while (q < qEnd) {
        const w0 = v128.load(q), w1 = v128.load(q, 16);
        v128.store(dp, f32x4.add(v128.load(dp), f32x4.mul(vd, w0)));
        v128.store(dp, f32x4.add(v128.load(dp, 16), f32x4.mul(vd, w1)), 16);
        v128.store(q, f32x4.add(w0, f32x4.mul(vs, v128.load(xp))));
        v128.store(q, f32x4.add(w1, f32x4.mul(vs, v128.load(xp, 16))), 16);
        q += 32;
        xp += 32;
        dp += 32;
      }
      for (let o = end8; o < end4; o += 16) {
        const wv = v128.load(wr + o);
        v128.store(dx + o, f32x4.add(v128.load(dx + o), f32x4.mul(vd, wv)));
        v128.store(wr + o, f32x4.add(wv, f32x4.mul(vs, v128.load(x + o))));
      }
      for (let o = end4; o < rowBytes; o += 4) {
        const wv = load<f32>(wr + o);
        store<f32>(dx + o, load<f32>(dx + o) + d * wv);
        store<f32>(wr + o, wv + s * load<f32>(x + o));
      }
      continue;
    }
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
        v128.store(q, f32x4.add(a0, f32x4.mul(vs, v128.load(xp))));
        v128.store(q, f32x4.add(a1, f32x4.mul(vs, v128.load(xp, 16))), 16);
        v128.store(q, f32x4.add(a2, f32x4.mul(vs, v128.load(xp, 32))), 32);
        v128.store(q, f32x4.add(a3, f32x4.mul(vs, v128.load(xp, 48))), 48);
        q += 64;
        xp += 64;
      }
      for (let o = end16; o < end4; o += 16) v128.store(br + o, f32x4.add(v128.load(br + o), f32x4.mul(vs, v128.load(x + o))));
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

/** row[0:n] *= beta (beta = 0 writes zeros, NaN included). */
// @ts-ignore: decorator
@inline function scaleRow(row: usize, n: i32, beta: f32): void {
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
