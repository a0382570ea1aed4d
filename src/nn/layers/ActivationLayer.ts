import { Activation, type ActivationCode, type ActivationName, type Backend } from '../../backend/Backend.js';
import type { Tensor } from '../../tensor/Tensor.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { checkGrad, checkInput } from './shapeError.js';

interface Buffers {
  y: Tensor;
  dx: Tensor;
}

/** An elementwise nonlinearity (ReLU, LeakyReLU, Tanh, Sigmoid, ELU, Swish, identity). */
export class ActivationLayer implements Layer {
  readonly type: string;
  readonly outShape: readonly number[];
  readonly params: Param[] = [];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  readonly code: ActivationCode;
  /** The pre-activation input of the last forward. */
  input: Tensor | null = null;
  private cache: BatchCache<Buffers>;
  private y: Tensor | null = null;
  /** The last forward was deferred (deferOutput): `y` is computed when first read. */
  private deferred = false;
  /** The layer whose output the deferred input is: read first, to have it computed if it is deferred too. */
  private inputFrom: Layer | null = null;

  constructor(
    readonly name: string,
    readonly fn: ActivationName,
    /** LeakyReLU slope or ELU alpha. */
    readonly param: number,
    readonly inShape: readonly number[],
    private readonly backend: Backend,
  ) {
    this.type = fn;
    this.code = Activation[fn];
    if (this.code === undefined) throw new Error(`${name}: unknown activation '${fn}'; allowed: ${Object.keys(Activation).join(', ')}`);
    this.outShape = inShape;
    this.cache = batchBuffers(backend, { y: inShape, dx: inShape });
  }

  /** The output of the last forward (computed now if that forward was deferred). */
  get output(): Tensor | null {
    if (this.deferred) {
      this.deferred = false;
      if (this.inputFrom) void this.inputFrom.output;
      this.backend.activation(this.code, this.input!.data, this.y!.data, this.param);
    }
    return this.y;
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const y = this.claimOutput(x);
    this.backend.activation(this.code, x.data, y.data, this.param);
    return y;
  }

  /**
   * Records x as forward does but computes the output only if someone reads `output` (before the next forward):
   * for a ReLU whose next layer takes its input before the activation (MaxPool2d.forwardRelu). Its backward is
   * then not called: the next layer's input gradient is already this layer's. `from`: the layer whose output x
   * is, when that output is itself computed when read (Conv2d.forwardThroughPool).
   */
  deferOutput(x: Tensor, from: Layer | null = null): void {
    checkInput(this, x);
    this.claimOutput(x);
    this.deferred = true;
    this.inputFrom = from;
  }

  /**
   * The buffer forward(x) writes its output into, with x and it recorded as forward records them, but nothing
   * computed: for a caller that computes the layer elsewhere (the learner's fused dense step). x is not checked.
   */
  claimOutput(x: Tensor): Tensor {
    const { y } = this.cache.get(x.shape[0]!);
    this.input = x;
    this.y = y;
    this.deferred = false;
    this.inputFrom = null;
    return y;
  }

  backward(dy: Tensor, _sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    if (!needInputGrad) return null;
    const { dx } = this.cache.get(dy.shape[0]!);
    this.backend.activationBackward(this.code, this.input!.data, this.output!.data, dy.data, dx.data, this.param);
    return dx;
  }
}
