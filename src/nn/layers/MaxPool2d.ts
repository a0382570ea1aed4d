import { poolOut } from '../../backend/checks.js';
import { Activation, type Backend } from '../../backend/Backend.js';
import type { Tensor } from '../../tensor/Tensor.js';
import type { FloatArray } from '../../tensor/FloatArray.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import type { ForwardContext, GradSink, GradTarget, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { checkGrad, checkInput } from './shapeError.js';

interface Buffers {
  y: Tensor;
  argmax: FloatArray;
  dx: Tensor;
  /** The output gradient through the ReLU applied after the pooling (forwardRelu). */
  dyRelu: Tensor;
}

/** Max pooling over k x k windows with step `stride` (no padding; partial windows dropped, as PyTorch). */
export class MaxPool2d implements Layer {
  readonly type = 'maxpool2d';
  readonly outShape: readonly number[];
  readonly params: Param[] = [];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  output: Tensor | null = null;
  private cache: BatchCache<Buffers>;
  /** Whether the last forward was forwardRelu. */
  private reluAfter = false;

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
    readonly kernel: number,
    readonly stride: number,
    private readonly backend: Backend,
  ) {
    if (inShape.length !== 3) throw new Error(`${name} (maxpool2d): input must be [C, H, W] per example, got [${inShape.join(', ')}]`);
    const [c, h, w] = inShape as [number, number, number];
    const oh = poolOut(h, kernel, stride);
    const ow = poolOut(w, kernel, stride);
    if (!(kernel >= 1 && stride >= 1) || oh < 1 || ow < 1) {
      throw new Error(`${name} (maxpool2d): kernel ${kernel}, stride ${stride} do not fit the ${h}x${w} input`);
    }
    this.outShape = [c, oh, ow];
    this.cache = batchBuffers(backend, { y: this.outShape, dx: inShape, dyRelu: this.outShape }, { argmax: c * oh * ow });
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const c = this.inShape[0]!, h = this.inShape[1]!, w = this.inShape[2]!;
    const buf = this.cache.get(n);
    this.backend.maxPool(x.data, n, c, h, w, this.kernel, this.stride, buf.y.data, buf.argmax);
    this.output = buf.y;
    this.reluAfter = false;
    return buf.y;
  }

  /**
   * max pooling of relu(x), computed as relu of the pooling of x (a ReLU layer before this one; see Sequential):
   * the maximum of a window commutes with ReLU exactly, and the ReLU then runs on the pooled values only. The
   * output is the same as forward(relu(x)); backward gives the gradient with respect to x (through the ReLU),
   * which is the ReLU's input gradient of the unfused pair, value for value: a window's gradient reaches its
   * maximum when that maximum is positive, else nothing (the unfused ReLU zeroes it).
   */
  forwardRelu(x: Tensor, ctx: ForwardContext): Tensor {
    const y = this.forward(x, ctx);
    this.backend.activation(Activation.relu, y.data, y.data, 0);
    this.reluAfter = true;
    return y;
  }

  /**
   * forwardRelu of a conv's output given channel-major, [c, n, h, w] as its gemm gives it, before its bias (null:
   * none), which is added to `a` in place (Conv2d.forwardThroughPool): the same output, argmax and bits, without
   * the [n, c, h, w] copy.
   */
  forwardReluCnhw(a: FloatArray, n: number, bias: FloatArray | null): Tensor {
    const c = this.inShape[0]!, h = this.inShape[1]!, w = this.inShape[2]!;
    const buf = this.cache.get(n);
    this.backend.maxPoolCnhw(a, c, n, h, w, this.kernel, this.stride, bias, buf.y.data, buf.argmax);
    this.backend.activation(Activation.relu, buf.y.data, buf.y.data, 0);
    this.output = buf.y;
    this.reluAfter = true;
    return buf.y;
  }

  /**
   * backward after forwardReluCnhw: the input gradient (through the ReLU) channel-major, [c, n, h, w] for the
   * conv's gemm, and the conv's bias gradient into `bias` (a sink's target; null: none), with the bits of backward
   * then the conv's transpose01SumChannels.
   */
  backwardCnhw(dy: Tensor, bias: GradTarget | null): FloatArray {
    checkGrad(this, dy, this.output);
    const n = dy.shape[0]!;
    const c = this.inShape[0]!, h = this.inShape[1]!, w = this.inShape[2]!;
    const buf = this.cache.get(n);
    this.backend.activationBackward(Activation.relu, buf.y.data, buf.y.data, dy.data, buf.dyRelu.data, 0);
    const oh = this.outShape[1]!, ow = this.outShape[2]!;
    this.backend.maxPoolBackwardCnhw(buf.dyRelu.data, buf.argmax, n, c, h, w, oh, ow, buf.dx.data, bias ? bias.alpha : 1, bias ? bias.beta : 0, bias ? bias.buf : null);
    return buf.dx.data;
  }

  backward(dy: Tensor, _sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    if (!needInputGrad) return null;
    const n = dy.shape[0]!;
    const c = this.inShape[0]!, h = this.inShape[1]!, w = this.inShape[2]!;
    const buf = this.cache.get(n);
    let g = dy.data;
    if (this.reluAfter) {
      // The output is relu(m) for the window maxima m: positive exactly where m is, so it serves as the ReLU's input.
      this.backend.activationBackward(Activation.relu, buf.y.data, buf.y.data, dy.data, buf.dyRelu.data, 0);
      g = buf.dyRelu.data;
    }
    this.backend.maxPoolBackward(g, buf.argmax, n, c, h, w, this.outShape[1]!, this.outShape[2]!, buf.dx.data);
    return buf.dx;
  }
}
