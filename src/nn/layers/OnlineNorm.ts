import type { Backend } from '../../backend/Backend.js';
import type { FloatArray } from '../../tensor/FloatArray.js';
import type { Rng } from '../../tensor/Rng.js';
import { Tensor } from '../../tensor/Tensor.js';
import { BatchCache } from '../BatchCache.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { makeParam } from './Linear.js';
import { checkGrad, checkInput } from './shapeError.js';

/** Error compensation after the normalization: activation clamping ('clamp'), layer scaling, or none. */
export type OnlineNormEcm = 'clamp' | 'layer-scaling' | 'none';

/**
 * The hyperparameters of {@link OnlineNorm}, all required here (`onlineNormDefaults` fills them in as the authors'
 * implementation sets them).
 */
export interface OnlineNormOptions {
  /** Decay of the forward statistics (alpha_f, 0.999). */
  readonly alphaForward: number;
  /** Decay of the backward control accumulators (alpha_b, 0.99). */
  readonly alphaBackward: number;
  readonly eps: number;
  readonly ecm: OnlineNormEcm;
  /** Clamp value of 'clamp' (5). */
  readonly clamp: number;
  /** eps of 'layer-scaling' (1e-5). */
  readonly lsEps: number;
}

export const onlineNormDefaults: OnlineNormOptions = { alphaForward: 0.999, alphaBackward: 0.99, eps: 1e-5, ecm: 'clamp', clamp: 5, lsEps: 1e-5 };

interface Buffers {
  /** Normalized values before gain/shift. */
  norm: Tensor;
  y: Tensor;
  dx: Tensor;
  /** Per example and channel: sqrt(var + eps) used in the forward. */
  scale: FloatArray;
  /** Per example: the layer-scaling divisor. */
  ls: FloatArray;
}

/**
 * Online Normalization (Chiley et al. 2019), as the authors' reference implementation (Cerebras
 * online-normalization, numpy/PyTorch): per channel, examples are normalized one after another in batch order by
 * running statistics from before them, y_t = (x_t - mu_{t-1}) / sqrt(var_{t-1} + eps), then
 * var_t = a var_{t-1} + (1 - a) var(x_t) + a (1 - a) (mean(x_t) - mu_{t-1})^2 and
 * mu_t = mu_{t-1} + (1 - a)(mean(x_t) - mu_{t-1}) (means and variance of x_t over space for conv inputs).
 * Backward is the paper's control process: g = dy - (1 - a_b) v y; v += mean(g y); g /= scale;
 * dx = g - (1 - a_b) u; u += mean(dx), which removes the gradient components along y and 1 over time instead of
 * within a batch. Then a per-channel gain and shift and the error compensation (clamping at 5 by default).
 * Evaluation normalizes with the running statistics and changes nothing.
 */
