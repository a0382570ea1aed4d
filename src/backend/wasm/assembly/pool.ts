// Max pooling (no padding) and global average pooling over NCHW planes.

import { rowSum } from './simd';
import { storeScaled } from './colSums';

export function maxPool(x: usize, n: i32, c: i32, h: i32, w: i32, k: i32, stride: i32, oh: i32, ow: i32, y: usize, argmax: usize): void {
  const hw = h * w;
  const planes = n * c;
  for (let p = 0; p < planes; p++) {
    const xp = x + (<usize>p * <usize>hw << 2);
    const yp = y + (<usize>p * <usize>oh * <usize>ow << 2);
    const ap = argmax + (<usize>p * <usize>oh * <usize>ow << 2);
    let oy = 0;
    // Planes two outputs wide (a 4x4 input, say): two output rows at a time make a group of four.
    if (k == 2 && stride == 2 && ow == 2) for (; oy + 2 <= oh; oy += 2) pool2x2Pair(xp, w, oy, yp, ap);
    for (; oy < oh; oy++) {
      let ox = 0;
      // The common 2x2 window with step 2, four outputs at a time without branches (comparisons are data-
      // dependent and mispredict half the time in the scalar loop).
      if (k == 2 && stride == 2) ox = maxPool2x2Row(xp, w, oy, ow, yp + (<usize>oy * <usize>ow << 2), ap + (<usize>oy * <usize>ow << 2));
      for (; ox < ow; ox++) {
        let best: f32 = -Infinity;
        let at = oy * stride * w + ox * stride;
        for (let ky = 0; ky < k; ky++) {
          const rowIdx = (oy * stride + ky) * w + ox * stride;
          for (let kx = 0; kx < k; kx++) {
            const idx = rowIdx + kx;
            const v = load<f32>(xp + (<usize>idx << 2));
            // NaN propagates (as in PyTorch): the first NaN of a window wins. Selects, not a branch: the
            // comparisons are data-dependent (small planes, e.g. 4x4, take this loop for every window).
            const t = <i32>(v > best) | (<i32>(v != v) & <i32>(best == best));
            best = select<f32>(v, best, t);
            at = select<i32>(idx, at, t);
          }
        }
        const o = <usize>oy * <usize>ow + <usize>ox;
        store<f32>(yp + (o << 2), best);
        store<f32>(ap + (o << 2), <f32>at);
      }
    }
  }
}

/** Candidate v replaces the best so far when greater, or when it is the first NaN (the scalar rule, per lane). */
@inline
function takes(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
}

/** Outputs of row oy of a 2x2 / step-2 pooling, four at a time; returns the first column left to do. */
function maxPool2x2Row(xp: usize, w: i32, oy: i32, ow: i32, yRow: usize, aRow: usize): i32 {
  const r0 = xp + (<usize>(2 * oy) * <usize>w << 2);
  const r1 = r0 + (<usize>w << 2);
  const rowBase = 2 * oy * w;
  let ox = 0;
  for (; ox + 4 <= ow; ox += 4) pool2x2Quad(r0, r1, rowBase, w, ox, yRow, aRow);
  // The last outputs of a row as one more group of four ending at the row's end (some computed twice, with the
  // same values), rather than one at a time.
  if (ox < ow && ow >= 4) {
    pool2x2Quad(r0, r1, rowBase, w, ow - 4, yRow, aRow);
    ox = ow;
  }
  return ox;
}

/**
 * Outputs (oy, 0), (oy, 1), (oy + 1, 0), (oy + 1, 1) of a 2x2 / step-2 pooling two outputs wide: the windows of
 * input rows 2 oy .. 2 oy + 3, columns 0..3, stored as four consecutive outputs.
 */
