import type { Backend } from '../../backend/Backend.js';
import type { FloatArray } from '../../tensor/FloatArray.js';
import type { Rng } from '../../tensor/Rng.js';
import type { Tensor } from '../../tensor/Tensor.js';
import { SliceViews } from '../../tensor/SliceViews.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { makeParam } from './Linear.js';
import { checkGrad, checkInput } from './shapeError.js';

/**
 * Prepends a learned token (ViT's class token) to every sequence: [T, D] -> [T + 1, D], token 0 the same trained
 * [D] vector for every example (normal, std 0.02; role 'bias', spared by weight decay that spares biases).
 */
export class ClassToken implements Layer {
  readonly type = 'class-token';
  readonly outShape: readonly number[];
  readonly params: Param[];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  readonly token: Param;
  output: Tensor | null = null;
  private readonly dsum: FloatArray;
  /** The class token's column sums (the first D of dsum). */
  private readonly dsumToken: FloatArray;
  // Per-example views of the buffers, kept across steps (the buffers are reused).
  private readonly tokenViews = new SliceViews();
  private readonly bodyViews = new SliceViews();
  private readonly xViews = new SliceViews();
  private readonly dyViews = new SliceViews();
  private readonly dxViews = new SliceViews();
  private cache: BatchCache<{ y: Tensor; dx: Tensor }>;

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
    private readonly backend: Backend,
    rng: Rng,
  ) {
    if (inShape.length !== 2) throw new Error(`${name} (class-token): input must be [tokens, features] per example, got [${inShape.join(', ')}]`);
    const [t, d] = inShape as [number, number];
    this.outShape = [t + 1, d];
    this.token = makeParam(backend, `${name}.token`, 'bias', [d], { dist: 'normal', std: 0.02 }, rng.split('token'));
    this.params = [this.token];
    this.dsum = backend.alloc((t + 1) * d);
    this.dsumToken = this.dsum.subarray(0, d) as FloatArray;
    this.cache = batchBuffers(backend, { y: this.outShape, dx: inShape });
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const { y } = this.cache.get(n);
    const d = this.inShape[1]!, inPer = this.inShape[0]! * d, outPer = inPer + d;
    const b = this.backend;
    const tokens = this.tokenViews.of(y.data, n, outPer, 0, d);
    const bodies = this.bodyViews.of(y.data, n, outPer, d, inPer);
    const xs = this.xViews.of(x.data, n, inPer, 0, inPer);
    for (let e = 0; e < n; e++) {
      b.copy(this.token.data, tokens[e]!);
      b.copy(xs[e]!, bodies[e]!);
    }
    this.output = y;
    return y;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    const n = dy.shape[0]!;
    const d = this.inShape[1]!, inPer = this.inShape[0]! * d, outPer = inPer + d;
    const b = this.backend;
    const t = sink.target(this.token);
    if (t) {
      // The column sums of every token's gradient; the class token's are the first d.
      b.sumRows(dy.data, n, outPer, 1, 0, this.dsum);
      b.axpby(t.alpha, this.dsumToken, t.beta, t.buf);
    }
    if (!needInputGrad) return null;
    const { dx } = this.cache.get(n);
    const dys = this.dyViews.of(dy.data, n, outPer, d, inPer);
    const dxs = this.dxViews.of(dx.data, n, inPer, 0, inPer);
    for (let e = 0; e < n; e++) b.copy(dys[e]!, dxs[e]!);
    return dx;
  }
}
