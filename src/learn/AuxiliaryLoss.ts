import type { GradSink } from '../nn/Layer.js';
import type { Tensor } from '../tensor/Tensor.js';

/**
 * A second objective trained with the main loss (InFeR's auxiliary heads): after the main backward pass of a
 * step, while the layers still hold that step's forward pass, it adds the gradient of its own loss to the
 * parameters' gradients through `sink` (which accumulates) and returns its loss (mean over the batch).
 */
export interface AuxiliaryLoss {
  /** Adds this objective's gradient for the batch `x` through `sink`; returns its loss (mean over the batch). */
  backward(x: Tensor, sink: GradSink): number;
}
