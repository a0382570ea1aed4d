import type { Backend } from '../../backend/Backend.js';
import type { FloatArray } from '../../tensor/FloatArray.js';
import type { Rng } from '../../tensor/Rng.js';
import type { Tensor } from '../../tensor/Tensor.js';
import type { ForwardContext, GradSink, GradTarget, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { Conv2d, type Conv2dOptions } from './Conv2d.js';
import { Linear, type LinearOptions } from './Linear.js';

/** Spectral normalization settings (PyTorch's torch.nn.utils.parametrizations.spectral_norm defaults). */
export interface SpectralNormOptions {
  /** Power iterations per training forward (1). */
  readonly iterations: number;
  /** Floor of the norms when normalizing u and v (1e-12). */
  readonly eps: number;
}

export const spectralNormDefaults: SpectralNormOptions = { iterations: 1, eps: 1e-12 };

/**
 * Spectral normalization of one weight (Miyato et al. 2018), as torch.nn.utils.parametrizations.spectral_norm:
 * the weight seen as a matrix W [rows, cols] (conv: [outC, inC*kH*kW]) is used as W / sigma, sigma = u^T W v,
 * u and v estimates of the first singular vectors kept as state and refined by power iteration (u = W v / |W v|,
 * v = W^T u / |W^T u|) on every training forward; 15 iterations at construction. Backward treats u and v as
 * constants: dL/dW = (G - <G, W/sigma> u v^T) / sigma with G = dL/d(W/sigma).
 */
export class SpectralNormState {
  readonly u: StateBuffer;
  readonly v: StateBuffer;
  /** W / sigma of the last forward. */
  normalized: FloatArray;
  /** Scratch for the gradient of the normalized weight. */
  grad: FloatArray;
  sigma = 1;
  private wv: FloatArray;
  private rows: number;
  private readonly cols: number;
  private readonly scratch: GradTarget;

  constructor(
    name: string,
    private readonly weight: Param,
    readonly options: SpectralNormOptions,
    private readonly backend: Backend,
    rng: Rng,
  ) {
    if (!(Number.isInteger(options.iterations) && options.iterations >= 0)) throw new Error(`${name}: spectral norm iterations = ${options.iterations}; a non-negative integer is required`);
    if (!(options.eps > 0)) throw new Error(`${name}: spectral norm eps = ${options.eps}; it must be > 0`);
    this.rows = weight.shape[0]!;
    this.cols = weight.data.length / this.rows;
    this.u = { name: `${name}.spectralU`, data: backend.alloc(this.rows), resetValue: 0 };
    this.v = { name: `${name}.spectralV`, data: backend.alloc(this.cols), resetValue: 0 };
    rng.split('u').fillNormal(this.u.data, 0, 1);
    rng.split('v').fillNormal(this.v.data, 0, 1);
    this.normalizeVector(this.u.data);
    this.normalizeVector(this.v.data);
    this.normalized = backend.alloc(weight.data.length);
    this.grad = backend.alloc(weight.data.length);
    this.wv = backend.alloc(this.rows);
    this.scratch = { buf: this.grad, alpha: 1, beta: 0 };
    this.powerIterations(15);
  }

  /** Compute W / sigma (power iterations first when training). Returns the normalized weight. */
  normalize(train: boolean): FloatArray {
    const b = this.backend;
    const w = this.weight.data;
    if (train) this.powerIterations(this.options.iterations);
    else this.ensureVectors();
    b.gemm(false, true, 1, this.rows, this.cols, 1, this.v.data, w, 0, this.wv);
    const sigma = b.dot(this.u.data, this.wv);
    // A zero weight matrix has sigma 0: keep it as it is rather than dividing 0 by 0.
    this.sigma = sigma !== 0 && Number.isFinite(sigma) ? sigma : 1;
    b.axpby(1 / this.sigma, w, 0, this.normalized);
    return this.normalized;
  }

  /** The gradient target that collects G = dL/d(W/sigma) during the wrapped layer's backward. */
  get gradTarget(): GradTarget {
    return this.scratch;
  }

  /** Turn G (in `grad`) into dL/dW and hand it to the real target: buf = alpha * dL/dW + beta * buf. */
  deliver(target: GradTarget): void {
    const b = this.backend;
    const c = b.dot(this.grad, this.normalized);
    b.gemm(false, false, this.rows, this.cols, 1, -c, this.u.data, this.v.data, 1, this.grad);
    b.axpby(target.alpha / this.sigma, this.grad, target.beta, target.buf);
  }

  /** The weight grew (a growing head): resize u and the scratch buffers, keeping the old entries of u. */
  resize(): void {
    const b = this.backend;
    const rows = this.weight.shape[0]!;
    if (rows === this.rows) return;
    const u = b.alloc(rows);
    u.set(this.u.data.subarray(0, Math.min(rows, this.rows)));
    b.free(this.u.data);
    this.u.data = u;
    for (const a of [this.normalized, this.grad, this.wv]) b.free(a);
    this.normalized = b.alloc(this.weight.data.length);
    this.grad = b.alloc(this.weight.data.length);
    this.wv = b.alloc(rows);
    this.scratch.buf = this.grad;
    this.rows = rows;
    this.ensureVectors();
    this.normalizeVector(this.u.data);
  }

  private powerIterations(n: number): void {
    const b = this.backend;
    const w = this.weight.data;
    this.ensureVectors();
    for (let i = 0; i < n; i++) {
      b.gemm(false, true, 1, this.rows, this.cols, 1, this.v.data, w, 0, this.u.data); // u = W v
      this.normalizeVector(this.u.data);
      b.gemm(false, false, 1, this.cols, this.rows, 1, this.u.data, w, 0, this.v.data); // v = W^T u
      this.normalizeVector(this.v.data);
    }
  }

  /** Vectors reset to zero (a full reset of the layer state) restart from the uniform unit vector. */
  private ensureVectors(): void {
    for (const x of [this.u.data, this.v.data]) {
      if (this.backend.sumSquares(x) === 0) x.fill(1 / Math.sqrt(x.length));
    }
  }

  private normalizeVector(x: FloatArray): void {
    const n = Math.sqrt(this.backend.sumSquares(x));
    this.backend.scale(x, 1 / Math.max(n, this.options.eps));
  }
}

/** Routes the weight's gradient of the wrapped layer into the spectral-norm scratch, everything else to `inner`. */
class RedirectSink implements GradSink {
  inner: GradSink | null = null;
  collect = false;
  constructor(
    private readonly weight: Param,
    private readonly state: SpectralNormState,
  ) {}
  target(p: Param): GradTarget | null {
    if (p === this.weight) return this.collect ? this.state.gradTarget : null;
    return this.inner!.target(p);
  }
}

/** What SpectralLinear and SpectralConv2d share: swap W / sigma in around the plain layer's forward and backward. */
function spectralForward(layer: { weight: Param }, state: SpectralNormState, train: boolean, run: () => Tensor): Tensor {
  const w = layer.weight;
  const original = w.data;
  w.data = state.normalize(train);
  try {
    return run();
  } finally {
    w.data = original;
  }
}

function spectralBackward(layer: { weight: Param }, state: SpectralNormState, redirect: RedirectSink, sink: GradSink, run: (s: GradSink) => Tensor | null): Tensor | null {
  const w = layer.weight;
  const target = sink.target(w);
  redirect.inner = sink;
  redirect.collect = target !== null;
  const original = w.data;
  w.data = state.normalized;
  let dx: Tensor | null;
  try {
    dx = run(redirect);
  } finally {
    w.data = original;
  }
  if (target) state.deliver(target);
  return dx;
}

/** A linear layer whose weight is spectrally normalized (the parameter is the unnormalized weight). */
export class SpectralLinear extends Linear {
  readonly spectral: SpectralNormState;
  private readonly redirect: RedirectSink;

  constructor(name: string, inFeatures: number, outFeatures: number, opts: LinearOptions, spectral: SpectralNormOptions, backend: Backend, rng: Rng) {
    super(name, inFeatures, outFeatures, opts, backend, rng);
    this.spectral = new SpectralNormState(name, this.weight, spectral, backend, rng.split('spectral'));
    this.buffers.push(this.spectral.u, this.spectral.v);
    this.redirect = new RedirectSink(this.weight, this.spectral);
  }

  override forward(x: Tensor, ctx: ForwardContext): Tensor {
    return spectralForward(this, this.spectral, ctx.train, () => super.forward(x, ctx));
  }

  override backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    return spectralBackward(this, this.spectral, this.redirect, sink, (s) => super.backward(dy, s, needInputGrad));
  }

  override grow(k: number, rng: Rng): void {
    super.grow(k, rng);
    this.spectral.resize();
  }
}

