// Fused scaled dot-product attention over (example, head) pairs, on the fused input projection's layout:
// qkv [n, T, 3D] (per token the queries, then the keys, then the values; head h in columns [h dh, (h+1) dh) of
// each), probs [n, H, T, T], out / dOut [n, T, D]. Heads are read and written in place with a row stride (no
// transposing copies); per pair, one operand is packed transposed into scratch ([dh, Tp], Tp = T rounded up to 4)
// so that a query's scores are f32x4 multiply-adds along the keys, and a score row stays in scratch from the
// product through the softmax to P V. Pairs are independent: the result never depends on how threads share them.
//
// Without a causal mask and for head dims that are multiples of 4, queries go four at a time: each packed key/value
// vector loaded serves four rows, and dK, dV rows are read and written once per four queries (the products are
// the same sums in the same order as one row at a time: the results do not depend on the blocking).
//
// Scratch (per thread), in floats: dh * Tp (the packed operand) + 8 * Tp (row buffers: 4 score rows, 4 P rows).

import { expm1SmallMadd, magicToFloat, magicToInt, pow2, reduce, roundMagic } from './expf';
import { madd } from './simd';

// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504;

/**
 * exp(x) for the shifted scores x = s - max s <= 0 (NaN stays NaN): exp4 without its upper clamp and second scale
 * factor, and pmax (one instruction) for the lower clamp, where f32x4.max costs several. Below -87 the result is
 * exp(-87) ~ 1.6e-38 instead of a subnormal or 0: nothing a softmax row can tell apart.
 */
// @ts-ignore: decorator
@inline function expNonPositive4(x: v128): v128 {
  x = f32x4.pmax(x, f32x4.splat(-87.0));
  const k = roundMagic(f32x4.mul(x, f32x4.splat(LOG2E)));
  return f32x4.mul(f32x4.add(expm1SmallMadd(reduce(x, magicToFloat(k))), f32x4.splat(1)), pow2(magicToInt(k)));
}

/** Queries per block. */
// @ts-ignore: decorator
@inline const ROWS: i32 = 4;

// @ts-ignore: decorator
@inline function roundUp4(t: i32): i32 {
  return (t + 3) & ~3;
}

/** Floats of scratch one pair needs. */
export function attentionScratchFloats(tokens: i32, headDim: i32): i32 {
  return (headDim + 2 * ROWS) * roundUp4(tokens);
}

/** dst [dh, Tp] = s * transpose of the T rows of dh values at src (row stride ld floats); columns T..Tp get 0. */
function packTransposed(src: usize, ld: i32, T: i32, dh: i32, s: f32, dst: usize, Tp: i32): void {
  for (let j = 0; j < T; j++) {
    const row = src + (<usize>(j * ld) << 2);
    let at = dst + (<usize>j << 2);
    for (let d = 0; d < dh; d++) {
      store<f32>(at, load<f32>(row + (<usize>d << 2)) * s);
      at += <usize>Tp << 2;
    }
  }
  for (let d = 0; d < dh; d++) for (let j = T; j < Tp; j++) store<f32>(dst + (<usize>(d * Tp + j) << 2), 0);
}

/** y[j] = sum_d x[d] pk[d, j] for j < cols (a multiple of 4): x has dh values, pk is [dh, Tp]. */
function rowTimesPacked(x: usize, dh: i32, pk: usize, Tp: i32, cols: i32, y: usize): void {
  const step = <usize>Tp << 2;
  let j = 0;
  for (; j + 16 <= cols; j += 16) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let p = pk + (<usize>j << 2);
    for (let d = 0; d < dh; d++) {
      const xv = v128.load32_splat(x + (<usize>d << 2));
      a0 = madd(xv, v128.load(p), a0);
      a1 = madd(xv, v128.load(p, 16), a1);
      a2 = madd(xv, v128.load(p, 32), a2);
      a3 = madd(xv, v128.load(p, 48), a3);
      p += step;
    }
    const o = y + (<usize>j << 2);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; j < cols; j += 4) {
    let a0 = f32x4.splat(0);
    let p = pk + (<usize>j << 2);
    for (let d = 0; d < dh; d++) {
      a0 = madd(v128.load32_splat(x + (<usize>d << 2)), v128.load(p), a0);
      p += step;
    }
    v128.store(y + (<usize>j << 2), a0);
  }
}

