import type { FloatArray } from '../../tensor/FloatArray.js';

/**
 * sum |a[start + j]| for j < n, in float64 and in index order: the reference row sum (the ts backend's rowSumsAbs and
 * cbpUtility, and the ts whole step's rowAbsSums), taken in place so that a step allocates no view per row.
 */
export function rowAbsSum(a: FloatArray, start: number, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.abs(a[start + j]!);
  return s;
}
