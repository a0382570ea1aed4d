// The exact GELU, x Phi(x), and its derivative Phi(x) + x phi(x), on f32x4.
// Phi(x) = erfc(-x / sqrt 2) / 2 with erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z / 2), z = |x| / sqrt 2: the
// Chebyshev fit of Numerical Recipes (erfcc; relative error < 1.2e-7 for every z >= 0, the tails included). The
// factor exp(-z^2) = exp(-x^2 / 2) is computed from x split in a 12-bit head and a tail (the head's square is exact
// in f32), so that rounding x^2 does not cost ~x^2 ulp of relative accuracy in the tails.

import { exp4 } from './expf';

// @ts-ignore: decorator
@inline const CLAMP: f32 = 20.0; // Phi(-20) = 3e-89: 0 in f32, and 20 phi(20) too
// @ts-ignore: decorator
@inline const INV_SQRT_2PI: f32 = 0.3989422804;

/** exp(-x^2 / 2) for finite lanes. */
// @ts-ignore: decorator
@inline function gauss4(x: v128): v128 {
  const hi = v128.and(x, i32x4.splat(0xfffff000));
  const lo = f32x4.sub(x, hi);
  const half = f32x4.splat(0.5);
  const a = f32x4.neg(f32x4.mul(f32x4.mul(hi, hi), half));
  const b = f32x4.neg(f32x4.add(f32x4.mul(hi, lo), f32x4.mul(f32x4.mul(lo, lo), half)));
  return f32x4.mul(exp4(b), exp4(a));
}

/** Phi(x) for lanes in [-20, 20] (NaN stays NaN). */
// @ts-ignore: decorator
@inline function cdf4(x: v128): v128 {
  const z = f32x4.mul(f32x4.abs(x), f32x4.splat(0.7071067812));
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(z, f32x4.splat(0.5))));
  let p = f32x4.splat(0.17087277);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.82215223));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.48851587));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.13520398));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.27886807));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.18628806));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.09678418));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.37409196));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.00002368));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.26551223));
  // half of erfc(z): the tail mass below -|x|
  const tail = f32x4.mul(f32x4.mul(f32x4.mul(t, f32x4.splat(0.5)), exp4(p)), gauss4(x));
  return v128.bitselect(tail, f32x4.sub(f32x4.splat(1), tail), f32x4.lt(x, f32x4.splat(0)));
}

/** x Phi(x); -Infinity gives 0 (as the reference's limit), +Infinity itself. */
// @ts-ignore: decorator
@inline export function gelu4(x: v128): v128 {
  const c = f32x4.splat(CLAMP);
  const xc = f32x4.max(f32x4.min(x, c), f32x4.neg(c));
  const y = f32x4.mul(x, cdf4(xc));
  return v128.bitselect(f32x4.splat(0), y, f32x4.lt(x, f32x4.neg(c)));
}

/** d/dx x Phi(x) = Phi(x) + x phi(x). */
// @ts-ignore: decorator
@inline export function geluDerivative4(x: v128): v128 {
  const c = f32x4.splat(CLAMP);
  const xc = f32x4.max(f32x4.min(x, c), f32x4.neg(c));
  return f32x4.add(cdf4(xc), f32x4.mul(f32x4.mul(xc, gauss4(xc)), f32x4.splat(INV_SQRT_2PI)));
}
