import type { FloatArray } from '../tensor/FloatArray.js';
import type { InitSpec } from './init.js';

/**
 * What a parameter is to the network: weights (matrices and kernels), biases, and the gain and shift of a
 * normalization layer. Weight magnitude counts `weight` only; resets treat each role by its own rule.
 */
export type ParamRole = 'weight' | 'bias' | 'gain' | 'shift';

/**
 * A trainable parameter: plain named data. Weights are [out, in] (conv: [outC, inC, kH, kW]), so the
 * incoming weights of unit i are row i. `grad` has the same shape and is written by backward.
 */
export interface Param {
  /** Unique in its model, e.g. `fc1.weight`. */
  readonly name: string;
  readonly role: ParamRole;
  shape: number[];
  data: FloatArray;
  grad: FloatArray;
  /** The distribution this parameter was drawn from; unit resets redraw from it. */
  init: InitSpec;
  /** Frozen parameters receive no gradient and no update. */
  trainable: boolean;
  /** Position in the model's parameter list; set by the model, used to index optimizer slots. */
  index: number;
}

/** Non-trainable layer state (BatchNorm running statistics): reset to `resetValue`. */
export interface StateBuffer {
  readonly name: string;
  data: FloatArray;
  readonly resetValue: number;
}

/** Rows of a parameter = its first dimension (units of the producing layer); row size = the rest. */
export function rowsOf(p: Param): number {
  return p.shape[0] ?? 1;
}

export function rowSizeOf(p: Param): number {
  return p.data.length / (p.shape[0] || 1);
}
