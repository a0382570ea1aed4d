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
  mean: FloatArray;
  invStd: FloatArray;
}

/** Layer normalization over all features of each example, with an elementwise gain and shift (eps 1e-5). */
export class LayerNorm implements Layer {
  readonly type = 'layernorm';
  readonly outShape: readonly number[];
  readonly gain: Param;
  readonly shift: Param;
  readonly params: Param[];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  readonly features: number;
  output: Tensor | null = null;
  private input: Tensor | null = null;
  private readonly dgain: FloatArray;
  private readonly dshift: FloatArray;
  private cache: BatchCache<Buffers>;

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
    readonly eps: number,
    private readonly backend: Backend,
    rng: Rng,
  ) {
    this.outShape = inShape;
    const f = inShape.reduce((a, b) => a * b, 1);
    this.features = f;
    this.gain = makeParam(backend, `${name}.gain`, 'gain', [f], { dist: 'constant', value: 1 }, rng.split('gain'));
    this.shift = makeParam(backend, `${name}.shift`, 'shift', [f], { dist: 'constant', value: 0 }, rng.split('shift'));
    this.params = [this.gain, this.shift];
    this.dgain = backend.alloc(f);
    this.dshift = backend.alloc(f);
    this.cache = batchBuffers(backend, { y: inShape, dx: inShape }, { mean: 1, invStd: 1 });
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const buf = this.cache.get(n);
    this.backend.layerNorm(x.data, n, this.features, this.gain.data, this.shift.data, this.eps, buf.y.data, buf.mean, buf.invStd);
    this.input = x;
    this.output = buf.y;
    return buf.y;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    const n = dy.shape[0]!;
    const b = this.backend;
    const buf = this.cache.get(n);
    b.layerNormBackward(this.input!.data, dy.data, n, this.features, this.gain.data, buf.mean, buf.invStd, buf.dx.data, this.dgain, this.dshift);
    const tg = sink.target(this.gain);
    if (tg) b.axpby(tg.alpha, this.dgain, tg.beta, tg.buf);
    const ts = sink.target(this.shift);
    if (ts) b.axpby(ts.alpha, this.dshift, ts.beta, ts.buf);
    return needInputGrad ? buf.dx : null;
  }
}
