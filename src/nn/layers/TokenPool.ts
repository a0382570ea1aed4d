import type { Backend } from '../../backend/Backend.js';
import type { Tensor } from '../../tensor/Tensor.js';
import { SliceViews } from '../../tensor/SliceViews.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { checkGrad, checkInput } from './shapeError.js';

/** Which token summarizes a sequence: the first (ViT's class token), the last (a causal model's), or the mean. */
export type TokenPoolMode = 'cls' | 'last' | 'mean';

/** [T, D] -> [D]: token 0 ('cls'), token T - 1 ('last'), or the mean over tokens ('mean'). */
export class TokenPool implements Layer {
  readonly type = 'token-pool';
  readonly outShape: readonly number[];
  readonly params: Param[] = [];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  output: Tensor | null = null;
  private cache: BatchCache<{ y: Tensor; dx: Tensor }>;
  // Per-example views of the input, output and their gradients, kept across steps (the buffers are reused).
  private readonly xViews = new SliceViews();
  private readonly yViews = new SliceViews();
  private readonly dxViews = new SliceViews();
  private readonly dyViews = new SliceViews();

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
    readonly mode: TokenPoolMode,
    private readonly backend: Backend,
  ) {
    if (inShape.length !== 2) throw new Error(`${name} (token-pool): input must be [tokens, features] per example, got [${inShape.join(', ')}]`);
    if (mode !== 'cls' && mode !== 'last' && mode !== 'mean') throw new Error(`${name} (token-pool): mode '${mode as string}' is not allowed; use cls, last or mean`);
    this.outShape = [inShape[1]!];
    this.cache = batchBuffers(backend, { y: this.outShape, dx: inShape });
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const t = this.inShape[0]!, d = this.inShape[1]!;
    const { y } = this.cache.get(n);
    const b = this.backend;
    const mean = this.mode === 'mean';
    const at = this.mode === 'last' ? (t - 1) * d : 0;
    // Each example's [T, D] block (mean), or its pooled token's row.
    const xs = this.xViews.of(x.data, n, t * d, mean ? 0 : at, mean ? t * d : d);
    const ys = this.yViews.of(y.data, n, d, 0, d);
    for (let e = 0; e < n; e++) {
      if (mean) b.sumRows(xs[e]!, t, d, 1 / t, 0, ys[e]!);
      else b.copy(xs[e]!, ys[e]!);
    }
    this.output = y;
    return y;
  }

  backward(dy: Tensor, _sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    if (!needInputGrad) return null;
    const n = dy.shape[0]!;
    const t = this.inShape[0]!, d = this.inShape[1]!;
    const { dx } = this.cache.get(n);
    const b = this.backend;
    b.fill(dx.data, 0);
    const mean = this.mode === 'mean';
    const at = this.mode === 'last' ? (t - 1) * d : 0;
    const des = this.dxViews.of(dx.data, n, t * d, mean ? 0 : at, mean ? t * d : d);
    const ges = this.dyViews.of(dy.data, n, d, 0, d);
    for (let e = 0; e < n; e++) {
      if (mean) b.addRowVector(des[e]!, t, d, ges[e]!);
      else b.copy(ges[e]!, des[e]!);
    }
    if (this.mode === 'mean') b.scale(dx.data, 1 / t);
    return dx;
  }
}
