/**
 * Rank measures of a spectrum of singular values. Every measure gives 0 for a spectrum
 * that is all zeros (a layer whose features are all zero has rank 0).
 */

/** exp(H(p)), p_k = sigma_k / sum sigma, 0 log 0 = 0 (Roy & Vetterli 2007). */
export function effectiveRankOf(sv: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < sv.length; i++) sum += Math.abs(sv[i]!);
  if (!(sum > 0)) return 0;
  let h = 0;
  for (let i = 0; i < sv.length; i++) {
    const p = Math.abs(sv[i]!) / sum;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

/**
 * The smallest k such that the k largest values hold at least 1 - delta of the total:
 * Kumar et al.'s srank (as Dohare et al.'s plots) when given sigma; `approxRankOf` gives it on sigma^2.
 */
export function cumulativeRankOf(values: ArrayLike<number>, delta: number): number {
  if (!(delta >= 0 && delta < 1)) throw new Error(`rank: delta = ${delta} is not allowed; 0 <= delta < 1`);
  const v = Float64Array.from(values, Math.abs).sort().reverse();
  let sum = 0, nonzero = 0;
  for (let i = 0; i < v.length; i++) {
    sum += v[i]!;
    if (v[i]! > 0) nonzero++;
  }
  if (!(sum > 0)) return 0;
  let cum = 0;
  for (let k = 0; k < nonzero; k++) {
    cum += v[k]!;
    if (cum / sum >= 1 - delta) return k + 1;
  }
  return nonzero; // rounding kept the ratio a hair below 1 (delta = 0)
}

/** min k with sum_{i<=k} sigma_i / sum sigma >= 1 - delta (`stableRank`, Kumar et al.'s srank as Dohare et al. plot it). */
export function stableRankOf(sv: ArrayLike<number>, delta: number): number {
  return cumulativeRankOf(sv, delta);
}

/** The same on sigma^2 (Yang et al. 2019's approximate rank, as Dohare et al.'s code). */
export function approxRankOf(sv: ArrayLike<number>, delta: number): number {
  return cumulativeRankOf(Float64Array.from(sv, (s) => s * s), delta);
}
