import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Tensor } from '../tensor/Tensor.js';

/** The loss of one batch: the sum over examples of each example's loss, and (classification) how many were right. */
export interface LossValue {
  sum: number;
  correct: number;
  count: number;
}

/**
 * A loss: writes dOut = d(mean loss over the batch)/d(output) and returns the batch's LossValue.
 * Targets: class indices (as floats) for classification, values shaped like the output for regression.
 */
export interface Loss {
  /** 'cross-entropy', 'mse', or an agent's own objective ('ppo-policy', 'ppo-value'). */
  readonly name: string;
  readonly classification: boolean;
  /**
   * Scores the batch output `out` ([N, ...]) against `target`, writes d(mean loss)/d(out) into `dOut`, and fills and
   * returns `into` (no allocation). Throws if `target` does not fit the batch.
   */
  compute(backend: Backend, out: Tensor, target: FloatArray, dOut: FloatArray, into: LossValue): LossValue;
}
