import type { Backend } from '../../backend/Backend.js';
import { type Tensor, shapeString } from '../../tensor/Tensor.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';

/** y = main(x) + shortcut(x), the shortcut being the identity when absent (a ResNet basic block's sum). */
export class Residual implements Layer {
  readonly type = 'residual';
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  readonly params: Param[];
  readonly buffers: StateBuffer[];
  readonly children: readonly Layer[];
  output: Tensor | null = null;
  private cache: BatchCache<{ y: Tensor; dx: Tensor }>;

  constructor(
    readonly name: string,
    readonly main: Layer,
    readonly shortcut: Layer | null,
    private readonly backend: Backend,
  ) {
    this.inShape = main.inShape;
    this.outShape = main.outShape;
    const other = shortcut ? shortcut.outShape : main.inShape;
    if (shapeString(other) !== shapeString(main.outShape)) {
      throw new Error(`${name} (residual): the main branch gives ${shapeString(main.outShape)} but the shortcut gives ${shapeString(other)}; they must match`);
    }
    this.children = shortcut ? [main, shortcut] : [main];
    this.params = this.children.flatMap((c) => c.params);
    this.buffers = this.children.flatMap((c) => c.buffers);
    this.cache = batchBuffers(backend, { y: main.outShape, dx: main.inShape });
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const a = this.main.forward(x, ctx);
    const s = this.shortcut ? this.shortcut.forward(x, ctx) : x;
    const { y } = this.cache.get(x.shape[0]!);
    this.backend.copy(a.data, y.data);
    this.backend.axpy(1, s.data, y.data);
    this.output = y;
    return y;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    const dMain = this.main.backward(dy, sink, needInputGrad);
    const dShort = this.shortcut ? this.shortcut.backward(dy, sink, needInputGrad) : dy;
    if (!needInputGrad) return null;
    const { dx } = this.cache.get(dy.shape[0]!);
    this.backend.copy(dMain!.data, dx.data);
    this.backend.axpy(1, dShort!.data, dx.data);
    return dx;
  }
}