/** y[d] = sum_{j < cnt} c[j] r[j, d] for d < dh: r holds rows of dh values with stride ld floats. */
function coefsTimesRows(c: usize, cnt: i32, r: usize, ld: i32, dh: i32, y: usize): void {
  const step = <usize>ld << 2;
  let d = 0;
  for (; d + 16 <= dh; d += 16) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let p = r + (<usize>d << 2);
    for (let j = 0; j < cnt; j++) {
      const cv = v128.load32_splat(c + (<usize>j << 2));
      a0 = madd(cv, v128.load(p), a0);
      a1 = madd(cv, v128.load(p, 16), a1);
      a2 = madd(cv, v128.load(p, 32), a2);
      a3 = madd(cv, v128.load(p, 48), a3);
      p += step;
    }
    const o = y + (<usize>d << 2);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; d + 4 <= dh; d += 4) {
    let a0 = f32x4.splat(0);
    let p = r + (<usize>d << 2);
    for (let j = 0; j < cnt; j++) {
      a0 = madd(v128.load32_splat(c + (<usize>j << 2)), v128.load(p), a0);
      p += step;
    }
    v128.store(y + (<usize>d << 2), a0);
  }
  for (; d < dh; d++) {
    let a: f32 = 0;
    let p = r + (<usize>d << 2);
    for (let j = 0; j < cnt; j++) {
      a += load<f32>(c + (<usize>j << 2)) * load<f32>(p);
      p += step;
    }
    store<f32>(y + (<usize>d << 2), a);
  }
}

/** r[j, :] += c[j] x for j < cnt: x has dh values, r rows of dh values with stride ld floats. */
function addCoefsTimesRow(c: usize, cnt: i32, x: usize, dh: i32, r: usize, ld: i32): void {
  const step = <usize>ld << 2;
  let d = 0;
  for (; d + 16 <= dh; d += 16) {
    const xo = x + (<usize>d << 2);
    const x0 = v128.load(xo), x1 = v128.load(xo, 16), x2 = v128.load(xo, 32), x3 = v128.load(xo, 48);
    let p = r + (<usize>d << 2);
    for (let j = 0; j < cnt; j++) {
      const cv = v128.load32_splat(c + (<usize>j << 2));
      v128.store(p, madd(cv, x0, v128.load(p)));
      v128.store(p, madd(cv, x1, v128.load(p, 16)), 16);
      v128.store(p, madd(cv, x2, v128.load(p, 32)), 32);
      v128.store(p, madd(cv, x3, v128.load(p, 48)), 48);
      p += step;
    }
  }
  for (; d + 4 <= dh; d += 4) {
    const x0 = v128.load(x + (<usize>d << 2));
    let p = r + (<usize>d << 2);
    for (let j = 0; j < cnt; j++) {
      v128.store(p, madd(v128.load32_splat(c + (<usize>j << 2)), x0, v128.load(p)));
      p += step;
    }
  }
  for (; d < dh; d++) {
    const xd = load<f32>(x + (<usize>d << 2));
    let p = r + (<usize>d << 2);
    for (let j = 0; j < cnt; j++) {
      store<f32>(p, load<f32>(p) + load<f32>(c + (<usize>j << 2)) * xd);
      p += step;
    }
  }
}

