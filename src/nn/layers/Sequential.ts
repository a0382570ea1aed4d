import { Activation } from '../../backend/Backend.js';
import type { Tensor } from '../../tensor/Tensor.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { ActivationLayer } from './ActivationLayer.js';
import { MaxPool2d } from './MaxPool2d.js';

/** Layers applied in order. */
export class Sequential implements Layer {
  readonly type = 'sequential';
  readonly inShape: readonly number[];
  readonly params: Param[];
  readonly buffers: StateBuffer[];
  output: Tensor | null = null;
  /**
   * A ReLU followed by max pooling runs as pooling then ReLU (MaxPool2d.forwardRelu; the same values, the ReLU
   * on a quarter of them, its output computed only if read). False: every layer on its own (tests compare).
   */
  fuseReluPool = true;

  private layers: Layer[];
  /** fused[i]: the ReLU at i went into the pooling at i + 1 in the last forward. */
  private readonly fused: boolean[] = [];

  constructor(
    readonly name: string,
    children: readonly Layer[],
    inShape: readonly number[],
  ) {
    this.inShape = inShape;
    this.layers = [...children];
    this.params = children.flatMap((c) => c.params);
    this.buffers = children.flatMap((c) => c.buffers);
  }

  get children(): readonly Layer[] {
    return this.layers;
  }

  /**
   * Replace the layers from index `from` on by `layer` (plasticity injection). `params` and `buffers` are
   * updated in place (the same arrays), so whoever holds them sees the change.
   */
  replaceFrom(from: number, layer: Layer): void {
    if (!(Number.isInteger(from) && from >= 0 && from < this.layers.length)) {
      throw new Error(`${this.name} (sequential): cannot replace from layer ${from} of ${this.layers.length}`);
    }
    this.layers.splice(from, this.layers.length - from, layer);
    this.params.splice(0, this.params.length, ...this.layers.flatMap((c) => c.params));
    this.buffers.splice(0, this.buffers.length, ...this.layers.flatMap((c) => c.buffers));
  }

  /** The last child's output shape (a growing head changes it). */
  get outShape(): readonly number[] {
    const cs = this.layers;
    return cs.length ? cs[cs.length - 1]!.outShape : this.inShape;
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    let h = x;
    const cs = this.layers;
    const fused = this.fused;
    for (let i = 0; i < cs.length; i++) {
      const l = cs[i]!;
      const next = cs[i + 1];
      if (this.fuseReluPool && next instanceof MaxPool2d && l instanceof ActivationLayer && l.code === Activation.relu) {
        l.deferOutput(h);
        h = next.forwardRelu(h, ctx);
        fused[i] = true;
        fused[++i] = false;
        continue;
      }
      fused[i] = false;
      h = l.forward(h, ctx);
    }
    this.output = h;
    return h;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    let g: Tensor | null = dy;
    const cs = this.layers;
    for (let i = cs.length - 1; i >= 0; i--) {
      // A fused ReLU's input gradient came from the pooling after it.
      if (this.fused[i]) {
        if (i === 0 && !needInputGrad) return null;
        continue;
      }
      g = cs[i]!.backward(g!, sink, i > 0 || needInputGrad);
      if (g === null) return null;
    }
    return g;
  }
}