// @ts-ignore: decorator
@inline function pool2x2Pair(xp: usize, w: i32, oy: i32, yp: usize, ap: usize): void {
  const rb = <usize>w << 2;
  const r0 = xp + (<usize>(2 * oy) * <usize>w << 2), r1 = r0 + rb, r2 = r1 + rb, r3 = r2 + rb;
  const a0 = v128.load(r0), a1 = v128.load(r1), a2 = v128.load(r2), a3 = v128.load(r3);
  // Window order as the scalar loop: (row 0, col 0), (row 0, col 1), (row 1, col 0), (row 1, col 1).
  let best = v128.shuffle<f32>(a0, a2, 0, 2, 4, 6);
  const i0 = i32x4.add(i32x4.splat(2 * oy * w), i32x4.replace_lane(i32x4.replace_lane(i32x4(0, 2, 0, 2), 2, 2 * w), 3, 2 * w + 2));
  let at = i0;
  let v = v128.shuffle<f32>(a0, a2, 1, 3, 5, 7);
  let t = takes(v, best);
  best = v128.bitselect(v, best, t);
  at = v128.bitselect(i32x4.add(i0, i32x4.splat(1)), at, t);
  v = v128.shuffle<f32>(a1, a3, 0, 2, 4, 6);
  t = takes(v, best);
  best = v128.bitselect(v, best, t);
  at = v128.bitselect(i32x4.add(i0, i32x4.splat(w)), at, t);
  v = v128.shuffle<f32>(a1, a3, 1, 3, 5, 7);
  t = takes(v, best);
  best = v128.bitselect(v, best, t);
  at = v128.bitselect(i32x4.add(i0, i32x4.splat(w + 1)), at, t);
  const o = <usize>(oy * 2) << 2;
  v128.store(yp + o, best);
  v128.store(ap + o, f32x4.convert_i32x4_s(at));
}

/** Outputs ox..ox + 3 of a row of a 2x2 / step-2 pooling (rows r0, r1 of the input). */
// @ts-ignore: decorator
@inline function pool2x2Quad(r0: usize, r1: usize, rowBase: i32, w: i32, ox: i32, yRow: usize, aRow: usize): void {
  {
    const off = <usize>(2 * ox) << 2;
    const a0 = v128.load(r0 + off), b0 = v128.load(r0 + off + 16);
    const a1 = v128.load(r1 + off), b1 = v128.load(r1 + off + 16);
    // Window order as the scalar loop: (row 0, col 0), (row 0, col 1), (row 1, col 0), (row 1, col 1).
    let best = v128.shuffle<f32>(a0, b0, 0, 2, 4, 6);
    const i0 = i32x4.add(i32x4.splat(rowBase + 2 * ox), i32x4(0, 2, 4, 6));
    let at = i0;
    let v = v128.shuffle<f32>(a0, b0, 1, 3, 5, 7);
    let t = takes(v, best);
    best = v128.bitselect(v, best, t);
    at = v128.bitselect(i32x4.add(i0, i32x4.splat(1)), at, t);
    v = v128.shuffle<f32>(a1, b1, 0, 2, 4, 6);
    t = takes(v, best);
    best = v128.bitselect(v, best, t);
    at = v128.bitselect(i32x4.add(i0, i32x4.splat(w)), at, t);
    v = v128.shuffle<f32>(a1, b1, 1, 3, 5, 7);
    t = takes(v, best);
    best = v128.bitselect(v, best, t);
    at = v128.bitselect(i32x4.add(i0, i32x4.splat(w + 1)), at, t);
    v128.store(yRow + (<usize>ox << 2), best);
    v128.store(aRow + (<usize>ox << 2), f32x4.convert_i32x4_s(at));
  }
}

/** dx = 0, dx[argmax] += dy. Returns how many argmax values were not an index of the plane (those are skipped). */
export function maxPoolBackward(dy: usize, argmax: usize, n: i32, c: i32, h: i32, w: i32, oh: i32, ow: i32, dx: usize): i32 {
  // 2x2 windows with step 2 (the usual pooling): each window's four gradients written at once, no scatter.
  if (oh == h >> 1 && ow == w >> 1 && maxPoolBackward2x2(dy, argmax, n * c, h, w, oh, ow, dx)) return 0;
  return maxPoolBackwardScatter(dy, argmax, n, c, h, w, oh, ow, dx);
}

/** The first plane of part `part` of `parts` (planes are independent: threads split them). */
// @ts-ignore: decorator
@inline function planeAt(planes: i32, part: i32, parts: i32): i32 {
  return <i32>((<i64>planes * <i64>part) / <i64>parts);
}

/** maxPool with the n * c planes cut into `chunks` parts taken from the shared counter (see gemmChunks). */
export function maxPoolChunks(x: usize, n: i32, c: i32, h: i32, w: i32, k: i32, stride: i32, oh: i32, ow: i32, y: usize, argmax: usize, chunks: i32, counter: usize): void {
  const planes = n * c;
  const hw = <usize>h * <usize>w, ohw = <usize>oh * <usize>ow;
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    const p0 = planeAt(planes, part, chunks), p1 = planeAt(planes, part + 1, chunks);
    const o = <usize>p0 * ohw << 2;
    maxPool(x + (<usize>p0 * hw << 2), 1, p1 - p0, h, w, k, stride, oh, ow, y + o, argmax + o);
  }
}

