import type { Backend } from '../../backend/Backend.js';
import type { FloatArray } from '../../tensor/FloatArray.js';
import type { Rng } from '../../tensor/Rng.js';
import type { Tensor } from '../../tensor/Tensor.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { makeParam } from './Linear.js';
import { checkGrad, checkInput } from './shapeError.js';

interface Buffers {
  y: Tensor;
  dx: Tensor;
}

/**
 * Batch normalization over the batch (and space, for [C, H, W] inputs) per channel / feature, with learned
 * gain and shift and running statistics for evaluation (PyTorch semantics: momentum 0.1, eps 1e-5, biased
 * variance to normalize, unbiased variance in the running estimate).
 */
export class BatchNorm implements Layer {
  readonly type = 'batchnorm';
  readonly outShape: readonly number[];
  readonly gain: Param;
  readonly shift: Param;
  readonly runningMean: StateBuffer;
  readonly runningVar: StateBuffer;
  readonly params: Param[];
  readonly buffers: StateBuffer[];
  readonly children: Layer[] = [];
  readonly channels: number;
  readonly spatial: number;
  output: Tensor | null = null;
  private input: Tensor | null = null;
  private readonly mean: FloatArray;
  private readonly invStd: FloatArray;
  private readonly dgain: FloatArray;
  private readonly dshift: FloatArray;
  private cache: BatchCache<Buffers>;
  private trained = false;

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
    readonly eps: number,
    readonly momentum: number,
    private readonly backend: Backend,
    rng: Rng,
  ) {
    this.outShape = inShape;
    this.channels = inShape[0]!;
    this.spatial = inShape.slice(1).reduce((a, b) => a * b, 1);
    const c = this.channels;
    this.gain = makeParam(backend, `${name}.gain`, 'gain', [c], { dist: 'constant', value: 1 }, rng.split('gain'));
    this.shift = makeParam(backend, `${name}.shift`, 'shift', [c], { dist: 'constant', value: 0 }, rng.split('shift'));
    this.params = [this.gain, this.shift];
    this.runningMean = { name: `${name}.runningMean`, data: backend.alloc(c), resetValue: 0 };
    this.runningVar = { name: `${name}.runningVar`, data: backend.alloc(c), resetValue: 1 };
    this.runningVar.data.fill(1);
    this.buffers = [this.runningMean, this.runningVar];
    this.mean = backend.alloc(c);
    this.invStd = backend.alloc(c);
    this.dgain = backend.alloc(c);
    this.dshift = backend.alloc(c);
    this.cache = batchBuffers(backend, { y: inShape, dx: inShape });
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const { y } = this.cache.get(n);
    const b = this.backend;
    if (ctx.train) {
      if (n * this.spatial < 2) {
        throw new Error(`${this.name} (batchnorm): training needs more than 1 value per channel (batch ${n}, spatial ${this.spatial})`);
      }
      b.batchNormTrain(x.data, n, this.channels, this.spatial, this.gain.data, this.shift.data, this.eps, this.momentum, y.data, this.mean, this.invStd, this.runningMean.data, this.runningVar.data);
    } else {
      b.batchNormEval(x.data, n, this.channels, this.spatial, this.gain.data, this.shift.data, this.runningMean.data, this.runningVar.data, this.eps, y.data);
    }
    this.trained = ctx.train;
    this.input = x;
    this.output = y;
    return y;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    if (!this.trained) throw new Error(`${this.name} (batchnorm): backward after an evaluation-mode forward is not supported`);
    const n = dy.shape[0]!;
    const b = this.backend;
    const { dx } = this.cache.get(n);
    // dx is computed before the gain changes (fused optimizers update it below).
    b.batchNormBackward(this.input!.data, dy.data, n, this.channels, this.spatial, this.gain.data, this.mean, this.invStd, dx.data, this.dgain, this.dshift);
    const tg = sink.target(this.gain);
    if (tg) b.axpby(tg.alpha, this.dgain, tg.beta, tg.buf);
    const ts = sink.target(this.shift);
    if (ts) b.axpby(ts.alpha, this.dshift, ts.beta, ts.buf);
    return needInputGrad ? dx : null;
  }
}
