import { convOut } from '../../backend/checks.js';
import type { Backend } from '../../backend/Backend.js';
import type { Rng } from '../../tensor/Rng.js';
import { Tensor } from '../../tensor/Tensor.js';
import type { FloatArray } from '../../tensor/FloatArray.js';
import { BatchCache } from '../BatchCache.js';
import { scratch } from '../scratch.js';
import type { InitSpec } from '../init.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { makeParam } from './Linear.js';
import { checkGrad, checkInput } from './shapeError.js';
import type { ActivationLayer } from './ActivationLayer.js';
import type { MaxPool2d } from './MaxPool2d.js';
import { useWinograd } from './convAlgorithm.js';

/**
 * The 16 consecutive planes of `size` values of one buffer (Winograd's transform domain) as views, remade only when the
 * buffer or the size changes (a new batch size, a grown scratch buffer). One per operand of each product site of a
 * layer, compared by identity: three views per plane made afresh were 48 typed-array objects a conv call (~180 KB of
 * garbage a ResNet-18 step).
 */
class PlaneViews {
  private source: FloatArray | null = null;
  private size = -1;
  private views: FloatArray[] = [];

  of(a: FloatArray, size: number): readonly FloatArray[] {
    if (a !== this.source || size !== this.size) {
      this.views = planesOf(a, size);
      this.source = a;
      this.size = size;
    }
    return this.views;
  }
}

/** Apart from PlaneViews.of: a closure over `of`'s parameters would allocate their context on every call, hit or not. */
function planesOf(a: FloatArray, size: number): FloatArray[] {
  return Array.from({ length: 16 }, (_, e) => a.subarray(e * size, (e + 1) * size) as FloatArray);
}

/**
 * The geometry and initialization of a {@link Conv2d}: square kernel size, stride and zero padding (in pixels), the
 * weight's distribution and the bias's (null: no bias).
 */
export interface Conv2dOptions {
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly weightInit: InitSpec;
  readonly biasInit: InitSpec | null;
}

/**
 * What a layer keeps per batch size: the columns (forward to backward), its output and its input gradient.
 * The buffers used within one call only (transposed output and gradient, column gradients: as large as the
 * columns) are scratch shared by all convolutions, which halves the memory of a conv net.
 */
interface Buffers {
  cols: FloatArray; // [C*kh*kw, n*P]; Winograd: the transformed input [16, C, n*tiles]
  y: Tensor; // [n, OC, OH, OW]
  dx: Tensor;
}

/**
 * 2-D convolution by im2col + gemm, or for 3x3 stride-1 kernels by Winograd F(2x2, 3x3) (see convAlgorithm.ts):
 * forward, input gradient and weight gradient each as 16 gemms in the transform domain. Weight [outC, inC, k, k]:
 * unit (channel) i is the block of row i of the weight seen as [outC, inC*k*k].
 */
export class Conv2d implements Layer {
  readonly type = 'conv2d';
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  readonly weight: Param;
  readonly bias: Param | null;
  readonly params: Param[];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly inChannels: number;
  readonly outChannels: number;
  private cache: BatchCache<Buffers>;
  private y: Tensor | null = null;
  /** The last forward was forwardThroughPool: y holds the output channel-major ([outC, n, P]) until read. */
  private channelMajor = false;
  private readonly oh: number;
  private readonly ow: number;
  /** Computed by Winograd (fixed when built). */
  readonly winograd: boolean;
  /** The plane views of the three operands of each product site (see {@link Conv2d.products}). */
  private readonly planeViews = Array.from({ length: 9 }, () => new PlaneViews());
  /** The transformed weight [16, outC, inC] of the last forward (Winograd only). */
  private readonly wU: FloatArray | null;

