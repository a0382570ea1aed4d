import type { FloatArray } from '../tensor/FloatArray.js';
import { Activation, type Backend } from './Backend.js';

/**
 * Backend.denseReluStepDeferred from the per-layer kernels: the pending first-layer update by linearBackward, then
 * denseReluStepByParts' calls, except that the first layer's backward updates only its bias and its weights'
 * update is left in `pending` (the input, then the first layer's output gradient). The definition of the deferred
 * step and the reference's implementation. Arguments are checked by the caller.
 */
export function denseReluStepDeferredByParts(b: Backend, sizes: readonly number[], x: FloatArray, label: FloatArray, weights: readonly FloatArray[], biases: readonly (FloatArray | null)[], pre: readonly FloatArray[], post: readonly FloatArray[], coefs: Float64Array, dlogits: FloatArray, scratch: FloatArray, pending: FloatArray, pendingAlpha: number, pendingBeta: number, apply: boolean): number {
  const layers = sizes.length - 1;
  const px = pending.subarray(0, sizes[0]!) as FloatArray;
  const pdy = pending.subarray(sizes[0]!, sizes[0]! + sizes[1]!) as FloatArray;
  if (apply) b.linearBackward(1, sizes[1]!, sizes[0]!, pdy, px, weights[0]!, null, pendingAlpha, pendingBeta, weights[0]!, 0, 0, null);
  let h = x;
  for (let l = 0; l < layers; l++) {
    const z = pre[l]!.subarray(0, sizes[l + 1]!) as FloatArray;
    b.linearForward(1, sizes[l + 1]!, sizes[l]!, h, weights[l]!, biases[l] ?? null, z);
    if (l < layers - 1) {
      h = post[l]!.subarray(0, sizes[l + 1]!) as FloatArray;
      b.activation(Activation.relu, z, h, 0);
    }
  }
  const classes = sizes[layers]!;
  const loss = b.softmaxCrossEntropy(pre[layers - 1]!.subarray(0, classes) as FloatArray, label, 1, classes, classes, 1, dlogits);
  const half = scratch.length >> 1;
  let dy = dlogits.subarray(0, classes) as FloatArray;
  for (let l = layers - 1; l >= 1; l--) {
    const inp = sizes[l]!;
    const h = post[l - 1]!.subarray(0, inp) as FloatArray;
    const dx = scratch.subarray((l & 1) * half, (l & 1) * half + inp) as FloatArray;
    b.linearBackward(1, sizes[l + 1]!, inp, dy, h, weights[l]!, dx, coefs[4 * l]!, coefs[4 * l + 1]!, weights[l]!, coefs[4 * l + 2]!, coefs[4 * l + 3]!, biases[l] ?? null);
    b.activationBackward(Activation.relu, pre[l - 1]!.subarray(0, inp) as FloatArray, h, dx, dx, 0);
    dy = dx;
  }
  // The first layer: its bias now, its weights' update pending.
  b.linearBackward(1, sizes[1]!, sizes[0]!, dy, x, weights[0]!, null, 0, 1, null, coefs[2]!, coefs[3]!, biases[0] ?? null);
  px.set(x.subarray(0, sizes[0]!));
  pdy.set(dy);
  return loss;
}
