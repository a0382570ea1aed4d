import type { Backend } from '../../backend/Backend.js';
import type { FloatArray } from '../../tensor/FloatArray.js';
import type { Rng } from '../../tensor/Rng.js';
import type { Tensor } from '../../tensor/Tensor.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import { drawInit, type InitSpec } from '../init.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { checkGrad, checkInput } from './shapeError.js';

/**
 * How a {@link Linear} layer initializes its parameters: the weight's distribution (kept for later redraws) and the
 * bias's, or null for no bias.
 */
export interface LinearOptions {
  readonly weightInit: InitSpec;
  /** null: no bias. */
  readonly biasInit: InitSpec | null;
}

interface Buffers {
  y: Tensor;
  dx: Tensor;
}

/** y = x W^T + b with W [out, in]: unit i is row i of W and entry i of b. */
export class Linear implements Layer {
  readonly type = 'linear';
  readonly inShape: readonly number[];
  outShape: readonly number[];
  readonly weight: Param;
  readonly bias: Param | null;
  readonly params: Param[];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  output: Tensor | null = null;
  private input: Tensor | null = null;
  private cache: BatchCache<Buffers>;

  constructor(
    readonly name: string,
    readonly inFeatures: number,
    public outFeatures: number,
    opts: LinearOptions,
    private readonly backend: Backend,
    rng: Rng,
  ) {
    if (!(inFeatures >= 1 && outFeatures >= 1)) throw new Error(`${name} (linear): in = ${inFeatures}, out = ${outFeatures} must be >= 1`);
    this.inShape = [inFeatures];
    this.outShape = [outFeatures];
    this.weight = makeParam(backend, `${name}.weight`, 'weight', [outFeatures, inFeatures], opts.weightInit, rng.split('weight'));
    this.bias = opts.biasInit ? makeParam(backend, `${name}.bias`, 'bias', [outFeatures], opts.biasInit, rng.split('bias')) : null;
    this.params = this.bias ? [this.weight, this.bias] : [this.weight];
    this.cache = this.makeCache();
  }

  private makeCache(): BatchCache<Buffers> {
    return batchBuffers(this.backend, { y: [this.outFeatures], dx: [this.inFeatures] });
  }

  /**
   * Add k output units (a growing classification head): old rows are kept, new rows are drawn from the
   * weight's init distribution and new bias entries from the bias's. The Param objects stay the same; their
   * arrays are replaced, so optimizer state must be resized with them (applyEdits does that).
   */
  grow(k: number, rng: Rng): void {
    if (!(Number.isInteger(k) && k >= 1)) throw new Error(`${this.name} (linear): grow by k = ${k}; k must be a positive integer`);
    const b = this.backend;
    const out = this.outFeatures + k;
    for (const p of this.params) {
      const per = p.data.length / this.outFeatures;
      const data = b.alloc(out * per);
      data.set(p.data);
      drawInit(p.init, rng.split(p.name), data, p.data.length, data.length);
      b.free(p.data);
      b.free(p.grad);
      p.data = data;
      p.grad = b.alloc(out * per);
      p.shape = [out, ...p.shape.slice(1)];
    }
    this.outFeatures = out;
    this.outShape = [out];
    this.cache.clear();
    this.cache = this.makeCache();
    this.output = null;
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const y = this.claimOutput(x);
    this.backend.linearForward(x.shape[0]!, this.outFeatures, this.inFeatures, x.data, this.weight.data, this.bias?.data ?? null, y.data);
    return y;
  }

  /**
   * The buffer forward(x) writes its output into, with x and it recorded as forward records them, but nothing
   * computed: for a caller that computes the layer elsewhere (the learner's fused dense step). x is not checked.
   */
  claimOutput(x: Tensor): Tensor {
    const { y } = this.cache.get(x.shape[0]!);
    this.input = x;
    this.output = y;
    return y;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    const x = this.input!;
    const n = x.shape[0]!;
    const dx = needInputGrad ? this.cache.get(n).dx : null;
    // Where the gradients go (param.grad, or the weights themselves when SGD is fused), or null (frozen).
    const tw = sink.target(this.weight);
    const tb = this.bias ? sink.target(this.bias) : null;
    this.backend.linearBackward(n, this.outFeatures, this.inFeatures, dy.data, x.data, this.weight.data, dx?.data ?? null,
      tw?.alpha ?? 0, tw?.beta ?? 0, tw?.buf ?? null, tb?.alpha ?? 0, tb?.beta ?? 0, tb?.buf ?? null);
    return dx;
  }
}

/** Allocate a parameter and its gradient and draw its initial values. */
export function makeParam(backend: Backend, name: string, role: Param['role'], shape: number[], init: InitSpec, rng: Rng): Param {
  const size = shape.reduce((a, b) => a * b, 1);
  const data: FloatArray = backend.alloc(size);
  drawInit(init, rng, data);
  return { name, role, shape, data, grad: backend.alloc(size), init, trainable: true, index: -1 };
}