/**
 * maxPoolBackward with the planes cut into `chunks` parts taken from the shared counter; each part adds its count
 * of bad argmax values to the i32 at `bad`. A part whose windows are not all 2x2 scatters its own planes only.
 */
export function maxPoolBackwardChunks(dy: usize, argmax: usize, n: i32, c: i32, h: i32, w: i32, oh: i32, ow: i32, dx: usize, chunks: i32, counter: usize, bad: usize): void {
  const planes = n * c;
  const hw = <usize>h * <usize>w, ohw = <usize>oh * <usize>ow;
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    const p0 = planeAt(planes, part, chunks), p1 = planeAt(planes, part + 1, chunks);
    const o = <usize>p0 * ohw << 2;
    const b = maxPoolBackward(dy + o, argmax + o, 1, p1 - p0, h, w, oh, ow, dx + (<usize>p0 * hw << 2));
    if (b != 0) atomic.add<i32>(bad, b);
  }
}

function maxPoolBackwardScatter(dy: usize, argmax: usize, n: i32, c: i32, h: i32, w: i32, oh: i32, ow: i32, dx: usize): i32 {
  const hw = h * w;
  const ohw = oh * ow;
  const planes = n * c;
  memory.fill(dx, 0, <usize>planes * <usize>hw << 2);
  let bad = 0;
  for (let p = 0; p < planes; p++) {
    const dp = dx + (<usize>p * <usize>hw << 2);
    const base = <usize>p * <usize>ohw << 2;
    for (let o = 0; o < ohw; o++) {
      const f = load<f32>(argmax + base + (<usize>o << 2));
      if (!(f >= 0 && f < <f32>hw) || <f32>(<i32>f) != f) {
        bad++;
        continue;
      }
      const q = dp + (<usize>(<i32>f) << 2);
      store<f32>(q, load<f32>(q) + load<f32>(dy + base + (<usize>o << 2)));
    }
  }
  return bad;
}

/**
 * The backward of a 2x2 / step-2 pooling, assuming every argmax lies in its own 2x2 block; returns false as
 * soon as one does not (another window shape), and the caller redoes the whole thing by scattering.
 */
