// The whole online training step of a stack of dense layers with ReLU (Backend.denseReluStep, one example) in one call: the
// per-layer kernels in the order the layer-by-layer step calls them, so the results are the same bit for bit,
// without a crossing from JavaScript (and its argument checks and layer bookkeeping) for each of them.

import { activation, activationBackward } from './activations';
import { linearBackwardSingle, linearForwardSingle } from './linear';
import { linearBackwardSingleCounted } from './linearCounted';
import { linearBackwardSingleRowSums } from './linearRowSums';
import { rowSumsAbs } from './matrix';
import { softmaxCrossEntropy } from './loss';

/** Words (i32) per layer in the descriptor: out, in, then the byte offsets of w, bias (0: none), pre, post (0: last layer). */
const WORDS: usize = 8;

/**
 * One SGD step of one example. desc: `layers` records of WORDS i32 (see above); coefs: 4 f64 per layer (weight
 * alpha, beta, bias alpha, beta). scratchA and scratchB each hold the widest hidden layer's input gradient.
 * changes (0: none): `layers` f64, set to each layer's sum |w_new - w_old| (the same step, accounted as it writes).
 * rowSums (0: none): the first layer's `out` f32, set to rowSumsAbs of each row of its weights the step writes
 * (with changes: of every row). partials: DX_BLOCKS - 1 vectors of the widest hidden layer's floats (a wide layer's
 * blocks, linear.ts). Returns the loss.
 */
export function denseReluStepSingle(layers: i32, desc: usize, coefs: usize, x: usize, label: usize, dlogits: usize, scratchA: usize, scratchB: usize, changes: usize, rowSums: usize, partials: usize): f64 {
  let h = x;
  for (let l = 0; l < layers; l++) {
    const d = desc + (<usize>l * WORDS << 2);
    const out = load<i32>(d), inp = load<i32>(d, 4);
    const z = <usize>load<i32>(d, 16);
    linearForwardSingle(out, inp, h, <usize>load<i32>(d, 8), <usize>load<i32>(d, 12), z);
    if (l < layers - 1) {
      h = <usize>load<i32>(d, 20);
      activation(1, z, h, out, 0);
    }
  }
  const last = desc + (<usize>(layers - 1) * WORDS << 2);
  const classes = load<i32>(last);
  const loss = softmaxCrossEntropy(<usize>load<i32>(last, 16), label, 1, classes, classes, 1, dlogits);
  let dy = dlogits;
  for (let l = layers - 1; l >= 0; l--) {
    const d = desc + (<usize>l * WORDS << 2);
    const out = load<i32>(d), inp = load<i32>(d, 4);
    const w = <usize>load<i32>(d, 8), b = <usize>load<i32>(d, 12);
    const c = coefs + (<usize>l << 5);
    const below = desc + (<usize>(l - 1) * WORDS << 2);
    const hIn = l == 0 ? x : <usize>load<i32>(below, 20);
    const dx: usize = l == 0 ? 0 : (l & 1 ? scratchB : scratchA);
    if (changes) {
      store<f64>(changes + (<usize>l << 3), linearBackwardSingleCounted(out, inp, dy, hIn, w, dx, load<f64>(c), load<f64>(c, 8), load<f64>(c, 16), load<f64>(c, 24), b, partials));
      if (l == 0 && rowSums) rowSumsAbs(w, out, inp, rowSums);
    } else if (l == 0 && rowSums) linearBackwardSingleRowSums(out, inp, dy, hIn, w, load<f64>(c), load<f64>(c, 8), load<f64>(c, 16), load<f64>(c, 24), b, rowSums);
    else linearBackwardSingle(out, inp, dy, hIn, w, dx, load<f64>(c), load<f64>(c, 8), w, load<f64>(c, 16), load<f64>(c, 24), b, partials);
    if (l > 0) {
      activationBackward(1, <usize>load<i32>(below, 16), hIn, dx, dx, inp, 0);
      dy = dx;
    }
  }
  return loss;
}
