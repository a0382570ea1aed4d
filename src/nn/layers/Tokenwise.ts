import type { Tensor } from '../../tensor/Tensor.js';
import { Reshaped } from '../../tensor/Reshaped.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { checkGrad, checkInput } from './shapeError.js';

/**
 * Layers applied to every token of a sequence on its own: [N, T, D] is seen as N*T examples of [D] (a view, no copy),
 * the chain runs on them, and its [N*T, D'] output is seen as [N, T, D']. The transformer's per-token parts (LayerNorm,
 * the MLP's dense layers and GELU) are ordinary layers inside it, so their unit groups are ordinary dense groups
 * whose examples are tokens: methods and diagnostics average a unit over every token of every example, as they
 * average a conv unit over every position.
 */
export class Tokenwise implements Layer {
  readonly type = 'tokenwise';
  readonly outShape: readonly number[];
  readonly params: Param[];
  readonly buffers: StateBuffer[];
  readonly children: readonly Layer[];
  output: Tensor | null = null;
  /** Tokens per example. */
  readonly tokens: number;
  // The [N, T, D] <-> [N T, D] views of each step, kept (the buffers are reused).
  private readonly tokensIn = new Reshaped();
  private readonly sequencesOut = new Reshaped();
  private readonly tokensGrad = new Reshaped();
  private readonly sequencesGrad = new Reshaped();

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
    layers: readonly Layer[],
  ) {
    if (inShape.length !== 2) throw new Error(`${name} (tokenwise): input must be [tokens, features] per example, got [${inShape.join(', ')}]`);
    if (layers.length === 0) throw new Error(`${name} (tokenwise): needs at least one layer`);
    this.tokens = inShape[0]!;
    const last = layers[layers.length - 1]!.outShape;
    if (last.length !== 1) throw new Error(`${name} (tokenwise): the layers must give [features] per token, got [${last.join(', ')}]`);
    this.outShape = [this.tokens, last[0]!];
    this.children = [...layers];
    this.params = layers.flatMap((c) => c.params);
    this.buffers = layers.flatMap((c) => c.buffers);
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    let h = this.tokensIn.of(x, n * this.tokens, this.inShape[1]!);
    const cs = this.children;
    for (let i = 0; i < cs.length; i++) h = cs[i]!.forward(h, ctx);
    this.output = this.sequencesOut.of(h, n, this.tokens, this.outShape[1]!);
    return this.output;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    const n = dy.shape[0]!;
    let g: Tensor | null = this.tokensGrad.of(dy, n * this.tokens, this.outShape[1]!);
    const cs = this.children;
    for (let i = cs.length - 1; i >= 0; i--) {
      g = cs[i]!.backward(g!, sink, i > 0 || needInputGrad);
      if (g === null) return null;
    }
    return this.sequencesGrad.of(g!, n, this.tokens, this.inShape[1]!);
  }
}
