import type { Backend } from '../../backend/Backend.js';
import type { FloatArray } from '../../tensor/FloatArray.js';
import type { Rng } from '../../tensor/Rng.js';
import type { Tensor } from '../../tensor/Tensor.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { makeParam } from './Linear.js';
import { checkGrad, checkInput } from './shapeError.js';

/** Learned: a trained [T, D] table (normal, std 0.02, as ViT); sinusoidal: the fixed table of Vaswani et al. 2017. */
export type PositionKind = 'learned' | 'sinusoidal';

/**
 * y[n, t, :] = x[n, t, :] + E[t, :] for tokens [T, D]. The learned table is a parameter of role 'bias' (an additive
 * offset: weight decay that spares biases spares it, as timm's no_weight_decay list does); the sinusoidal table is
 * E[t, 2i] = sin(t / 10000^(2i/D)), E[t, 2i+1] = cos(t / 10000^(2i/D)), a constant.
 */
export class PositionEmbedding implements Layer {
  readonly type = 'position-embedding';
  readonly outShape: readonly number[];
  readonly params: Param[];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  readonly table: Param | null;
  private readonly fixed: FloatArray | null;
  output: Tensor | null = null;
  private cache: BatchCache<{ y: Tensor }>;

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
    readonly kind: PositionKind,
    private readonly backend: Backend,
    rng: Rng,
  ) {
    if (inShape.length !== 2) throw new Error(`${name} (position-embedding): input must be [tokens, features] per example, got [${inShape.join(', ')}]`);
    const [t, d] = inShape as [number, number];
    this.outShape = inShape;
    if (kind === 'learned') {
      this.table = makeParam(backend, `${name}.table`, 'bias', [t, d], { dist: 'normal', std: 0.02 }, rng.split('table'));
      this.fixed = null;
      this.params = [this.table];
    } else if (kind === 'sinusoidal') {
      this.table = null;
      this.params = [];
      const e = backend.alloc(t * d);
      for (let p = 0; p < t; p++) {
        for (let i = 0; i < d; i++) {
          const angle = p / 10000 ** ((2 * Math.floor(i / 2)) / d);
          e[p * d + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
        }
      }
      this.fixed = e;
    } else {
      throw new Error(`${name} (position-embedding): kind '${kind as string}' is not allowed; use learned or sinusoidal`);
    }
    this.cache = batchBuffers(backend, { y: inShape });
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const { y } = this.cache.get(n);
    const per = this.inShape[0]! * this.inShape[1]!;
    this.backend.copy(x.data, y.data);
    this.backend.addRowVector(y.data, n, per, this.table ? this.table.data : this.fixed!);
    this.output = y;
    return y;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    if (this.table) {
      const t = sink.target(this.table);
      if (t) this.backend.sumRows(dy.data, dy.shape[0]!, this.inShape[0]! * this.inShape[1]!, t.alpha, t.beta, t.buf);
    }
    // dL/dx = dL/dy: the gradient passes through unchanged (no layer writes into the gradient it is given).
    return needInputGrad ? dy : null;
  }
}
