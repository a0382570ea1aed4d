import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Tensor } from '../tensor/Tensor.js';
import type { Loss, LossValue } from './Loss.js';
import { ValueHead } from './valueHead.js';

/**
 * Regression as classification: the network outputs logits over a categorical head's support for each of the
 * `values` targets of a row; the loss is the cross-entropy against the head's encoding of each scalar target
 * (two-hot or HL-Gauss), averaged over rows. `lastSquaredError` holds the squared error of the decoded
 * predictions (summed), so runs can compare it with an MSE head's.
 */
export class CategoricalValueLoss implements Loss {
  readonly name: string;
  readonly classification = false;
  /** Sum over the last batch of (decoded prediction - target)^2. */
  lastSquaredError = 0;
  private probs: Float64Array;

  constructor(readonly head: ValueHead) {
    if (!head.categorical) throw new Error(`categorical value loss: head kind = '${head.kind}' is not allowed: 'two-hot' or 'hl-gauss'`);
    this.name = head.kind;
    this.probs = new Float64Array(head.width);
  }

  compute(_backend: Backend, out: Tensor, target: FloatArray, dOut: FloatArray, into: LossValue): LossValue {
    const n = out.shape[0]!, K = this.head.width;
    const values = out.data.length / (n * K);
    if (!Number.isInteger(values) || target.length < n * values) {
      throw new Error(`${this.name} loss: ${out.data.length} outputs for ${n} rows do not hold whole ${K}-atom heads for ${target.length} targets`);
    }
    let sum = 0, se = 0;
    const scale = 1 / n;
    for (let r = 0; r < n * values; r++) {
      this.head.encode(target[r]!, this.probs);
      sum += ValueHead.crossEntropy(out.data, this.probs, K, r * K, dOut, scale);
      const e = this.head.decode(out.data, r * K) - target[r]!;
      se += e * e;
    }
    this.lastSquaredError = se;
    into.sum = sum;
    into.correct = 0;
    into.count = n;
    return into;
  }
}
