import type { Backend } from '../../backend/Backend.js';
import type { Rng } from '../../tensor/Rng.js';
import type { Tensor } from '../../tensor/Tensor.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import type { InitSpec } from '../init.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { makeParam } from './Linear.js';
import { checkGrad, checkInput } from './shapeError.js';

interface Buffers {
  cols: Tensor;
  dcols: Tensor;
  y: Tensor;
  dx: Tensor;
}

/**
 * Images [C, H, W] to tokens [T, D]: non-overlapping p x p patches (T = (H/p)(W/p), row-major over the patch grid),
 * each flattened and projected to D features: a p x p conv with stride p whose output is laid out token-major, as
 * ViT's patch embedding (PyTorch: conv then flatten(2).transpose(1, 2)). Weight [D, C, p, p] (row i = output feature
 * i), bias [D]; PyTorch's default conv init. im2col gives the patches as columns, so one gemm makes every token.
 */
export class PatchEmbed implements Layer {
  readonly type = 'patch-embed';
  readonly outShape: readonly number[];
  readonly weight: Param;
  readonly bias: Param;
  readonly params: Param[];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  readonly tokens: number;
  output: Tensor | null = null;
  private cache: BatchCache<Buffers>;

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
    readonly patch: number,
    readonly width: number,
    init: { weight: InitSpec; bias: InitSpec },
    private readonly backend: Backend,
    rng: Rng,
  ) {
    if (inShape.length !== 3) throw new Error(`${name} (patch-embed): input must be [C, H, W] per example, got [${inShape.join(', ')}]`);
    const [c, h, w] = inShape as [number, number, number];
    if (!(Number.isInteger(patch) && patch >= 1 && h % patch === 0 && w % patch === 0)) {
      throw new Error(`${name} (patch-embed): patch = ${patch} is not allowed; it must be a positive integer dividing the image size ${h}x${w}`);
    }
    this.tokens = (h / patch) * (w / patch);
    this.outShape = [this.tokens, width];
    this.weight = makeParam(backend, `${name}.weight`, 'weight', [width, c, patch, patch], init.weight, rng.split('weight'));
    this.bias = makeParam(backend, `${name}.bias`, 'bias', [width], init.bias, rng.split('bias'));
    this.params = [this.weight, this.bias];
    this.cache = batchBuffers(backend, { cols: [c * patch * patch, this.tokens], dcols: [c * patch * patch, this.tokens], y: this.outShape, dx: inShape });
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const c = this.inShape[0]!, h = this.inShape[1]!, w = this.inShape[2]!;
    const p = this.patch, k = c * p * p, rows = n * this.tokens;
    const b = this.backend;
    const buf = this.cache.get(n);
    // cols [C p p, N T]: column (image, token) is that patch.
    b.im2col(x.data, n, c, h, w, p, p, p, 0, buf.cols.data);
    b.gemm(true, true, rows, this.width, k, 1, buf.cols.data, this.weight.data, 0, buf.y.data);
    b.addRowVector(buf.y.data, rows, this.width, this.bias.data);
    this.output = buf.y;
    return buf.y;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    const n = dy.shape[0]!;
    const c = this.inShape[0]!, h = this.inShape[1]!, w = this.inShape[2]!;
    const p = this.patch, k = c * p * p, rows = n * this.tokens, d = this.width;
    const b = this.backend;
    const buf = this.cache.get(n);
    // dcols [C p p, N T] = W^T dy^T, folded back onto the image; first, as the weight may be updated in place below.
    if (needInputGrad) {
      b.gemm(true, true, k, rows, d, 1, this.weight.data, dy.data, 0, buf.dcols.data);
      b.col2im(buf.dcols.data, n, c, h, w, p, p, p, 0, buf.dx.data);
    }
    const tw = sink.target(this.weight);
    // dW [D, C p p] = dy^T cols^T
    if (tw) b.gemm(true, true, d, k, rows, tw.alpha, dy.data, buf.cols.data, tw.beta, tw.buf);
    const tb = sink.target(this.bias);
    if (tb) b.sumRows(dy.data, rows, d, tb.alpha, tb.beta, tb.buf);
    if (!needInputGrad) return null;
    return buf.dx;
  }
}
