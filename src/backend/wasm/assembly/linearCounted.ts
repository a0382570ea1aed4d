// linearBackwardSingle with SGD fused into it (buf = W) that also returns the update size: sum |w_new - w_old| over
// the weights it writes, from the old and new values it holds in registers (the updateSize tracker's accounting,
// Backend.denseReluStep's `changes`). Every stored value is computed by the same operations in the same order as
// linearBackwardSingle's (and sgdRowsBy2's, whose pairs of rows round as one row after the other), so the step is
// bit for bit the same; only the sums are added. Differences are summed in float32 lanes per row, then in float64.

import { addBlocks, DX_BLOCKS, isWide, shareStart } from './linear';

/** c + a b as linear.ts's madd (fused in the relaxed-SIMD build). */
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// @ts-ignore: decorator
@inline function absDiff(a: v128, b: v128): v128 {
  return f32x4.abs(f32x4.sub(a, b));
}

// @ts-ignore: decorator
@inline function lanes(v: v128): f64 {
  return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
}

/**
 * linearBackwardSingle(out, inp, dy, x, w, dx, alpha, beta, w, balpha, bbeta, bb, partials) (the weights are the
 * update's target), returning sum |w_new - w_old| over W. A wide layer's fused sweep goes by linear.ts's blocks of
 * rows, as linearBackwardSingle's (its sum is then the blocks' sums added in order).
 */
export function linearBackwardSingleCounted(out: i32, inp: i32, dy: usize, x: usize, w: usize, dx: usize, alpha: f64, beta: f64, balpha: f64, bbeta: f64, bb: usize, partials: usize): f64 {
  if (dx == 0 || <f32>beta == 0 || !isWide(out, inp)) return countedSweep(out, inp, dy, x, w, dx, alpha, beta, balpha, bbeta, bb);
  if (!partials) unreachable();
  const ld = <usize>inp << 2;
  let total: f64 = 0;
  for (let k = 0; k < DX_BLOCKS; k++) {
    const r0 = shareStart(out, k, DX_BLOCKS), r1 = shareStart(out, k + 1, DX_BLOCKS);
    const into = k == 0 ? dx : partials + <usize>(k - 1) * ld;
    total += countedSweep(r1 - r0, inp, dy + (<usize>r0 << 2), x, w + <usize>r0 * ld, into, alpha, beta, balpha, bbeta, bb ? bb + (<usize>r0 << 2) : 0);
  }
  addBlocks(inp, dx, partials, ld);
  return total;
}

