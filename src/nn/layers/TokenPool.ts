import type { Backend } from '../../backend/Backend.js';
import type { Tensor } from '../../tensor/Tensor.js';
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
    const [t, d] = this.inShape as [number, number];
    const { y } = this.cache.get(n);
    const b = this.backend;
    const at = this.mode === 'last' ? (t - 1) * d : 0;
    for (let e = 0; e < n; e++) {
      const xe = x.data.subarray(e * t * d, (e + 1) * t * d);
      const ye = y.data.subarray(e * d, (e + 1) * d);
      if (this.mode === 'mean') b.sumRows(xe, t, d, 1 / t, 0, ye);
      else b.copy(xe.subarray(at, at + d), ye);
    }
    this.output = y;
    return y;
  }

  backward(dy: Tensor, _sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    if (!needInputGrad) return null;
    const n = dy.shape[0]!;
    const [t, d] = this.inShape as [number, number];
    const { dx } = this.cache.get(n);
    const b = this.backend;
    b.fill(dx.data, 0);
    const at = this.mode === 'last' ? (t - 1) * d : 0;
    for (let e = 0; e < n; e++) {
      const de = dx.data.subarray(e * t * d, (e + 1) * t * d);
      const ge = dy.data.subarray(e * d, (e + 1) * d);
      if (this.mode === 'mean') b.addRowVector(de, t, d, ge);
      else b.copy(ge, de.subarray(at, at + d));
    }
    if (this.mode === 'mean') b.scale(dx.data, 1 / t);
    return dx;
  }
}
