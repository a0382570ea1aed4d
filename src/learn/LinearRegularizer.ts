import type { FloatArray } from '../tensor/FloatArray.js';
import type { Param } from '../nn/Param.js';

/**
 * A regularizer whose gradient is linear in the parameters: grad += coef * (theta - anchor) for the
 * parameters it applies to (anchor 0 when absent). L2 (anchor 0) and L2-Init (anchor theta_0) are of this
 * form, which lets them fold into a fused SGD step exactly.
 */
export interface LinearRegularizer {
  readonly coef: number;
  /** By parameter index; null entries mean anchor 0. */
  readonly anchor?: ReadonlyArray<FloatArray | null>;
  /** Which parameters it regularizes (e.g. weights but not biases); absent: every trainable parameter. */
  readonly appliesTo?: (p: Param) => boolean;
}
