// Vector exp, expm1, tanh and sigmoid on f32x4, accurate to a few ulp (relative error < 1e-6).
// exp(x) = 2^n (1 + q(r)) with n = round(x / ln 2), r = x - n ln 2 (Cody-Waite, |r| <= ln2 / 2) and
// q(r) = expm1(r) by its Taylor series to r^7 (truncation < 2e-8 relative). Keeping expm1(r) separate gives
// expm1(x) with full relative accuracy near 0, which ELU and tanh need.

import { madd } from './simd';

// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504;
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693359375; // few significant bits: n * LN2_HI is exact
// @ts-ignore: decorator
@inline const LN2_LO: f32 = -2.12194440e-4;

// @ts-ignore: decorator
@inline export function reduce(x: v128, n: v128): v128 {
  return f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
}

/** expm1(r) for |r| <= ln2 / 2. */
// @ts-ignore: decorator
@inline export function expm1Small(r: v128): v128 {
  let p = f32x4.splat(1.0 / 5040.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  return f32x4.add(r, f32x4.mul(f32x4.mul(p, r), r));
}

// @ts-ignore: decorator
@inline const ROUND_MAGIC: f32 = 12582912.0; // 1.5 * 2^23: adding it rounds |v| < 2^22 to an integer, ties to even

/** nearest(v) for |v| < 2^22 (as f32x4.nearest; NaN stays NaN): one add and one subtract. */
// @ts-ignore: decorator
@inline export function roundMagic(v: v128): v128 {
  return f32x4.add(v, f32x4.splat(ROUND_MAGIC));
}

/** The rounded value from roundMagic's sum. */
// @ts-ignore: decorator
@inline export function magicToFloat(k: v128): v128 {
  return f32x4.sub(k, f32x4.splat(ROUND_MAGIC));
}

/** The rounded value from roundMagic's sum as integer lanes (in place of trunc_sat, a long sequence on x64). */
// @ts-ignore: decorator
@inline export function magicToInt(k: v128): v128 {
  return i32x4.sub(k, i32x4.splat(0x4b400000));
}

/** expm1Small with fused multiply-adds where the module has them (madd): fewer instructions, different last bits. */
// @ts-ignore: decorator
@inline export function expm1SmallMadd(r: v128): v128 {
  let p = f32x4.splat(1.0 / 5040.0);
  p = madd(p, r, f32x4.splat(1.0 / 720.0));
  p = madd(p, r, f32x4.splat(1.0 / 120.0));
  p = madd(p, r, f32x4.splat(1.0 / 24.0));
  p = madd(p, r, f32x4.splat(1.0 / 6.0));
  p = madd(p, r, f32x4.splat(0.5));
  return madd(f32x4.mul(p, r), r, r);
}

/** 2^n for integer lanes n in [-126, 127]. */
// @ts-ignore: decorator
@inline export function pow2(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}

/** exp(x); overflows to +Inf above ~88.72, underflows through the subnormals to 0; NaN stays NaN. */
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  // min/max propagate NaN, so a NaN lane stays NaN through the reduction.
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(88.8)), f32x4.splat(-104.0)); // pmin/pmax: one instruction each, NaN kept (x first)
  const k = roundMagic(f32x4.mul(x, f32x4.splat(LOG2E)));
  const q = expm1Small(reduce(x, magicToFloat(k)));
  const ni = magicToInt(k);
  // Two scale factors so that n in [-150, 128] (overflow and subnormal results) stays representable.
  const n1 = i32x4.shr_s(ni, 1);
  return f32x4.mul(f32x4.mul(f32x4.add(q, f32x4.splat(1)), pow2(n1)), pow2(i32x4.sub(ni, n1)));
}

/** expm1(x) for x <= 88 (larger lanes are finite garbage: callers select them away); x < -30 gives -1. */
// @ts-ignore: decorator
@inline export function expm1_4(x: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(88.0)), f32x4.splat(-30.0));
  const k = roundMagic(f32x4.mul(x, f32x4.splat(LOG2E)));
  const q = expm1Small(reduce(x, magicToFloat(k)));
  const s = pow2(magicToInt(k));
  // 2^n (1 + q) - 1 = 2^n q + (2^n - 1); exact when n = 0, and no cancellation otherwise (|result| > 0.29).
  return f32x4.add(f32x4.mul(s, q), f32x4.sub(s, f32x4.splat(1)));
}

/** sigmoid(x) = 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below, as the reference. */
// @ts-ignore: decorator
@inline export function sigmoid4(x: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
  return v128.bitselect(t, f32x4.mul(e, t), f32x4.ge(x, f32x4.splat(0)));
}

/** tanh: an odd polynomial below |x| = 0.625 (Cephes tanhf), 1 - 2 / (e^{2|x|} + 1) with the sign above. */
// @ts-ignore: decorator
@inline export function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(x, f32x4.mul(f32x4.mul(x, z), p));
  const e = exp4(f32x4.add(ax, ax));
  let large = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  large = v128.or(large, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, large, f32x4.lt(ax, f32x4.splat(0.625)));
}