  constructor(
    readonly name: string,
    inShape: readonly number[],
    outChannels: number,
    opts: Conv2dOptions,
    private readonly backend: Backend,
    rng: Rng,
  ) {
    if (inShape.length !== 3) throw new Error(`${name} (conv2d): input must be [C, H, W] per example, got [${inShape.join(', ')}]`);
    const [c, h, w] = inShape as [number, number, number];
    const { kernel: k, stride: s, padding: p } = opts;
    if (!(k >= 1 && s >= 1 && p >= 0)) throw new Error(`${name} (conv2d): kernel ${k}, stride ${s}, padding ${p} are not allowed (kernel >= 1, stride >= 1, padding >= 0)`);
    this.oh = convOut(h, k, s, p);
    this.ow = convOut(w, k, s, p);
    if (this.oh < 1 || this.ow < 1) throw new Error(`${name} (conv2d): a ${k}x${k} kernel does not fit the ${h}x${w} input (padding ${p})`);
    this.inShape = inShape;
    this.outShape = [outChannels, this.oh, this.ow];
    this.kernel = k;
    this.stride = s;
    this.padding = p;
    this.inChannels = c;
    this.outChannels = outChannels;
    this.weight = makeParam(backend, `${name}.weight`, 'weight', [outChannels, c, k, k], opts.weightInit, rng.split('weight'));
    this.bias = opts.biasInit ? makeParam(backend, `${name}.bias`, 'bias', [outChannels], opts.biasInit, rng.split('bias')) : null;
    this.params = this.bias ? [this.weight, this.bias] : [this.weight];
    const ckk = c * k * k;
    const P = this.oh * this.ow;
    this.winograd = useWinograd(k, s, p, c, outChannels, backend.name);
    this.wU = this.winograd ? backend.alloc(16 * outChannels * c) : null;
    const colsPerImage = this.winograd ? 16 * c * this.tiles(this.oh, this.ow) : ckk * P;
    this.cache = new BatchCache(
      (n) => {
        return {
          cols: backend.alloc(colsPerImage * n),
          y: new Tensor(backend.alloc(n * outChannels * P), [n, outChannels, this.oh, this.ow]),
          dx: new Tensor(backend.alloc(n * c * h * w), [n, c, h, w]),
        };
      },
      (b) => {
        for (const a of [b.cols, b.dx.data, b.y.data]) backend.free(a);
      },
      2,
    );
  }

  /** 2x2 output tiles of an oh x ow output. */
  private tiles(oh: number, ow: number): number {
    return Math.ceil(oh / 2) * Math.ceil(ow / 2);
  }

  /**
   * c[e] = op(a[e]) b[e] for the 16 transform-domain planes: a [16, m, k] (transA: [16, k, m], plane perm[e] read
   * for plane e), b [16, k, cols], c [16, m, cols] (alpha, beta as gemm's). `site` (0 forward, 1 input gradient, 2
   * weight gradient) picks the views kept for its three buffers.
   */
  private products(site: number, transA: boolean, transB: boolean, m: number, cols: number, k: number, alpha: number, a: FloatArray, b: FloatArray, beta: number, c: FloatArray, perm: readonly number[] | null): void {
    const at = 3 * site;
    const pa = this.planeViews[at]!.of(a, m * k), pb = this.planeViews[at + 1]!.of(b, k * cols), pc = this.planeViews[at + 2]!.of(c, m * cols);
    for (let e = 0; e < 16; e++) this.backend.gemm(transA, transB, m, cols, k, alpha, pa[perm ? perm[e]! : e]!, pb[e]!, beta, pc[e]!);
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const c = this.inShape[0]!, h = this.inShape[1]!, w = this.inShape[2]!;
    const b = this.backend;
    const buf = this.cache.get(n);
    if (this.winograd) {
      const cols = n * this.tiles(this.oh, this.ow);
      b.winogradFilter(this.weight.data, this.outChannels, c, this.wU!);
      b.winogradInput(x.data, n, c, h, w, this.padding, buf.cols);
      const m = scratch(b, 'conv.wM', 16 * this.outChannels * cols);
      this.products(0, false, false, this.outChannels, cols, c, 1, this.wU!, buf.cols, 0, m, null);
      b.winogradOutput(m, n, this.outChannels, this.oh, this.ow, this.bias ? this.bias.data : null, buf.y.data);
      this.y = buf.y;
      this.channelMajor = false;
      return buf.y;
    }
    const P = this.oh * this.ow;
    const ckk = c * this.kernel * this.kernel;
    b.im2col(x.data, n, c, h, w, this.kernel, this.kernel, this.stride, this.padding, buf.cols);
    // [OC, n, P] -> [n, OC, P]; for one image the product already has the output layout.
    const yT = n === 1 ? buf.y.data : scratch(b, 'conv.yT', n * this.outChannels * P);
    b.gemm(false, false, this.outChannels, n * P, ckk, 1, this.weight.data, buf.cols, 0, yT);
    // The bias is added by the transpose's pass (same additions, one pass less over the output).
    if (n > 1 && this.bias) b.transpose01AddBias(yT, this.outChannels, n, P, this.bias.data, buf.y.data);
    else if (n > 1) b.transpose01(yT, this.outChannels, n, P, buf.y.data);
    else if (this.bias) b.addChannelBias(buf.y.data, n, this.outChannels, P, this.bias.data);
    this.y = buf.y;
    this.channelMajor = false;
    return buf.y;
  }

