import type { Tensor } from '../../tensor/Tensor.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';

/** Layers applied in order. */
export class Sequential implements Layer {
  readonly type = 'sequential';
  readonly inShape: readonly number[];
  readonly params: Param[];
  readonly buffers: StateBuffer[];
  output: Tensor | null = null;

  constructor(
    readonly name: string,
    readonly children: readonly Layer[],
    inShape: readonly number[],
  ) {
    this.inShape = inShape;
    this.params = children.flatMap((c) => c.params);
    this.buffers = children.flatMap((c) => c.buffers);
  }

  /** The last child's output shape (a growing head changes it). */
  get outShape(): readonly number[] {
    const cs = this.children;
    return cs.length ? cs[cs.length - 1]!.outShape : this.inShape;
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    let h = x;
    const cs = this.children;
    for (let i = 0; i < cs.length; i++) h = cs[i]!.forward(h, ctx);
    this.output = h;
    return h;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    let g: Tensor | null = dy;
    const cs = this.children;
    for (let i = cs.length - 1; i >= 0; i--) {
      g = cs[i]!.backward(g!, sink, i > 0 || needInputGrad);
      if (g === null) return null;
    }
    return g;
  }
}
