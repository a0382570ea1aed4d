import type { FloatArray } from '../tensor/FloatArray.js';
import { Activation, type Backend } from './Backend.js';
import { rowAbsSum } from './ts/rowAbsSum.js';

/**
 * Backend.denseReluStep from the per-layer kernels (linearForward, activation, softmaxCrossEntropy,
 * linearBackward, activationBackward), in the order the layer-by-layer training step calls them: the definition
 * of the fused step and the reference's implementation. Arguments are checked by the caller. With `changes`, each
 * layer's summed |delta w| from a copy of its weights taken before its update. With `deferred`
 * (Backend.denseReluStepDeferred), a held first-layer update is applied first when `apply` is set (by
 * linearBackward), and the first layer's backward updates only its bias: its weights' update is left in `pending`
 * (the input, then the first layer's output gradient). With `rowAbsSums`, the sum of |w| of each first-layer row the
 * update writes (a nonzero output gradient, or a weight beta other than 1), as the ts backends' rowSumsAbs takes it.
 */
export function denseReluStepByParts(b: Backend, sizes: readonly number[], x: FloatArray, label: FloatArray, weights: readonly FloatArray[], biases: readonly (FloatArray | null)[], pre: readonly FloatArray[], post: readonly FloatArray[], coefs: Float64Array, dlogits: FloatArray, scratch: FloatArray, changes?: Float64Array, deferred?: DeferredUpdate, rowAbsSums?: FloatArray): number {
  const layers = sizes.length - 1;
  const px = deferred ? (deferred.pending.subarray(0, sizes[0]!) as FloatArray) : null;
  const pdy = deferred ? (deferred.pending.subarray(sizes[0]!, sizes[0]! + sizes[1]!) as FloatArray) : null;
  if (deferred?.apply) b.linearBackward(1, sizes[1]!, sizes[0]!, pdy!, px!, weights[0]!, null, deferred.alpha, deferred.beta, weights[0]!, 0, 0, null);
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
    if (l === 0 && deferred) {
      b.linearBackward(1, sizes[1]!, inp, dy, x, weights[0]!, null, 0, 1, null, coefs[2]!, coefs[3]!, bias);
      px!.set(x.subarray(0, inp));
      pdy!.set(dy);
      break;
    }
    // The update size (Backend.denseReluStep's `changes`): the layer's weights before and after, in float64.
    const w = weights[l]!.subarray(0, sizes[l + 1]! * inp) as FloatArray;
    const before = changes ? w.slice() : null;
    b.linearBackward(1, sizes[l + 1]!, inp, dy, h, weights[l]!, dx, coefs[4 * l]!, coefs[4 * l + 1]!, weights[l]!, coefs[4 * l + 2]!, coefs[4 * l + 3]!, bias);
    if (before) {
      let sum = 0;
      for (let i = 0; i < w.length; i++) sum += Math.abs(w[i]! - before[i]!);
      changes![l] = sum;
    }
    if (l === 0 && rowAbsSums) {
      const inp0 = sizes[0]!, beta = coefs[1]!;
      for (let r = 0; r < sizes[1]!; r++) {
        if (dy[r] !== 0 || beta !== 1) rowAbsSums[r] = rowAbsSum(w, r * inp0, inp0);
      }
    }
    if (dx) {
      b.activationBackward(Activation.relu, pre[l - 1]!.subarray(0, inp) as FloatArray, h, dx, dx, 0);
      dy = dx;
    }
  }
  return loss;
}

/** A held first-layer update (Backend.denseReluStepDeferred's pending, pendingAlpha, pendingBeta, apply). */
export interface DeferredUpdate {
  readonly pending: FloatArray;
  readonly alpha: number;
  readonly beta: number;
  readonly apply: boolean;
}