function countedSweep(out: i32, inp: i32, dy: usize, x: usize, w: usize, dx: usize, alpha: f64, beta: f64, balpha: f64, bbeta: f64, bb: usize): f64 {
  const al = <f32>alpha, bt = <f32>beta, bal = <f32>balpha, bbt = <f32>bbeta;
  const rowBytes = <usize>inp << 2;
  const end4 = <usize>(inp & ~3) << 2;
  const fused = dx != 0 && bt != 0;
  const decay = bt != 1;
  const vb = f32x4.splat(bt);
  if (dx) memory.fill(dx, 0, rowBytes);
  // Without decay, w_new - w_old = fl(w + s x) - w has the sign of s x (rounding is monotone): with x >= 0 (ReLU
  // outputs, pixels) a row's differences share one sign, and their sum's magnitude is the sum of their magnitudes,
  // one operation per vector fewer than adding |difference| (the loop is arithmetic-bound).
  const signed = !decay && nonNegative(x, inp);
  if (fused && signed) return sgdRowsBy2Signed(out, inp, dy, x, w, dx, al, bal, bbt, bb);
  let total: f64 = 0;
  for (let i = 0; i < out; i++) {
    const d = load<f32>(dy + (<usize>i << 2));
    if (bb) {
      const q = bb + (<usize>i << 2);
      store<f32>(q, bbt == 0 ? bal * d : bal * d + bbt * load<f32>(q));
    }
    const wr = w + <usize>i * rowBytes;
    if (d == 0) {
      if (decay) total += scaleRowCounted(wr, inp, bt);
      continue;
    }
    const vd = f32x4.splat(d);
    const s = al * d;
    const vs = f32x4.splat(s);
    let acc = f32x4.splat(0);
    let tail: f32 = 0;
    if (fused) {
      if (decay) {
        // linearBackwardSingle's fused sweep with weight decay.
        for (let o: usize = 0; o < end4; o += 16) {
          const wv = v128.load(wr + o);
          v128.store(dx + o, f32x4.add(v128.load(dx + o), f32x4.mul(vd, wv)));
          const nv = f32x4.add(f32x4.mul(vs, v128.load(x + o)), f32x4.mul(vb, wv));
          v128.store(wr + o, nv);
          acc = f32x4.add(acc, absDiff(nv, wv));
        }
        for (let o = end4; o < rowBytes; o += 4) {
          const wv = load<f32>(wr + o);
          store<f32>(dx + o, load<f32>(dx + o) + d * wv);
          const nv = s * load<f32>(x + o) + bt * wv;
          store<f32>(wr + o, nv);
          tail += Mathf.abs(nv - wv);
        }
      } else {
        // sgdRow's (and sgdRows2's) sweep.
        if (signed) {
          for (let o: usize = 0; o < end4; o += 16) {
            const a0 = v128.load(wr + o);
            v128.store(dx + o, madd(vd, a0, v128.load(dx + o)));
            const nv = madd(vs, v128.load(x + o), a0);
            v128.store(wr + o, nv);
            acc = f32x4.add(acc, f32x4.sub(nv, a0));
          }
          acc = f32x4.abs(acc);
        } else {
          for (let o: usize = 0; o < end4; o += 16) {
            const a0 = v128.load(wr + o);
            v128.store(dx + o, madd(vd, a0, v128.load(dx + o)));
            const nv = madd(vs, v128.load(x + o), a0);
            v128.store(wr + o, nv);
            acc = f32x4.add(acc, absDiff(nv, a0));
          }
        }
        for (let o = end4; o < rowBytes; o += 4) {
          const a0 = load<f32>(wr + o);
          store<f32>(dx + o, load<f32>(dx + o) + d * a0);
          const nv = a0 + s * load<f32>(x + o);
          store<f32>(wr + o, nv);
          tail += Mathf.abs(nv - a0);
        }
      }
      total += lanes(acc) + <f64>tail;
      continue;
    }
    if (dx) {
      for (let o: usize = 0; o < end4; o += 16) v128.store(dx + o, f32x4.add(v128.load(dx + o), f32x4.mul(vd, v128.load(wr + o))));
      for (let o = end4; o < rowBytes; o += 4) store<f32>(dx + o, load<f32>(dx + o) + d * load<f32>(wr + o));
    }
    if (bt == 1) total += signed ? sgdRowSigned(wr, x, inp, vs, s) : sgdRowCounted(wr, x, inp, vs, s);
    else if (bt == 0) {
      for (let o: usize = 0; o < end4; o += 16) {
        const nv = f32x4.mul(vs, v128.load(x + o));
        acc = f32x4.add(acc, absDiff(nv, v128.load(wr + o)));
        v128.store(wr + o, nv);
      }
      for (let o = end4; o < rowBytes; o += 4) {
        const nv = s * load<f32>(x + o);
        tail += Mathf.abs(nv - load<f32>(wr + o));
        store<f32>(wr + o, nv);
      }
      total += lanes(acc) + <f64>tail;
    } else {
      for (let o: usize = 0; o < end4; o += 16) {
        const wv = v128.load(wr + o);
        const nv = f32x4.add(f32x4.mul(vs, v128.load(x + o)), f32x4.mul(vb, wv));
        v128.store(wr + o, nv);
        acc = f32x4.add(acc, absDiff(nv, wv));
      }
      for (let o = end4; o < rowBytes; o += 4) {
        const wv = load<f32>(wr + o);
        const nv = s * load<f32>(x + o) + bt * wv;
        store<f32>(wr + o, nv);
        tail += Mathf.abs(nv - wv);
      }
      total += lanes(acc) + <f64>tail;
    }
  }
  return total;
}

/**
 * w += s x on a row (the first layer's SGD: linearBackwardSingle's four-vector sweep), returning sum |w_new - w_old|;
 * four accumulators, one per vector of a turn.
 */
