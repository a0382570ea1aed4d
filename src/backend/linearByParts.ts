import type { FloatArray } from '../tensor/FloatArray.js';
import type { Backend } from './Backend.js';

/**
 * A dense layer's forward and backward passes from gemm, addRowVector and sumRows: the definition of
 * Backend.linearForward / linearBackward, the reference's implementation, and what the fast backends do for
 * batches (where gemm is the right tool). Arguments are checked by the caller.
 */
export function linearForwardByParts(b: Backend, n: number, outFeatures: number, inFeatures: number, x: FloatArray, w: FloatArray, bias: FloatArray | null, y: FloatArray): void {
  b.gemm(false, true, n, outFeatures, inFeatures, 1, x, w, 0, y);
  if (bias) b.addRowVector(y, n, outFeatures, bias);
}

export function linearBackwardByParts(b: Backend, n: number, outFeatures: number, inFeatures: number, dy: FloatArray, x: FloatArray, w: FloatArray, dx: FloatArray | null, wAlpha: number, wBeta: number, wBuf: FloatArray | null, biasAlpha: number, biasBeta: number, biasBuf: FloatArray | null): void {
  // dx first: wBuf may be W.
  if (dx) b.gemm(false, false, n, inFeatures, outFeatures, 1, dy, w, 0, dx);
  if (wBuf) b.gemm(true, false, outFeatures, inFeatures, n, wAlpha, dy, x, wBeta, wBuf);
  if (biasBuf) b.sumRows(dy, n, outFeatures, biasAlpha, biasBeta, biasBuf);
}
