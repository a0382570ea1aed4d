import type { FloatArray } from '../tensor/FloatArray.js';
import type { Rng } from '../tensor/Rng.js';

/**
 * torch.nn.init.orthogonal_ for a [rows, cols] weight: a Gaussian matrix of the taller shape, its Q factor
 * (columns orthonormal, signs fixed so that R's diagonal is positive, as torch does), transposed back when the
 * weight is wide, times `gain`. CleanRL's layer_init uses it (gain sqrt(2) for hidden layers, 0.01 for the
 * policy head, 1 for the value head) with zero biases. Gram-Schmidt in float64 gives the same distribution as
 * torch's QR (not the same numbers: the draws are supple's).
 */
export function orthogonalInit(out: FloatArray, rows: number, cols: number, gain: number, rng: Rng): void {
  if (out.length !== rows * cols) throw new Error(`orthogonalInit: ${out.length} values for a ${rows} x ${cols} weight`);
  const tall = rows >= cols;
  const m = tall ? rows : cols, k = tall ? cols : rows;
  // q[c] is column c of the m x k matrix, as a vector of length m.
  const q: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    const v = new Float64Array(m);
    for (let i = 0; i < m; i++) v[i] = rng.normal();
    // Modified Gram-Schmidt (twice, for orthogonality to rounding error).
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        let d = 0;
        for (let i = 0; i < m; i++) d += u[i]! * v[i]!;
        for (let i = 0; i < m; i++) v[i]! -= d * u[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    if (!(norm > 1e-12)) throw new Error('orthogonalInit: a degenerate draw (linearly dependent columns)');
    for (let i = 0; i < m; i++) v[i]! /= norm;
    q.push(v);
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (tall ? q[c]![r]! : q[r]![c]!);
  }
}