function sgdRowCounted(wr: usize, x: usize, inp: i32, vs: v128, s: f32): f64 {
  const rowBytes = <usize>inp << 2;
  const end4 = <usize>(inp & ~3) << 2;
  const end16 = <usize>(inp & ~15) << 2;
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  let q = wr, xp = x;
  const qEnd = wr + end16;
  while (q < qEnd) {
    const a0 = v128.load(q), a1 = v128.load(q, 16), a2 = v128.load(q, 32), a3 = v128.load(q, 48);
    const n0 = madd(vs, v128.load(xp), a0);
    const n1 = madd(vs, v128.load(xp, 16), a1);
    const n2 = madd(vs, v128.load(xp, 32), a2);
    const n3 = madd(vs, v128.load(xp, 48), a3);
    v128.store(q, n0);
    v128.store(q, n1, 16);
    v128.store(q, n2, 32);
    v128.store(q, n3, 48);
    c0 = f32x4.add(c0, absDiff(n0, a0));
    c1 = f32x4.add(c1, absDiff(n1, a1));
    c2 = f32x4.add(c2, absDiff(n2, a2));
    c3 = f32x4.add(c3, absDiff(n3, a3));
    q += 64;
    xp += 64;
  }
  for (let o = end16; o < end4; o += 16) {
    const a0 = v128.load(wr + o);
    const n0 = madd(vs, v128.load(x + o), a0);
    v128.store(wr + o, n0);
    c0 = f32x4.add(c0, absDiff(n0, a0));
  }
  let tail: f32 = 0;
  for (let o = end4; o < rowBytes; o += 4) {
    const a0 = load<f32>(wr + o);
    const n0 = a0 + s * load<f32>(x + o);
    store<f32>(wr + o, n0);
    tail += Mathf.abs(n0 - a0);
  }
  return lanes(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3))) + <f64>tail;
}

/** sgdRowCounted for x >= 0: the differences of the row share the sign of s, so their sum is added, then its magnitude taken. */
function sgdRowSigned(wr: usize, x: usize, inp: i32, vs: v128, s: f32): f64 {
  const rowBytes = <usize>inp << 2;
  const end4 = <usize>(inp & ~3) << 2;
  const end16 = <usize>(inp & ~15) << 2;
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  let q = wr, xp = x;
  const qEnd = wr + end16;
  while (q < qEnd) {
    const a0 = v128.load(q), a1 = v128.load(q, 16), a2 = v128.load(q, 32), a3 = v128.load(q, 48);
    const n0 = madd(vs, v128.load(xp), a0);
    const n1 = madd(vs, v128.load(xp, 16), a1);
    const n2 = madd(vs, v128.load(xp, 32), a2);
    const n3 = madd(vs, v128.load(xp, 48), a3);
    v128.store(q, n0);
    v128.store(q, n1, 16);
    v128.store(q, n2, 32);
    v128.store(q, n3, 48);
    c0 = f32x4.add(c0, f32x4.sub(n0, a0));
    c1 = f32x4.add(c1, f32x4.sub(n1, a1));
    c2 = f32x4.add(c2, f32x4.sub(n2, a2));
    c3 = f32x4.add(c3, f32x4.sub(n3, a3));
    q += 64;
    xp += 64;
  }
  for (let o = end16; o < end4; o += 16) {
    const a0 = v128.load(wr + o);
    const n0 = madd(vs, v128.load(x + o), a0);
    v128.store(wr + o, n0);
    c0 = f32x4.add(c0, f32x4.sub(n0, a0));
  }
  let tail: f32 = 0;
  for (let o = end4; o < rowBytes; o += 4) {
    const a0 = load<f32>(wr + o);
    const n0 = a0 + s * load<f32>(x + o);
    store<f32>(wr + o, n0);
    tail += n0 - a0;
  }
  return Math.abs(lanes(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3))) + <f64>tail);
}

/**
 * linear.ts's sgdRowsBy2 (fused SGD without decay, the rows with dy[i] != 0 two at a time, dx adding them in
 * ascending order) for x >= 0, returning the update size (each row's differences share the sign of its step).
 */