/** y_r[j] = sum_d x_r[d] pk[d, j] for r < 4, j < cols (a multiple of 4): x_r rows of dh values (stride ldx floats), pk [dh, Tp], y_r rows of Tp floats. */
function rows4TimesPacked(x: usize, ldx: i32, dh: i32, pk: usize, Tp: i32, cols: i32, y: usize): void {
  const step = <usize>Tp << 2;
  const xs = <usize>ldx << 2;
  const x1 = x + xs, x2 = x1 + xs, x3 = x2 + xs;
  const y1 = y + step, y2 = y1 + step, y3 = y2 + step;
  let j = 0;
  for (; j + 8 <= cols; j += 8) {
    let a0 = f32x4.splat(0), b0 = f32x4.splat(0), a1 = f32x4.splat(0), b1 = f32x4.splat(0);
    let a2 = f32x4.splat(0), b2 = f32x4.splat(0), a3 = f32x4.splat(0), b3 = f32x4.splat(0);
    let p = pk + (<usize>j << 2);
    for (let d = 0; d < dh; d++) {
      const o = <usize>d << 2;
      const k0 = v128.load(p), k1 = v128.load(p, 16);
      let v = v128.load32_splat(x + o);
      a0 = madd(v, k0, a0);
      b0 = madd(v, k1, b0);
      v = v128.load32_splat(x1 + o);
      a1 = madd(v, k0, a1);
      b1 = madd(v, k1, b1);
      v = v128.load32_splat(x2 + o);
      a2 = madd(v, k0, a2);
      b2 = madd(v, k1, b2);
      v = v128.load32_splat(x3 + o);
      a3 = madd(v, k0, a3);
      b3 = madd(v, k1, b3);
      p += step;
    }
    const o = <usize>j << 2;
    v128.store(y + o, a0);
    v128.store(y + o, b0, 16);
    v128.store(y1 + o, a1);
    v128.store(y1 + o, b1, 16);
    v128.store(y2 + o, a2);
    v128.store(y2 + o, b2, 16);
    v128.store(y3 + o, a3);
    v128.store(y3 + o, b3, 16);
  }
  for (; j < cols; j += 4) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let p = pk + (<usize>j << 2);
    for (let d = 0; d < dh; d++) {
      const o = <usize>d << 2;
      const k0 = v128.load(p);
      a0 = madd(v128.load32_splat(x + o), k0, a0);
      a1 = madd(v128.load32_splat(x1 + o), k0, a1);
      a2 = madd(v128.load32_splat(x2 + o), k0, a2);
      a3 = madd(v128.load32_splat(x3 + o), k0, a3);
      p += step;
    }
    const o = <usize>j << 2;
    v128.store(y + o, a0);
    v128.store(y1 + o, a1);
    v128.store(y2 + o, a2);
    v128.store(y3 + o, a3);
  }
}

/** y_r[d] = sum_{j < cnt} c_r[j] r[j, d] for r < 4, d < dh (a multiple of 4): c_r rows of Tp floats, r rows with stride ld, y_r rows with stride ldy. */
function coefs4TimesRows(c: usize, Tp: i32, cnt: i32, r: usize, ld: i32, dh: i32, y: usize, ldy: i32): void {
  const step = <usize>ld << 2;
  const cs = <usize>Tp << 2;
  const c1 = c + cs, c2 = c1 + cs, c3 = c2 + cs;
  const ys = <usize>ldy << 2;
  const y1 = y + ys, y2 = y1 + ys, y3 = y2 + ys;
  let d = 0;
  for (; d + 8 <= dh; d += 8) {
    let a0 = f32x4.splat(0), b0 = f32x4.splat(0), a1 = f32x4.splat(0), b1 = f32x4.splat(0);
    let a2 = f32x4.splat(0), b2 = f32x4.splat(0), a3 = f32x4.splat(0), b3 = f32x4.splat(0);
    let p = r + (<usize>d << 2);
    for (let j = 0; j < cnt; j++) {
      const o = <usize>j << 2;
      const r0 = v128.load(p), r1 = v128.load(p, 16);
      let v = v128.load32_splat(c + o);
      a0 = madd(v, r0, a0);
      b0 = madd(v, r1, b0);
      v = v128.load32_splat(c1 + o);
      a1 = madd(v, r0, a1);
      b1 = madd(v, r1, b1);
      v = v128.load32_splat(c2 + o);
      a2 = madd(v, r0, a2);
      b2 = madd(v, r1, b2);
      v = v128.load32_splat(c3 + o);
      a3 = madd(v, r0, a3);
      b3 = madd(v, r1, b3);
      p += step;
    }
    const o = <usize>d << 2;
    v128.store(y + o, a0);
    v128.store(y + o, b0, 16);
    v128.store(y1 + o, a1);
    v128.store(y1 + o, b1, 16);
    v128.store(y2 + o, a2);
    v128.store(y2 + o, b2, 16);
    v128.store(y3 + o, a3);
    v128.store(y3 + o, b3, 16);
  }
  for (; d < dh; d += 4) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let p = r + (<usize>d << 2);
    for (let j = 0; j < cnt; j++) {
      const o = <usize>j << 2;
      const r0 = v128.load(p);
      a0 = madd(v128.load32_splat(c + o), r0, a0);
      a1 = madd(v128.load32_splat(c1 + o), r0, a1);
      a2 = madd(v128.load32_splat(c2 + o), r0, a2);
      a3 = madd(v128.load32_splat(c3 + o), r0, a3);
      p += step;
    }
    const o = <usize>d << 2;
    v128.store(y + o, a0);
    v128.store(y1 + o, a1);
    v128.store(y2 + o, a2);
    v128.store(y3 + o, a3);
  }
}

