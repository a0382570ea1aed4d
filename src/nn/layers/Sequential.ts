import { Activation } from '../../backend/Backend.js';
import type { Tensor } from '../../tensor/Tensor.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { ActivationLayer } from './ActivationLayer.js';
import { Conv2d } from './Conv2d.js';
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
   * on a quarter of them, its output computed only if read); a convolution before them hands the pooling its
   * product in the gemm's layout (Conv2d.forwardThroughPool: no transposed copy forward or backward). False:
   * every layer on its own (tests compare).
   */
  fuseReluPool = true;

  private layers: Layer[];
  /** How layer i ran in the last forward (see Fused). */
  private readonly fused: Fused[] = [];

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
      const after = cs[i + 2];
      if (this.fuseReluPool && l instanceof Conv2d && isRelu(next) && after instanceof MaxPool2d && l.canFeedPool(after)) {
        h = l.forwardThroughPool(h, next, after);
        fused[i] = Fused.throughPool;
        fused[i + 1] = Fused.within;
        fused[i + 2] = Fused.within;
        i += 2;
        continue;
      }
      if (this.fuseReluPool && next instanceof MaxPool2d && isRelu(l)) {
        l.deferOutput(h);
        h = next.forwardRelu(h, ctx);
        fused[i] = Fused.within;
        fused[++i] = Fused.alone;
        continue;
      }
      fused[i] = Fused.alone;
      h = l.forward(h, ctx);
    }
    this.output = h;
    return h;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    let g: Tensor | null = dy;
    const cs = this.layers;
    for (let i = cs.length - 1; i >= 0; i--) {
      // A fused ReLU's input gradient came from the pooling after it; a pooling fed by a conv runs in its backward.
      const f = this.fused[i];
      if (f === Fused.within) {
        if (i === 0 && !needInputGrad) return null;
        continue;
      }
      const l = cs[i]!;
      g = f === Fused.throughPool ? (l as Conv2d).backwardThroughPool(g!, cs[i + 2] as MaxPool2d, sink, i > 0 || needInputGrad) : l.backward(g!, sink, i > 0 || needInputGrad);
      if (g === null) return null;
    }
    return g;
  }
}

/**
 * How a layer of a Sequential ran in its last forward: on its own; within another layer's call (a ReLU in the
 * pooling after it, a pooling in the conv before it: no backward of its own); or a conv that ran the ReLU and
 * pooling after it (Conv2d.forwardThroughPool: backwardThroughPool).
 */
const Fused = { alone: 0, within: 1, throughPool: 2 } as const;
type Fused = (typeof Fused)[keyof typeof Fused];

function isRelu(l: Layer | undefined): l is ActivationLayer {
  return l instanceof ActivationLayer && l.code === Activation.relu;
}