function maxPoolBackward2x2(dy: usize, argmax: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32, dx: usize): bool {
  const hw = h * w;
  const ohw = oh * ow;
  const zero = f32x4.splat(0);
  for (let p = 0; p < planes; p++) {
    const dp = dx + (<usize>p * <usize>hw << 2);
    const gp = dy + (<usize>p * <usize>ohw << 2);
    const ap = argmax + (<usize>p * <usize>ohw << 2);
    let oy = 0;
    // Planes 4 wide (two outputs): two output rows at a time make a group of four windows.
    if (ow == 2 && w == 4)
      for (; oy + 2 <= oh; oy += 2) {
        const o = <usize>(oy * 2) << 2;
        const g = v128.load(gp + o);
        const a = i32x4.trunc_sat_f32x4_s(v128.load(ap + o));
        const i0 = i32x4.add(i32x4.splat(2 * oy * 4), i32x4(0, 2, 8, 10));
        const m00 = i32x4.eq(a, i0), m01 = i32x4.eq(a, i32x4.add(i0, i32x4.splat(1)));
        const m10 = i32x4.eq(a, i32x4.add(i0, i32x4.splat(4))), m11 = i32x4.eq(a, i32x4.add(i0, i32x4.splat(5)));
        if (!v128.all_true<i32>(v128.or(v128.or(m00, m01), v128.or(m10, m11)))) return false;
        const e0 = v128.bitselect(g, zero, m00), o0 = v128.bitselect(g, zero, m01);
        const e1 = v128.bitselect(g, zero, m10), o1 = v128.bitselect(g, zero, m11);
        const r0 = dp + (<usize>(2 * oy) << 4);
        v128.store(r0, v128.shuffle<f32>(e0, o0, 0, 4, 1, 5));
        v128.store(r0, v128.shuffle<f32>(e1, o1, 0, 4, 1, 5), 16);
        v128.store(r0, v128.shuffle<f32>(e0, o0, 2, 6, 3, 7), 32);
        v128.store(r0, v128.shuffle<f32>(e1, o1, 2, 6, 3, 7), 48);
      }
    for (; oy < oh; oy++) {
      const r0 = dp + (<usize>(2 * oy) * <usize>w << 2);
      const r1 = r0 + (<usize>w << 2);
      const rowBase = 2 * oy * w;
      let ox = 0;
      // Groups of four windows, the last one ending at the row's end (windows done twice get the same values).
      for (; ow >= 4 && ox < ow; ox += 4) {
        const qx = min(ox, ow - 4);
        const o = <usize>(oy * ow + qx) << 2;
        const g = v128.load(gp + o);
        const a = i32x4.trunc_sat_f32x4_s(v128.load(ap + o));
        const i0 = i32x4.add(i32x4.splat(rowBase + 2 * qx), i32x4(0, 2, 4, 6));
        const m00 = i32x4.eq(a, i0), m01 = i32x4.eq(a, i32x4.add(i0, i32x4.splat(1)));
        const m10 = i32x4.eq(a, i32x4.add(i0, i32x4.splat(w))), m11 = i32x4.eq(a, i32x4.add(i0, i32x4.splat(w + 1)));
        if (!v128.all_true<i32>(v128.or(v128.or(m00, m01), v128.or(m10, m11)))) return false;
        const e0 = v128.bitselect(g, zero, m00), o0 = v128.bitselect(g, zero, m01);
        const e1 = v128.bitselect(g, zero, m10), o1 = v128.bitselect(g, zero, m11);
        const off = <usize>(2 * qx) << 2;
        v128.store(r0 + off, v128.shuffle<f32>(e0, o0, 0, 4, 1, 5));
        v128.store(r0 + off + 16, v128.shuffle<f32>(e0, o0, 2, 6, 3, 7));
        v128.store(r1 + off, v128.shuffle<f32>(e1, o1, 0, 4, 1, 5));
        v128.store(r1 + off + 16, v128.shuffle<f32>(e1, o1, 2, 6, 3, 7));
      }
      for (; ox < ow; ox++) {
        const o = <usize>(oy * ow + ox) << 2;
        const g = load<f32>(gp + o);
        const f = load<f32>(ap + o);
        const i0 = rowBase + 2 * ox;
        const ai = <i32>f;
        if (<f32>ai != f || !(ai == i0 || ai == i0 + 1 || ai == i0 + w || ai == i0 + w + 1)) return false;
        const q0 = r0 + (<usize>(2 * ox) << 2), q1 = r1 + (<usize>(2 * ox) << 2);
        store<f32>(q0, ai == i0 ? g : 0);
        store<f32>(q0 + 4, ai == i0 + 1 ? g : 0);
        store<f32>(q1, ai == i0 + w ? g : 0);
        store<f32>(q1 + 4, ai == i0 + w + 1 ? g : 0);
      }
      // An odd width leaves a last column no window reads.
      if (w & 1) {
        store<f32>(r0 + (<usize>(w - 1) << 2), 0);
        store<f32>(r1 + (<usize>(w - 1) << 2), 0);
      }
    }
    // An odd height leaves a last row no window reads.
    if (h & 1) memory.fill(dp + (<usize>((h - 1) * w) << 2), 0, <usize>w << 2);
  }
  return true;
}

/**
 * Channels ch0..ch1 of maxPoolCnhw: each plane (ch, b) of a [c, n, h, w] tensor (a conv's gemm product) gets
 * bias[ch] added in place (bias != 0; the f32 sums of transpose01AddBias), then is pooled as maxPool pools plane
 * (b, ch) of the [n, c, h, w] tensor, while it is in cache: the transposed copy is never written.
 */
function maxPoolCnhwChannels(a: usize, c: i32, n: i32, h: i32, w: i32, k: i32, stride: i32, oh: i32, ow: i32, bias: usize, y: usize, argmax: usize, ch0: i32, ch1: i32): void {
  const hw = <usize>h * <usize>w, ohw = <usize>oh * <usize>ow;
  for (let ch = ch0; ch < ch1; ch++) {
    const s = bias != 0 ? load<f32>(bias + (<usize>ch << 2)) : 0;
    const v = f32x4.splat(s);
    for (let b = 0; b < n; b++) {
      const plane = a + ((<usize>ch * <usize>n + <usize>b) * hw << 2);
      if (bias != 0) {
        let i: usize = 0;
        for (; i + 4 <= hw; i += 4) v128.store(plane + (i << 2), f32x4.add(v128.load(plane + (i << 2)), v));
        for (; i < hw; i++) store<f32>(plane + (i << 2), load<f32>(plane + (i << 2)) + s);
      }
      const o = (<usize>b * <usize>c + <usize>ch) * ohw << 2;
      maxPool(plane, 1, 1, h, w, k, stride, oh, ow, y + o, argmax + o);
    }
  }
}

