import type { Backend } from '../../backend/Backend.js';
import type { FloatArray } from '../../tensor/FloatArray.js';
import type { Rng } from '../../tensor/Rng.js';
import type { Tensor } from '../../tensor/Tensor.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { checkGrad, checkInput } from './shapeError.js';

interface Buffers {
  y: Tensor;
  mask: FloatArray;
  dx: Tensor;
}

/** Inverted dropout: in training each value is kept with probability 1-p and scaled by 1/(1-p). */
export class Dropout implements Layer {
  readonly type = 'dropout';
  readonly outShape: readonly number[];
  readonly params: Param[] = [];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  output: Tensor | null = null;
  private cache: BatchCache<Buffers>;
  private masked = false;

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
    readonly p: number,
    private readonly backend: Backend,
    /** The layer's own random stream (checkpointed with the model). */
    readonly rng: Rng,
  ) {
    if (!(p >= 0 && p < 1)) throw new Error(`${name} (dropout): p = ${p} is not allowed; 0 <= p < 1`);
    this.outShape = inShape;
    this.cache = batchBuffers(backend, { y: inShape, dx: inShape }, { mask: inShape.reduce((a, b) => a * b, 1) });
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    checkInput(this, x);
    if (!ctx.train || this.p === 0) {
      this.masked = false;
      this.output = x;
      return x;
    }
    const buf = this.cache.get(x.shape[0]!);
    const keep = 1 - this.p, scale = 1 / keep, m = buf.mask;
    for (let i = 0; i < m.length; i++) m[i] = this.rng.float() < keep ? scale : 0;
    this.backend.mul(x.data, m, buf.y.data);
    this.masked = true;
    this.output = buf.y;
    return buf.y;
  }

  backward(dy: Tensor, _sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    if (!needInputGrad) return null;
    if (!this.masked) return dy;
    const buf = this.cache.get(dy.shape[0]!);
    this.backend.mul(dy.data, buf.mask, buf.dx.data);
    return buf.dx;
  }
}