/** A conv layer whose kernel (as [outC, inC*kH*kW]) is spectrally normalized. */
export class SpectralConv2d extends Conv2d {
  readonly spectral: SpectralNormState;
  private readonly redirect: RedirectSink;

  constructor(name: string, inShape: readonly number[], outChannels: number, opts: Conv2dOptions, spectral: SpectralNormOptions, backend: Backend, rng: Rng) {
    super(name, inShape, outChannels, opts, backend, rng);
    this.spectral = new SpectralNormState(name, this.weight, spectral, backend, rng.split('spectral'));
    this.buffers.push(this.spectral.u, this.spectral.v);
    this.redirect = new RedirectSink(this.weight, this.spectral);
  }

  override forward(x: Tensor, ctx: ForwardContext): Tensor {
    return spectralForward(this, this.spectral, ctx.train, () => super.forward(x, ctx));
  }

  override backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    return spectralBackward(this, this.spectral, this.redirect, sink, (s) => super.backward(dy, s, needInputGrad));
  }

  /**
   * The fused conv-ReLU-pool path runs the plain conv's forward and backward, without the normalized weight.
   * @internal
   */
  override canFeedPool(): boolean {
    return false;
  }
}

/** True for a layer built with spectral normalization. */
export function isSpectral(l: Layer): l is SpectralLinear | SpectralConv2d {
  return l instanceof SpectralLinear || l instanceof SpectralConv2d;
}
