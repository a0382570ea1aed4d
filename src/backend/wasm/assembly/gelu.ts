// The exact GELU, x Phi(x), and its derivative Phi(x) + x phi(x), on f32x4.
// Phi(x) = erfc(-x / sqrt 2) / 2 with erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z / 2), z = |x| / sqrt 2: the
// Chebyshev fit of Numerical Recipes (erfcc; relative error < 1.2e-7 for every z >= 0, the tails included).
// One exp per value: exp(-z^2 + P(t)) is exp(a + c) with a = -h^2 / 2 for h, x's 12-bit head (h^2 is exact in f32),
// and c = P(t) - (h l + l^2 / 2) for the tail l = x - h, small. The reduction by n ln 2 subtracts from a before
// adding c, so a's magnitude (up to ~100 in the tails) never rounds the argument: relative accuracy holds there.
// The derivative takes Phi(x) = y / x from the forward's output y, so it needs only phi(x): again one exp.

import { expm1SmallMadd, magicToFloat, magicToInt, pow2, roundMagic } from './expf';
import { madd } from './simd';

// @ts-ignore: decorator
@inline const CLAMP: f32 = 13.0; // |x Phi(x)| < 1e-37 below -13 and Phi(13) = 1 in f32; exp(-13^2 / 2 + c) is normal
// @ts-ignore: decorator
@inline const INV_SQRT_2PI: f32 = 0.3989422804;
// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504;
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const LN2_LO: f32 = -2.12194440e-4;

/** exp(-x^2 / 2 + c) for lanes |x| <= CLAMP and |c| <= ~1.3 (NaN stays NaN): at least 2^-125, one scale factor. */
// @ts-ignore: decorator
@inline function gaussTimesExp4(x: v128, c: v128): v128 {
  const hi = v128.and(x, i32x4.splat(0xfffff000));
  const lo = f32x4.sub(x, hi);
  const half = f32x4.splat(0.5);
  const a = f32x4.neg(f32x4.mul(f32x4.mul(hi, hi), half));
  const cc = f32x4.sub(c, f32x4.add(f32x4.mul(hi, lo), f32x4.mul(f32x4.mul(lo, lo), half)));
  const k = roundMagic(f32x4.mul(f32x4.add(a, cc), f32x4.splat(LOG2E)));
  const n = magicToFloat(k);
  // a - n LN2_HI is exact or rounds at the ulp of a value below ~2: no ulp of |a| enters r.
  const r = f32x4.sub(f32x4.add(f32x4.sub(a, f32x4.mul(n, f32x4.splat(LN2_HI))), cc), f32x4.mul(n, f32x4.splat(LN2_LO)));
  return f32x4.mul(f32x4.add(expm1SmallMadd(r), f32x4.splat(1)), pow2(magicToInt(k)));
}

/** Phi(x) for lanes in [-CLAMP, CLAMP] (NaN stays NaN). */
// @ts-ignore: decorator
@inline function cdf4(x: v128): v128 {
  const z = f32x4.mul(f32x4.abs(x), f32x4.splat(0.7071067812));
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(z, f32x4.splat(0.5))));
  let p = f32x4.splat(0.17087277);
  p = madd(p, t, f32x4.splat(-0.82215223));
  p = madd(p, t, f32x4.splat(1.48851587));
  p = madd(p, t, f32x4.splat(-1.13520398));
  p = madd(p, t, f32x4.splat(0.27886807));
  p = madd(p, t, f32x4.splat(-0.18628806));
  p = madd(p, t, f32x4.splat(0.09678418));
  p = madd(p, t, f32x4.splat(0.37409196));
  p = madd(p, t, f32x4.splat(1.00002368));
  p = madd(p, t, f32x4.splat(-1.26551223));
  // half of erfc(z): the tail mass below -|x|
  const tail = f32x4.mul(f32x4.mul(t, f32x4.splat(0.5)), gaussTimesExp4(x, p));
  return v128.bitselect(tail, f32x4.sub(f32x4.splat(1), tail), f32x4.lt(x, f32x4.splat(0)));
}

/** x Phi(x); below -CLAMP 0 (-Infinity too, as the reference's limit), +Infinity itself. */
// @ts-ignore: decorator
@inline export function gelu4(x: v128): v128 {
  const c = f32x4.splat(CLAMP);
  const xc = f32x4.pmax(f32x4.pmin(x, c), f32x4.neg(c)); // pmin/pmax: one instruction each, NaN kept
  const y = f32x4.mul(x, cdf4(xc));
  return v128.bitselect(f32x4.splat(0), y, f32x4.lt(x, f32x4.neg(c)));
}

/** d/dx x Phi(x) = Phi(x) + x phi(x), given y = gelu4(x): Phi(x) = y / x (0.5 at 0, 0 or 1 past the clamp). */
// @ts-ignore: decorator
@inline export function geluDerivative4(x: v128, y: v128): v128 {
  const c = f32x4.splat(CLAMP);
  const xc = f32x4.pmax(f32x4.pmin(x, c), f32x4.neg(c)); // pmin/pmax: one instruction each, NaN kept
  let cdf = f32x4.div(y, x);
  cdf = v128.bitselect(f32x4.splat(0.5), cdf, f32x4.lt(f32x4.abs(x), f32x4.splat(1e-30)));
  cdf = v128.bitselect(f32x4.splat(1), cdf, f32x4.gt(x, c));
  cdf = v128.bitselect(f32x4.splat(0), cdf, f32x4.lt(x, f32x4.neg(c)));
  return f32x4.add(cdf, f32x4.mul(f32x4.mul(xc, gaussTimesExp4(xc, f32x4.splat(0))), f32x4.splat(INV_SQRT_2PI)));
}
