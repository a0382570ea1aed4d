/**
 * Phi(x), the standard normal CDF, in float64 to ~1e-15 relative over the whole range (the tails included), for
 * the exact GELU of the reference backend: Phi(x) = 1 - erfc(x / sqrt 2) / 2 for x >= 0, erfc(-x / sqrt 2) / 2 below.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = Math.abs(x) * Math.SQRT1_2;
  const tail = 0.5 * erfcNonNegative(z);
  return x >= 0 ? 1 - tail : tail;
}

/** phi(x) = exp(-x^2 / 2) / sqrt(2 pi), the standard normal density. */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/**
 * erfc(z) for z >= 0. Below 2.5: 1 - erf(z) with erf(z) = 2/sqrt(pi) e^{-z^2} sum_n 2^n z^{2n+1} / (1 3 5 ... (2n+1))
 * (positive terms: no cancellation; erfc(2.5) = 4e-4 keeps 1 - erf accurate). From 2.5: the continued fraction
 * erfc(z) = e^{-z^2} / sqrt(pi) / (z + (1/2) / (z + 1 / (z + (3/2) / (z + ...)))), 80 terms evaluated from the back.
 */
function erfcNonNegative(z: number): number {
  if (z === Infinity) return 0;
  if (z < 2.5) {
    let t = z, s = z;
    const z2 = 2 * z * z;
    for (let n = 1; n < 200; n++) {
      t *= z2 / (2 * n + 1);
      s += t;
      if (t < 1e-17 * s) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) * s;
  }
  let f = z;
  for (let k = 80; k >= 1; k--) f = z + k / 2 / f;
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
}