/**
 * r[j, :] += c_0[j] x_0 + c_1[j] x_1 + c_2[j] x_2 + c_3[j] x_3 for j < cnt, added in that order (as four calls of
 * addCoefsTimesRow): c_r rows of Tp floats, x_r rows of dh values (a multiple of 4) with stride ldx, r rows with stride ld.
 */
function addCoefs4TimesRows(c: usize, Tp: i32, cnt: i32, x: usize, ldx: i32, dh: i32, r: usize, ld: i32): void {
  const step = <usize>ld << 2;
  const cs = <usize>Tp << 2;
  const c1 = c + cs, c2 = c1 + cs, c3 = c2 + cs;
  const xs = <usize>ldx << 2;
  let d = 0;
  for (; d + 8 <= dh; d += 8) {
    const xo = x + (<usize>d << 2);
    const x0a = v128.load(xo), x0b = v128.load(xo, 16);
    const x1a = v128.load(xo + xs), x1b = v128.load(xo + xs, 16);
    const x2a = v128.load(xo + 2 * xs), x2b = v128.load(xo + 2 * xs, 16);
    const x3a = v128.load(xo + 3 * xs), x3b = v128.load(xo + 3 * xs, 16);
    let p = r + (<usize>d << 2);
    for (let j = 0; j < cnt; j++) {
      const o = <usize>j << 2;
      const v0 = v128.load32_splat(c + o), v1 = v128.load32_splat(c1 + o);
      const v2 = v128.load32_splat(c2 + o), v3 = v128.load32_splat(c3 + o);
      let a = v128.load(p), b = v128.load(p, 16);
      a = madd(v0, x0a, a);
      b = madd(v0, x0b, b);
      a = madd(v1, x1a, a);
      b = madd(v1, x1b, b);
      a = madd(v2, x2a, a);
      b = madd(v2, x2b, b);
      a = madd(v3, x3a, a);
      b = madd(v3, x3b, b);
      v128.store(p, a);
      v128.store(p, b, 16);
      p += step;
    }
  }
  for (; d < dh; d += 4) {
    const xo = x + (<usize>d << 2);
    const x0 = v128.load(xo), x1 = v128.load(xo + xs), x2 = v128.load(xo + 2 * xs), x3 = v128.load(xo + 3 * xs);
    let p = r + (<usize>d << 2);
    for (let j = 0; j < cnt; j++) {
      const o = <usize>j << 2;
      let a = v128.load(p);
      a = madd(v128.load32_splat(c + o), x0, a);
      a = madd(v128.load32_splat(c1 + o), x1, a);
      a = madd(v128.load32_splat(c2 + o), x2, a);
      a = madd(v128.load32_splat(c3 + o), x3, a);
      v128.store(p, a);
      p += step;
    }
  }
}

/**
 * In place, s[0:seen] = softmax(s[0:seen]); s[seen:Tp] = 0; the same T values also to dst (the probs row: its
 * copy rides on the normalizing pass). The sum runs in f64, as the reference.
 */