function sgdRowsBy2Signed(out: i32, inp: i32, dy: usize, x: usize, w: usize, dx: usize, al: f32, bal: f32, bbt: f32, bb: usize): f64 {
  const rowBytes = <usize>inp << 2;
  const end4 = <usize>(inp & ~3) << 2;
  let total: f64 = 0;
  let r0: usize = 0;
  let d0: f32 = 0;
  let held = 0;
  for (let i = 0; i < out; i++) {
    const d = load<f32>(dy + (<usize>i << 2));
    if (bb) {
      const q = bb + (<usize>i << 2);
      store<f32>(q, bbt == 0 ? bal * d : bal * d + bbt * load<f32>(q));
    }
    if (d == 0) continue;
    const wr = w + <usize>i * rowBytes;
    if (held == 0) {
      r0 = wr;
      d0 = d;
      held = 1;
      continue;
    }
    held = 0;
    const s0 = al * d0, s1 = al * d;
    const vd0 = f32x4.splat(d0), vd1 = f32x4.splat(d);
    const vs0 = f32x4.splat(s0), vs1 = f32x4.splat(s1);
    let c0 = f32x4.splat(0), c1 = c0;
    for (let o: usize = 0; o < end4; o += 16) {
      const xv = v128.load(x + o);
      const a0 = v128.load(r0 + o), a1 = v128.load(wr + o);
      v128.store(dx + o, madd(vd1, a1, madd(vd0, a0, v128.load(dx + o))));
      const n0 = madd(vs0, xv, a0), n1 = madd(vs1, xv, a1);
      v128.store(r0 + o, n0);
      v128.store(wr + o, n1);
      c0 = f32x4.add(c0, f32x4.sub(n0, a0));
      c1 = f32x4.add(c1, f32x4.sub(n1, a1));
    }
    let t0: f32 = 0, t1: f32 = 0;
    for (let o = end4; o < rowBytes; o += 4) {
      const xv = load<f32>(x + o);
      const a0 = load<f32>(r0 + o), a1 = load<f32>(wr + o);
      store<f32>(dx + o, (load<f32>(dx + o) + d0 * a0) + d * a1);
      const n0 = a0 + s0 * xv, n1 = a1 + s1 * xv;
      store<f32>(r0 + o, n0);
      store<f32>(wr + o, n1);
      t0 += n0 - a0;
      t1 += n1 - a1;
    }
    total += Math.abs(lanes(c0) + <f64>t0) + Math.abs(lanes(c1) + <f64>t1);
  }
  if (held > 0) {
    const s0 = al * d0;
    const vd0 = f32x4.splat(d0), vs0 = f32x4.splat(s0);
    let c0 = f32x4.splat(0);
    for (let o: usize = 0; o < end4; o += 16) {
      const a0 = v128.load(r0 + o);
      v128.store(dx + o, madd(vd0, a0, v128.load(dx + o)));
      const n0 = madd(vs0, v128.load(x + o), a0);
      v128.store(r0 + o, n0);
      c0 = f32x4.add(c0, f32x4.sub(n0, a0));
    }
    let t0: f32 = 0;
    for (let o = end4; o < rowBytes; o += 4) {
      const a0 = load<f32>(r0 + o);
      store<f32>(dx + o, load<f32>(dx + o) + d0 * a0);
      const n0 = a0 + s0 * load<f32>(x + o);
      store<f32>(r0 + o, n0);
      t0 += n0 - a0;
    }
    total += Math.abs(lanes(c0) + <f64>t0);
  }
  return total;
}

/** Whether x[0:n] >= 0 everywhere (a NaN is not). */
function nonNegative(x: usize, n: i32): bool {
  const bytes = <usize>n << 2;
  const end4 = <usize>(n & ~3) << 2;
  const zero = f32x4.splat(0);
  let ok = i32x4.splat(-1);
  for (let o: usize = 0; o < end4; o += 16) ok = v128.and(ok, f32x4.ge(v128.load(x + o), zero));
  if (!v128.all_true<i32>(ok)) return false;
  for (let o = end4; o < bytes; o += 4) if (!(load<f32>(x + o) >= 0)) return false;
  return true;
}

/** row *= beta as linear.ts's scaleRow (beta = 0 writes zeros), returning sum |w_new - w_old|. */
function scaleRowCounted(row: usize, n: i32, beta: f32): f64 {
  const bytes = <usize>n << 2;
  const end4 = <usize>(n & ~3) << 2;
  let acc = f32x4.splat(0);
  let tail: f32 = 0;
  if (beta == 0) {
    // scaleRow fills zeros (a NaN weight becomes 0 too): the change is |w|.
    for (let o: usize = 0; o < end4; o += 16) acc = f32x4.add(acc, f32x4.abs(v128.load(row + o)));
    for (let o = end4; o < bytes; o += 4) tail += Mathf.abs(load<f32>(row + o));
    memory.fill(row, 0, bytes);
    return lanes(acc) + <f64>tail;
  }
  const vb = f32x4.splat(beta);
  for (let o: usize = 0; o < end4; o += 16) {
    const wv = v128.load(row + o);
    const nv = f32x4.mul(vb, wv);
    v128.store(row + o, nv);
    acc = f32x4.add(acc, absDiff(nv, wv));
  }
  for (let o = end4; o < bytes; o += 4) {
    const wv = load<f32>(row + o);
    const nv = beta * wv;
    store<f32>(row + o, nv);
    tail += Mathf.abs(nv - wv);
  }
  return lanes(acc) + <f64>tail;
}