/** maxPool of transpose01AddBias(a, c, n, h*w, bias) without the transposed copy; a gets the bias in place. */
export function maxPoolCnhw(a: usize, c: i32, n: i32, h: i32, w: i32, k: i32, stride: i32, oh: i32, ow: i32, bias: usize, y: usize, argmax: usize): void {
  maxPoolCnhwChannels(a, c, n, h, w, k, stride, oh, ow, bias, y, argmax, 0, c);
}

/** maxPoolCnhw with the c channels cut into `chunks` parts taken from the shared counter. */
export function maxPoolCnhwChunks(a: usize, c: i32, n: i32, h: i32, w: i32, k: i32, stride: i32, oh: i32, ow: i32, bias: usize, y: usize, argmax: usize, chunks: i32, counter: usize): void {
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    maxPoolCnhwChannels(a, c, n, h, w, k, stride, oh, ow, bias, y, argmax, planeAt(c, part, chunks), planeAt(c, part + 1, chunks));
  }
}

/**
 * Channels ch0..ch1 of maxPoolBackwardCnhw: plane (b, ch) of the pooling's gradient goes through maxPoolBackward
 * into plane (ch, b) of dx [c, n, h, w], which (sums != 0) is summed while in cache in sumChannels' order
 * (f64 s += rowSum of each plane, b = 0, 1, ...): transpose01SumChannels' bits. Returns the count of bad argmax values.
 */
function maxPoolBackwardCnhwChannels(dy: usize, argmax: usize, n: i32, c: i32, h: i32, w: i32, oh: i32, ow: i32, dx: usize, alpha: f64, beta: f64, sums: usize, ch0: i32, ch1: i32): i32 {
  const hw = <usize>h * <usize>w, ohw = <usize>oh * <usize>ow;
  let bad = 0;
  for (let ch = ch0; ch < ch1; ch++) {
    let s: f64 = 0;
    for (let b = 0; b < n; b++) {
      const o = (<usize>b * <usize>c + <usize>ch) * ohw << 2;
      const plane = dx + ((<usize>ch * <usize>n + <usize>b) * hw << 2);
      bad += maxPoolBackward(dy + o, argmax + o, 1, 1, h, w, oh, ow, plane);
      if (sums != 0) s += rowSum(plane, h * w, 0);
    }
    if (sums != 0) storeScaled(sums + (<usize>ch << 2), s, alpha, beta);
  }
  return bad;
}

/**
 * transpose01SumChannels(maxPoolBackward(dy, argmax), n, c, h*w, dx, alpha, beta, sums) without the [n, c, h, w]
 * gradient (for h*w > 1; sums 0: none). Returns the count of bad argmax values (their planes scatter the rest).
 */
export function maxPoolBackwardCnhw(dy: usize, argmax: usize, n: i32, c: i32, h: i32, w: i32, oh: i32, ow: i32, dx: usize, alpha: f64, beta: f64, sums: usize): i32 {
  return maxPoolBackwardCnhwChannels(dy, argmax, n, c, h, w, oh, ow, dx, alpha, beta, sums, 0, c);
}

/** maxPoolBackwardCnhw with the channels cut into `chunks` parts; each part adds its count of bad argmax values to the i32 at `bad`. */
export function maxPoolBackwardCnhwChunks(dy: usize, argmax: usize, n: i32, c: i32, h: i32, w: i32, oh: i32, ow: i32, dx: usize, alpha: f64, beta: f64, sums: usize, chunks: i32, counter: usize, bad: usize): void {
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    const b = maxPoolBackwardCnhwChannels(dy, argmax, n, c, h, w, oh, ow, dx, alpha, beta, sums, planeAt(c, part, chunks), planeAt(c, part + 1, chunks));
    if (b != 0) atomic.add<i32>(bad, b);
  }
}

export function globalAvgPool(x: usize, n: i32, c: i32, hw: i32, y: usize): void {
  const planes = n * c;
  for (let p = 0; p < planes; p++) store<f32>(y + (<usize>p << 2), <f32>(rowSum(x + (<usize>p * <usize>hw << 2), hw, 0) / <f64>hw));
}

export function globalAvgPoolBackward(dy: usize, n: i32, c: i32, hw: i32, dx: usize): void {
  const planes = n * c;
  for (let p = 0; p < planes; p++) {
    const v = <f32>(<f64>load<f32>(dy + (<usize>p << 2)) / <f64>hw);
    const s = f32x4.splat(v);
    const o = dx + (<usize>p * <usize>hw << 2);
    let k = 0;
    for (; k + 4 <= hw; k += 4) v128.store(o + (<usize>k << 2), s);
    for (; k < hw; k++) store<f32>(o + (<usize>k << 2), v);
  }
}