function softmaxRow(s: usize, seen: i32, Tp: i32, dst: usize, T: i32): void {
  let mv = f32x4.splat(-Infinity);
  let j = 0;
  // pmax (one instruction; f32x4.max takes several) skips NaN scores, but a NaN still makes the whole row NaN
  // through its exp and the sum, as max would.
  for (; j + 4 <= seen; j += 4) mv = f32x4.pmax(mv, v128.load(s + (<usize>j << 2)));
  let mx = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  for (; j < seen; j++) mx = max(mx, load<f32>(s + (<usize>j << 2)));
  const vm = f32x4.splat(mx);
  let z0 = f64x2.splat(0), z1 = f64x2.splat(0);
  j = 0;
  for (; j + 4 <= seen; j += 4) {
    const e = expNonPositive4(f32x4.sub(v128.load(s + (<usize>j << 2)), vm));
    v128.store(s + (<usize>j << 2), e);
    z0 = f64x2.add(z0, f64x2.promote_low_f32x4(e));
    z1 = f64x2.add(z1, f64x2.promote_low_f32x4(f32x4.shuffle(e, e, 2, 3, 2, 3)));
  }
  const zv = f64x2.add(z0, z1);
  let z = f64x2.extract_lane(zv, 0) + f64x2.extract_lane(zv, 1);
  for (; j < seen; j++) {
    const e = f32x4.extract_lane(expNonPositive4(f32x4.splat(load<f32>(s + (<usize>j << 2)) - mx)), 0);
    store<f32>(s + (<usize>j << 2), e);
    z += <f64>e;
  }
  const inv = <f32>(1 / z);
  const vi = f32x4.splat(inv);
  j = 0;
  for (; j + 4 <= seen; j += 4) {
    const v = f32x4.mul(v128.load(s + (<usize>j << 2)), vi);
    v128.store(s + (<usize>j << 2), v);
    v128.store(dst + (<usize>j << 2), v);
  }
  for (; j < seen; j++) {
    const v = load<f32>(s + (<usize>j << 2)) * inv;
    store<f32>(s + (<usize>j << 2), v);
    store<f32>(dst + (<usize>j << 2), v);
  }
  for (; j < Tp; j++) store<f32>(s + (<usize>j << 2), 0);
  for (j = seen; j < T; j++) store<f32>(dst + (<usize>j << 2), 0);
}

/** dst[0:n] = src[0:n]. */
// @ts-ignore: decorator
@inline function copyRow(src: usize, dst: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
}

/** In place, dp[j] = scale P[j] (dp[j] - sum_k P[k] dp[k]) for j < seen: dP to dS (the sum in f64). */
function scoreGradRow(prow: usize, srow: usize, seen: i32, scale: f32): void {
  let r0 = f64x2.splat(0), r1 = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= seen; j += 4) {
    const pd = f32x4.mul(v128.load(prow + (<usize>j << 2)), v128.load(srow + (<usize>j << 2)));
    r0 = f64x2.add(r0, f64x2.promote_low_f32x4(pd));
    r1 = f64x2.add(r1, f64x2.promote_low_f32x4(f32x4.shuffle(pd, pd, 2, 3, 2, 3)));
  }
  const rv = f64x2.add(r0, r1);
  let rs = f64x2.extract_lane(rv, 0) + f64x2.extract_lane(rv, 1);
  for (; j < seen; j++) rs += <f64>(load<f32>(prow + (<usize>j << 2)) * load<f32>(srow + (<usize>j << 2)));
  const vr = f32x4.splat(<f32>rs), vs = f32x4.splat(scale);
  j = 0;
  for (; j + 4 <= seen; j += 4) {
    const at = srow + (<usize>j << 2);
    v128.store(at, f32x4.mul(f32x4.mul(v128.load(prow + (<usize>j << 2)), f32x4.sub(v128.load(at), vr)), vs));
  }
  for (; j < seen; j++) {
    const at = srow + (<usize>j << 2);
    store<f32>(at, load<f32>(prow + (<usize>j << 2)) * (load<f32>(at) - <f32>rs) * scale);
  }
}

