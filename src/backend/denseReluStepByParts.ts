import type { FloatArray } from '../tensor/FloatArray.js';
import { Activation, type Backend } from './Backend.js';

/**
 * Backend.denseReluStep from the per-layer kernels (linearForward, activation, softmaxCrossEntropy,
 * linearBackward, activationBackward), in the order the layer-by-layer training step calls them: the definition
 * of the fused step and the reference's implementation. Arguments are checked by the caller. With `changes`, each
 * layer's summed |delta w| from a copy of its weights taken before its update.
 */
export function denseReluStepByParts(b: Backend, sizes: readonly number[], x: FloatArray, label: FloatArray, weights: readonly FloatArray[], biases: readonly (FloatArray | null)[], pre: readonly FloatArray[], post: readonly FloatArray[], coefs: Float64Array, dlogits: FloatArray, scratch: FloatArray, changes?: Float64Array): number {
  const layers = sizes.length - 1;
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
  // The input gradients alternate between the two halves of scratch; ReLU's derivative is applied in place.
  const half = scratch.length >> 1;
  let dy = dlogits.subarray(0, classes) as FloatArray;
  for (let l = layers - 1; l >= 0; l--) {
    const inp = sizes[l]!;
    const h = l === 0 ? x : (post[l - 1]!.subarray(0, inp) as FloatArray);
    const dx = l === 0 ? null : (scratch.subarray((l & 1) * half, (l & 1) * half + inp) as FloatArray);
    const bias = biases[l] ?? null;
    // The update size (Backend.denseReluStep's `changes`): the layer's weights before and after, in float64.
    const w = weights[l]!.subarray(0, sizes[l + 1]! * inp) as FloatArray;
    const before = changes ? w.slice() : null;
    b.linearBackward(1, sizes[l + 1]!, inp, dy, h, weights[l]!, dx, coefs[4 * l]!, coefs[4 * l + 1]!, weights[l]!, coefs[4 * l + 2]!, coefs[4 * l + 3]!, bias);
    if (before) {
      let sum = 0;
      for (let i = 0; i < w.length; i++) sum += Math.abs(w[i]! - before[i]!);
      changes![l] = sum;
    }
    if (dx) {
      b.activationBackward(Activation.relu, pre[l - 1]!.subarray(0, inp) as FloatArray, h, dx, dx, 0);
      dy = dx;
    }
  }
  return loss;
}
