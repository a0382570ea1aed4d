import type { Tensor } from '../tensor/Tensor.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Param, StateBuffer } from './Param.js';

/** How a forward pass runs: training (batch statistics, dropout) or evaluation. */
export interface ForwardContext {
  readonly train: boolean;
}

/**
 * Where the gradient of one parameter goes: buf = alpha * gradient + beta * buf.
 * Plain backprop writes into `param.grad` (alpha 1, beta 0). SGD fused into backward writes straight into
 * `param.data` (alpha = -lr, beta = 1 - lr * decay), which saves two passes over every weight per step.
 */
export interface GradTarget {
  buf: FloatArray;
  alpha: number;
  beta: number;
}

/** Chooses the target of each parameter's gradient; null skips it (a frozen parameter). */
export interface GradSink {
  /** Where the gradient of `p` goes, or null to skip it. */
  target(p: Param): GradTarget | null;
}

/**
 * A layer with forward and backward (autodiff at layer level). Shapes are per example; the batch is the first
 * dimension of the tensors. A layer reuses its output and gradient buffers between steps of the same batch
 * size, so a steady-state step allocates nothing.
 */
export interface Layer {
  readonly type: string;
  readonly name: string;
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  readonly params: readonly Param[];
  readonly buffers: readonly StateBuffer[];
  /** Nested layers (Sequential, Residual); empty for leaves. */
  readonly children: readonly Layer[];
  /** The output of the last forward pass: the unit activations when this layer is a unit group's features. */
  readonly output: Tensor | null;
  /**
   * Computes the output for a batch `x` ([N, ...inShape]) as [N, ...outShape] and keeps what backward needs; the
   * returned tensor is this layer's buffer, overwritten by the next forward at the same batch size.
   */
  forward(x: Tensor, ctx: ForwardContext): Tensor;
  /**
   * Given dL/dy for the last forward, hand parameter gradients to `sink` and return dL/dx, or null when
   * `needInputGrad` is false (the first layer of a model skips that product).
   */
  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null;
}

/** Every layer below (and including) this one, depth first, parents before children. */
export function allLayers(root: Layer): Layer[] {
  const out: Layer[] = [];
  const visit = (l: Layer): void => {
    out.push(l);
    for (const c of l.children) visit(c);
  };
  visit(root);
  return out;
}