  /** The output of the last forward (put in [n, outC, oh, ow] order now if forwardThroughPool left it channel-major). */
  get output(): Tensor | null {
    if (this.channelMajor) {
      this.channelMajor = false;
      const y = this.y!;
      const t = scratch(this.backend, 'conv.yT', y.data.length);
      this.backend.transpose01(y.data, this.outChannels, y.shape[0]!, this.oh * this.ow, t);
      this.backend.copy(t, y.data);
    }
    return this.y;
  }

  /**
   * Whether forwardThroughPool can feed `pool` (its bias gradient needs planes of more than one value).
   * @internal
   */
  canFeedPool(pool: MaxPool2d): boolean {
    // A Winograd conv writes its output in [n, outC, oh, ow] order already: no transpose to save.
    // (Asked every step: shapes compared without building strings.)
    const a = pool.inShape, o = this.outShape;
    return !this.winograd && this.oh * this.ow > 1 && a.length === 3 && a[0] === o[0] && a[1] === o[1] && a[2] === o[2];
  }

  /**
   * This layer, the ReLU after it and the max pooling after that (Sequential, when canFeedPool): the gemm's
   * channel-major product [outC, n, P] goes to the pooling as it is, which adds the bias and pools it there
   * (MaxPool2d.forwardReluCnhw), so the transposed output is never written; backwardThroughPool likewise gets its
   * gradient channel-major. `output` (and the ReLU's, deferred) are computed when read. Returns the pooling's output.
   * @internal
   */
  forwardThroughPool(x: Tensor, relu: ActivationLayer, pool: MaxPool2d): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const c = this.inShape[0]!, h = this.inShape[1]!, w = this.inShape[2]!;
    const b = this.backend;
    const buf = this.cache.get(n);
    const P = this.oh * this.ow;
    b.im2col(x.data, n, c, h, w, this.kernel, this.kernel, this.stride, this.padding, buf.cols);
    b.gemm(false, false, this.outChannels, n * P, c * this.kernel * this.kernel, 1, this.weight.data, buf.cols, 0, buf.y.data);
    const out = pool.forwardReluCnhw(buf.y.data, n, this.bias ? this.bias.data : null);
    this.y = buf.y;
    this.channelMajor = true;
    relu.deferOutput(buf.y, this);
    return out;
  }

  /**
   * backward after forwardThroughPool, from the pooling's output gradient.
   * @internal
   */
  backwardThroughPool(dy: Tensor, pool: MaxPool2d, sink: GradSink, needInputGrad: boolean): Tensor | null {
    // The bias gradient is summed by the pooling's backward; the bias is not read below (see backward).
    const dyT = pool.backwardCnhw(dy, this.bias ? sink.target(this.bias) : null);
    return this.backwardChannelMajor(dyT, dy.shape[0]!, sink, needInputGrad);
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    const n = dy.shape[0]!;
    const b = this.backend;
    const P = this.oh * this.ow;
    // The bias gradient is summed by the transpose's pass over dy (sumChannels' order and bits). The bias is
    // not read below, so a fused optimizer may update it now.
    const tb = this.bias ? sink.target(this.bias) : null;
    if (this.winograd) return this.backwardWinograd(dy, sink, needInputGrad, this.cache.get(n), tb);
    let dyT = dy.data;
    if (n > 1) {
      dyT = scratch(b, 'conv.dyT', n * this.outChannels * P);
      if (tb) b.transpose01SumChannels(dy.data, n, this.outChannels, P, dyT, tb.alpha, tb.beta, tb.buf);
      else b.transpose01(dy.data, n, this.outChannels, P, dyT);
    } else if (tb) b.sumChannels(dy.data, n, this.outChannels, P, tb.alpha, tb.beta, tb.buf);
    return this.backwardChannelMajor(dyT, n, sink, needInputGrad);
  }

  /** The input and weight gradients from the output gradient dyT in the gemm's layout [outC, n, P]. */
  private backwardChannelMajor(dyT: FloatArray, n: number, sink: GradSink, needInputGrad: boolean): Tensor | null {
    const c = this.inShape[0]!, h = this.inShape[1]!, w = this.inShape[2]!;
    const b = this.backend;
    const buf = this.cache.get(n);
    const P = this.oh * this.ow;
    const ckk = c * this.kernel * this.kernel;
    // dx first: a fused optimizer overwrites the weight below.
    let dx: Tensor | null = null;
    if (needInputGrad) {
      const dcols = scratch(b, 'conv.dcols', ckk * n * P);
      b.gemm(true, false, ckk, n * P, this.outChannels, 1, this.weight.data, dyT, 0, dcols);
      b.col2im(dcols, n, c, h, w, this.kernel, this.kernel, this.stride, this.padding, buf.dx.data);
      dx = buf.dx;
    }
    const tw = sink.target(this.weight);
    if (tw) b.gemm(false, true, this.outChannels, ckk, n * P, tw.alpha, dyT, buf.cols, tw.beta, tw.buf);
    return dx;
  }

  /**
   * The input gradient is the convolution of dy (padding 2 - pad) with the flipped, transposed kernel: G flips to
   * G with rows 0 and 3 swapped, so its transform is plane FLIP[e] of u, transposed. The weight gradient is the
   * adjoint of the forward's transforms: du[e] = dm[e] v[e]^T, dm = the output transform's adjoint of dy.
   */
  private backwardWinograd(dy: Tensor, sink: GradSink, needInputGrad: boolean, buf: Buffers, tb: ReturnType<GradSink['target']>): Tensor | null {
    const n = dy.shape[0]!;
    const c = this.inChannels, h = this.inShape[1]!, w = this.inShape[2]!, oc = this.outChannels;
    const b = this.backend;
    if (tb) b.sumChannels(dy.data, n, oc, this.oh * this.ow, tb.alpha, tb.beta, tb.buf);
    let dx: Tensor | null = null;
    if (needInputGrad) {
      const cols = n * this.tiles(h, w);
      const dyV = scratch(b, 'conv.wdyV', 16 * oc * cols);
      b.winogradInput(dy.data, n, oc, this.oh, this.ow, 2 - this.padding, dyV);
      const dxM = scratch(b, 'conv.wdxM', 16 * c * cols);
      this.products(1, true, false, c, cols, oc, 1, this.wU!, dyV, 0, dxM, FLIP);
      b.winogradOutput(dxM, n, c, h, w, null, buf.dx.data);
      dx = buf.dx;
    }
    const tw = sink.target(this.weight);
    if (tw) {
      const cols = n * this.tiles(this.oh, this.ow);
      const dm = scratch(b, 'conv.wM', 16 * oc * cols);
      b.winogradOutputAdjoint(dy.data, n, oc, this.oh, this.ow, dm);
      const du = scratch(b, 'conv.wdU', 16 * oc * c);
      this.products(2, false, true, oc, c, cols, 1, dm, buf.cols, 0, du, null);
      b.winogradFilterAdjoint(du, oc, c, tw.alpha, tw.beta, tw.buf);
    }
    return dx;
  }
}

/** Plane e of the flipped kernel's transform: plane (3 - row or row, 3 - column or column) of the kernel's. */
const FLIP: readonly number[] = Array.from({ length: 16 }, (_, e) => {
  const swap = (i: number): number => (i === 0 ? 3 : i === 3 ? 0 : i);
  return 4 * swap(e >> 2) + swap(e & 3);
});
