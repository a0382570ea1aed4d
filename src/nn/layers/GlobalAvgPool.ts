import type { Backend } from '../../backend/Backend.js';
import type { Tensor } from '../../tensor/Tensor.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { checkGrad, checkInput } from './shapeError.js';

/** [N, C, H, W] -> [N, C]: the mean of each channel's plane. */
export class GlobalAvgPool implements Layer {
  readonly type = 'global-avg-pool';
  readonly outShape: readonly number[];
  readonly params: Param[] = [];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  output: Tensor | null = null;
  private cache: BatchCache<{ y: Tensor; dx: Tensor }>;

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
    private readonly backend: Backend,
  ) {
    if (inShape.length !== 3) throw new Error(`${name} (global-avg-pool): input must be [C, H, W] per example, got [${inShape.join(', ')}]`);
    this.outShape = [inShape[0]!];
    this.cache = batchBuffers(backend, { y: this.outShape, dx: inShape });
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const c = this.inShape[0]!, h = this.inShape[1]!, w = this.inShape[2]!;
    const buf = this.cache.get(n);
    this.backend.globalAvgPool(x.data, n, c, h * w, buf.y.data);
    this.output = buf.y;
    return buf.y;
  }

  backward(dy: Tensor, _sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    if (!needInputGrad) return null;
    const n = dy.shape[0]!;
    const c = this.inShape[0]!, h = this.inShape[1]!, w = this.inShape[2]!;
    const buf = this.cache.get(n);
    this.backend.globalAvgPoolBackward(dy.data, n, c, h * w, buf.dx.data);
    return buf.dx;
  }
}