function forwardPair(qkv: usize, T: i32, H: i32, dh: i32, causal: i32, scale: f32, probs: usize, out: usize, pair: i32, scratch: usize): void {
  const e = pair / H, h = pair % H;
  const D = H * dh, D3 = 3 * D, Tp = roundUp4(T);
  const q0 = qkv + ((<usize>e * <usize>T * <usize>D3 + <usize>(h * dh)) << 2);
  const k0 = q0 + (<usize>D << 2), v0 = q0 + (<usize>(2 * D) << 2);
  const kt = scratch;
  const srow = scratch + (<usize>(dh * Tp) << 2);
  // The scale is folded into the packed keys.
  packTransposed(k0, D3, T, dh, scale, kt, Tp);
  const p0 = probs + (<usize>pair * <usize>T * <usize>T << 2);
  const o0 = out + ((<usize>e * <usize>T * <usize>D + <usize>(h * dh)) << 2);
  let i = 0;
  if (causal == 0 && (dh & 3) == 0) {
    for (; i + ROWS <= T; i += ROWS) {
      rows4TimesPacked(q0 + (<usize>(i * D3) << 2), D3, dh, kt, Tp, Tp, srow);
      for (let r = 0; r < ROWS; r++) {
        const sr = srow + (<usize>(r * Tp) << 2);
        softmaxRow(sr, T, Tp, p0 + (<usize>(i + r) * <usize>T << 2), T);
      }
      coefs4TimesRows(srow, Tp, T, v0, D3, dh, o0 + (<usize>(i * D) << 2), D);
    }
  }
  for (; i < T; i++) {
    // Keys past `seen` are masked: a query reads its own position and the ones before.
    const seen = causal != 0 ? i + 1 : T;
    rowTimesPacked(q0 + (<usize>(i * D3) << 2), dh, kt, Tp, roundUp4(seen), srow);
    softmaxRow(srow, seen, Tp, p0 + (<usize>i * <usize>T << 2), T);
    coefsTimesRows(srow, seen, v0, D3, dh, o0 + (<usize>(i * D) << 2));
  }
}

function backwardPair(qkv: usize, probs: usize, dOut: usize, T: i32, H: i32, dh: i32, causal: i32, scale: f32, dQkv: usize, pair: i32, scratch: usize): void {
  const e = pair / H, h = pair % H;
  const D = H * dh, D3 = 3 * D, Tp = roundUp4(T);
  const base = (<usize>e * <usize>T * <usize>D3 + <usize>(h * dh)) << 2;
  const q0 = qkv + base, k0 = q0 + (<usize>D << 2), v0 = q0 + (<usize>(2 * D) << 2);
  const dq0 = dQkv + base, dk0 = dq0 + (<usize>D << 2), dv0 = dq0 + (<usize>(2 * D) << 2);
  const vt = scratch;
  const prow = scratch + (<usize>(dh * Tp) << 2);
  const srow = prow + (<usize>Tp << 2);
  packTransposed(v0, D3, T, dh, 1, vt, Tp);
  // dK and dV are sums over the queries: start them at 0.
  for (let j = 0; j < T; j++) {
    const at = <usize>(j * D3) << 2;
    let d = 0;
    for (; d + 4 <= dh; d += 4) {
      v128.store(dk0 + at + (<usize>d << 2), f32x4.splat(0));
      v128.store(dv0 + at + (<usize>d << 2), f32x4.splat(0));
    }
    for (; d < dh; d++) {
      store<f32>(dk0 + at + (<usize>d << 2), 0);
      store<f32>(dv0 + at + (<usize>d << 2), 0);
    }
  }
  const p0 = probs + (<usize>pair * <usize>T * <usize>T << 2);
  const g0 = dOut + ((<usize>e * <usize>T * <usize>D + <usize>(h * dh)) << 2);
  let i = 0;
  if (causal == 0 && (dh & 3) == 0) {
    // Four dS rows, then four P rows, after the packed values.
    const srows = prow, prows = prow + (<usize>(ROWS * Tp) << 2);
    for (; i + ROWS <= T; i += ROWS) {
      const g = g0 + (<usize>(i * D) << 2);
      rows4TimesPacked(g, D, dh, vt, Tp, Tp, srows);
      for (let r = 0; r < ROWS; r++) {
        const pr = prows + (<usize>(r * Tp) << 2);
        copyRow(p0 + (<usize>(i + r) * <usize>T << 2), pr, T);
        scoreGradRow(pr, srows + (<usize>(r * Tp) << 2), T, scale);
      }
      const qi = q0 + (<usize>(i * D3) << 2);
      coefs4TimesRows(srows, Tp, T, k0, D3, dh, dq0 + (<usize>(i * D3) << 2), D3);
      addCoefs4TimesRows(srows, Tp, T, qi, D3, dh, dk0, D3);
      addCoefs4TimesRows(prows, Tp, T, g, D, dh, dv0, D3);
    }
  }
  for (; i < T; i++) {
    const seen = causal != 0 ? i + 1 : T;
    const g = g0 + (<usize>(i * D) << 2);
    // dP = dO_i V^T, then dS = P (dP - sum_j P dP), scaled; masked keys (P = 0) are skipped.
    rowTimesPacked(g, dh, vt, Tp, roundUp4(seen), srow);
    copyRow(p0 + (<usize>i * <usize>T << 2), prow, seen);
    scoreGradRow(prow, srow, seen, scale);
    const qi = q0 + (<usize>(i * D3) << 2);
    coefsTimesRows(srow, seen, k0, D3, dh, dq0 + (<usize>(i * D3) << 2)); // dQ_i = scale sum_j dS_ij K_j
    addCoefsTimesRow(srow, seen, qi, dh, dk0, D3); // dK_j += scale dS_ij Q_i
    addCoefsTimesRow(prow, seen, g, dh, dv0, D3); // dV_j += P_ij dO_i
  }
}