export class OnlineNorm implements Layer {
  readonly type = 'online-norm';
  readonly outShape: readonly number[];
  readonly gain: Param;
  readonly shift: Param;
  readonly mean: StateBuffer;
  readonly variance: StateBuffer;
  readonly controlU: StateBuffer;
  readonly controlV: StateBuffer;
  readonly params: Param[];
  readonly buffers: StateBuffer[];
  readonly children: Layer[] = [];
  readonly channels: number;
  readonly spatial: number;
  output: Tensor | null = null;
  private readonly dgain: FloatArray;
  private readonly dshift: FloatArray;
  private cache: BatchCache<Buffers>;
  private trained = false;

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
    readonly options: OnlineNormOptions,
    private readonly backend: Backend,
    rng: Rng,
  ) {
    const o = options;
    if (!(o.alphaForward >= 0 && o.alphaForward < 1)) throw new Error(`${name} (online-norm): alphaForward = ${o.alphaForward}; 0 <= alphaForward < 1`);
    if (!(o.alphaBackward >= 0 && o.alphaBackward <= 1)) throw new Error(`${name} (online-norm): alphaBackward = ${o.alphaBackward}; 0 <= alphaBackward <= 1`);
    if (!(o.eps > 0)) throw new Error(`${name} (online-norm): eps = ${o.eps}; it must be > 0`);
    if (!(o.clamp > 0)) throw new Error(`${name} (online-norm): clamp = ${o.clamp}; it must be > 0`);
    this.outShape = inShape;
    this.channels = inShape[0]!;
    this.spatial = inShape.slice(1).reduce((a, b) => a * b, 1);
    const c = this.channels;
    this.gain = makeParam(backend, `${name}.gain`, 'gain', [c], { dist: 'constant', value: 1 }, rng.split('gain'));
    this.shift = makeParam(backend, `${name}.shift`, 'shift', [c], { dist: 'constant', value: 0 }, rng.split('shift'));
    this.params = [this.gain, this.shift];
    const buffer = (key: string, resetValue: number): StateBuffer => {
      const data = backend.alloc(c);
      if (resetValue !== 0) data.fill(resetValue);
      return { name: `${name}.${key}`, data, resetValue };
    };
    this.mean = buffer('runningMean', 0);
    this.variance = buffer('runningVar', 1);
    this.controlU = buffer('controlU', 0);
    this.controlV = buffer('controlV', 0);
    this.buffers = [this.mean, this.variance, this.controlU, this.controlV];
    this.dgain = backend.alloc(c);
    this.dshift = backend.alloc(c);
    const per = c * this.spatial;
    this.cache = new BatchCache(
      (n) => ({
        norm: new Tensor(backend.alloc(n * per), [n, ...inShape]),
        y: new Tensor(backend.alloc(n * per), [n, ...inShape]),
        dx: new Tensor(backend.alloc(n * per), [n, ...inShape]),
        scale: backend.alloc(n * c),
        ls: backend.alloc(n),
      }),
      (b) => {
        for (const a of [b.norm.data, b.y.data, b.dx.data, b.scale, b.ls]) backend.free(a);
      },
    );
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const buf = this.cache.get(n);
    const C = this.channels, S = this.spatial;
    const xs = x.data, z = buf.norm.data, sc = buf.scale;
    const mu = this.mean.data, vr = this.variance.data;
    const { alphaForward: a, eps } = this.options;
    if (ctx.train) {
      for (let e = 0; e < n; e++) {
        for (let c = 0; c < C; c++) {
          const o = (e * C + c) * S;
          let m = 0;
          for (let s = 0; s < S; s++) m += xs[o + s]!;
          m /= S;
          let v = 0;
          if (S > 1) {
            for (let s = 0; s < S; s++) v += (xs[o + s]! - m) ** 2;
            v /= S;
          }
          const center = mu[c]!;
          const scale = Math.sqrt(vr[c]! + eps);
          sc[e * C + c] = scale;
          for (let s = 0; s < S; s++) z[o + s] = (xs[o + s]! - center) / scale;
          vr[c] = a * vr[c]! + (1 - a) * v + a * (1 - a) * (m - center) ** 2;
          mu[c] = center + (1 - a) * (m - center);
        }
      }
    } else {
      for (let c = 0; c < C; c++) {
        const center = mu[c]!, scale = Math.sqrt(vr[c]! + eps);
        for (let e = 0; e < n; e++) {
          const o = (e * C + c) * S;
          for (let s = 0; s < S; s++) z[o + s] = (xs[o + s]! - center) / scale;
        }
      }
    }
    this.affineAndCompensate(n, buf);
    this.trained = ctx.train;
    this.output = buf.y;
    return buf.y;
  }

  private affineAndCompensate(n: number, buf: Buffers): void {
    const C = this.channels, S = this.spatial, F = C * S;
    const z = buf.norm.data, y = buf.y.data, g = this.gain.data, sh = this.shift.data;
    const { ecm, clamp, lsEps } = this.options;
    for (let e = 0; e < n; e++) {
      let sq = 0;
      for (let c = 0; c < C; c++) {
        const o = (e * C + c) * S, gc = g[c]!, bc = sh[c]!;
        for (let s = 0; s < S; s++) {
          let v = gc * z[o + s]! + bc;
          if (ecm === 'clamp') v = v > clamp ? clamp : v < -clamp ? -clamp : v;
          else if (ecm === 'layer-scaling') sq += v * v;
          y[o + s] = v;
        }
      }
      if (ecm === 'layer-scaling') {
        const d = Math.sqrt(sq / F + lsEps);
        buf.ls[e] = d;
        for (let i = e * F; i < (e + 1) * F; i++) y[i] = y[i]! / d;
      }
    }
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    if (!this.trained) throw new Error(`${this.name} (online-norm): backward after an evaluation-mode forward is not supported`);
    const n = dy.shape[0]!;
    const buf = this.cache.get(n);
    const C = this.channels, S = this.spatial, F = C * S;
    const g = buf.dx.data, gy = dy.data, y = buf.y.data, z = buf.norm.data;
    const gain = this.gain.data, shift = this.shift.data;
    const { ecm, clamp, alphaBackward } = this.options;
    // Through the error compensation (into dx, used as scratch): d(affine output).
    for (let e = 0; e < n; e++) {
      if (ecm === 'layer-scaling') {
        let p = 0;
        for (let i = e * F; i < (e + 1) * F; i++) p += gy[i]! * y[i]!;
        p /= F;
        const d = buf.ls[e]!;
        for (let i = e * F; i < (e + 1) * F; i++) g[i] = (gy[i]! - p * y[i]!) / d;
      } else if (ecm === 'clamp') {
        for (let c = 0; c < C; c++) {
          const o = (e * C + c) * S, gc = gain[c]!, bc = shift[c]!;
          for (let s = 0; s < S; s++) {
            const v = gc * z[o + s]! + bc;
            g[o + s] = v > clamp || v < -clamp ? 0 : gy[o + s]!;
          }
        }
      } else for (let i = e * F; i < (e + 1) * F; i++) g[i] = gy[i]!;
    }
    // Gain and shift.
    const dg = this.dgain, ds = this.dshift;
    for (let c = 0; c < C; c++) {
      let sg = 0, sb = 0;
      for (let e = 0; e < n; e++) {
        const o = (e * C + c) * S;
        for (let s = 0; s < S; s++) {
          sg += g[o + s]! * z[o + s]!;
          sb += g[o + s]!;
        }
      }
      dg[c] = sg;
      ds[c] = sb;
    }
    const b = this.backend;
    const tg = sink.target(this.gain);
    if (tg) b.axpby(tg.alpha, dg, tg.beta, tg.buf);
    const ts = sink.target(this.shift);
    if (ts) b.axpby(ts.alpha, ds, ts.beta, ts.buf);
    // The control process, example by example (it runs even when no input gradient is needed: it is state).
    const u = this.controlU.data, v = this.controlV.data, k = 1 - alphaBackward;
    for (let e = 0; e < n; e++) {
      for (let c = 0; c < C; c++) {
        const o = (e * C + c) * S, gc = gain[c]!, vc = v[c]!, uc = u[c]!, scale = buf.scale[e * C + c]!;
        let sv = 0, su = 0;
        for (let s = 0; s < S; s++) {
          const t = g[o + s]! * gc - k * vc * z[o + s]!;
          sv += t * z[o + s]!;
          const dx = t / scale - k * uc;
          su += dx;
          g[o + s] = dx;
        }
        v[c] = vc + sv / S;
        u[c] = uc + su / S;
      }
    }
    return needInputGrad ? buf.dx : null;
  }
}