/** attentionForward on the pairs [first, last) (pair = example * heads + head). */
export function attentionForwardPairs(qkv: usize, n: i32, T: i32, H: i32, dh: i32, causal: i32, scale: f64, probs: usize, out: usize, first: i32, last: i32, scratch: usize): void {
  for (let pair = first; pair < last; pair++) forwardPair(qkv, T, H, dh, causal, <f32>scale, probs, out, pair, scratch);
}

/** attentionBackward on the pairs [first, last). */
export function attentionBackwardPairs(qkv: usize, probs: usize, dOut: usize, n: i32, T: i32, H: i32, dh: i32, causal: i32, scale: f64, dQkv: usize, first: i32, last: i32, scratch: usize): void {
  for (let pair = first; pair < last; pair++) backwardPair(qkv, probs, dOut, T, H, dh, causal, <f32>scale, dQkv, pair, scratch);
}

/** The pairs of chunk `c` of `chunks`. */
// @ts-ignore: decorator
@inline function chunkStart(c: i32, chunks: i32, pairs: i32): i32 {
  return <i32>((<i64>c * <i64>pairs) / <i64>chunks);
}

/** attentionForward in chunks of pairs taken from an atomic counter (the threads' share of a job). */
export function attentionForwardChunks(qkv: usize, n: i32, T: i32, H: i32, dh: i32, causal: i32, scale: f64, probs: usize, out: usize, chunks: i32, counter: usize, scratch: usize): void {
  const pairs = n * H;
  for (;;) {
    const c = atomic.add<i32>(counter, 1);
    if (c >= chunks) return;
    attentionForwardPairs(qkv, n, T, H, dh, causal, scale, probs, out, chunkStart(c, chunks, pairs), chunkStart(c + 1, chunks, pairs), scratch);
  }
}

/** attentionBackward in chunks of pairs taken from an atomic counter. */
export function attentionBackwardChunks(qkv: usize, probs: usize, dOut: usize, n: i32, T: i32, H: i32, dh: i32, causal: i32, scale: f64, dQkv: usize, chunks: i32, counter: usize, scratch: usize): void {
  const pairs = n * H;
  for (;;) {
    const c = atomic.add<i32>(counter, 1);
    if (c >= chunks) return;
    attentionBackwardPairs(qkv, probs, dOut, n, T, H, dh, causal, scale, dQkv, chunkStart(c, chunks, pairs), chunkStart(c + 1, chunks, pairs), scratch);
  }
}
