import type { FloatArray } from '../tensor/FloatArray.js';
import { ParamSlots } from '../nn/Slots.js';
import type { Transform } from './Transform.js';

/**
 * erfi(x) = -i erf(ix) = (2 / sqrt(pi)) sum_n x^(2n+1) / (n! (2n+1)): the series has positive terms only, so it is
 * accurate for every x (Infinity beyond x ~ 26.6, where erfi overflows a double).
 */
export function erfi(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x === 0 ? 0 : x > 0 ? Infinity : x < 0 ? -Infinity : NaN;
  const a = Math.abs(x);
  const a2 = a * a;
  let term = a; // n = 0: x / (0! * 1)
  let sum = term;
  for (let n = 1; n < 5000; n++) {
    term *= (a2 / n) * ((2 * n - 1) / (2 * n + 1));
    sum += term;
    if (!Number.isFinite(sum)) return x > 0 ? Infinity : -Infinity;
    if (term < 1e-17 * sum) break;
  }
  const v = (2 / Math.sqrt(Math.PI)) * sum;
  return x > 0 ? v : -v;
}

/** TRAC's options (the reference code's defaults: betas 0.9 .. 0.999999, sPrev = eps = 1e-8). */
export interface TracOptions {
  readonly betas?: readonly number[];
  /** s_prev: the scale of the tuner's first outputs. */
  readonly sPrev?: number;
  readonly eps?: number;
  /**
   * 'stored' (default): Delta, the base optimizer's summed updates, is kept in the state (the paper's Algorithm 1,
   * a separate base iterate). 'recovered': recomputed each step as (theta - theta_ref) / (S + eps), as the reference
   * code does; it loses Delta once S <= 0 (theta = theta_ref gives Delta = 0 and the scale never recovers) and to
   * float32 rounding while S is near its start of ~1e-8.
   */
  readonly delta?: 'stored' | 'recovered';
}

/** TRAC's state: the base optimizer's, the reference point and the tuner's per-beta statistics. */
export interface TracState {
  readonly inner: unknown;
  /** theta_ref: the parameters before the first update (a reinitialized unit's entries follow its new values). */
  readonly ref: ParamSlots;
  /** Delta (with delta 'stored'; 0 for a reinitialized unit's entries, so they restart at their new values). */
  readonly delta: ParamSlots | null;
  /** Per beta: the tuner's output s, its discounted sum of squared h (variance) and of -h (sigma). */
  readonly s: Float64Array;
  readonly variance: Float64Array;
  readonly sigma: Float64Array;
  steps: number;
}

const SQRT2 = Math.SQRT2;

/**
 * TRAC (Muppidi, Zhang, Yang 2024): a parameter-free scale tuner around a base optimizer. The parameters are
 * theta = theta_ref + S Delta, Delta the sum of the base optimizer's updates; after each base update u, with
 * h = <Delta, g> (Delta before adding u, recovered from the parameters as (theta - theta_ref) / (S + eps)),
 * for each beta: v <- beta^2 v + h^2, sigma <- beta sigma - h, s = s_prev / erfi(1/sqrt 2) * erfi(sigma / (sqrt 2
 * sqrt v + eps)), and S = max(sum_beta s, 0). A weak, discounted correlation between the gradient and the distance
 * travelled shrinks S, pulling the parameters back toward theta_ref (the initialization): a data-driven reset.
 * Follows package/src/trac_optimizer/trac.py of github.com/ComputationalRobotics/TRAC (_step, start_trac defaults),
 * except that Delta is kept in the state by default (see TracOptions.delta). The base optimizer sees theta (its
 * weight decay, if any, acts on theta, not on theta_ref + Delta).
 */
export function trac(inner: Transform, opts: TracOptions = {}): Transform<TracState> {
  const betas = Float64Array.from(opts.betas ?? [0.9, 0.99, 0.999, 0.9999, 0.99999, 0.999999]);
  const sPrev = opts.sPrev ?? 1e-8;
  const eps = opts.eps ?? 1e-8;
  const stored = (opts.delta ?? 'stored') === 'stored';
  for (const b of betas) if (!(b >= 0 && b < 1)) throw new Error(`trac.betas: ${b} is not allowed; each beta in [0, 1)`);
  if (!(sPrev > 0)) throw new Error(`trac.sPrev: ${sPrev} is not allowed; sPrev > 0`);
  const first = sPrev / erfi(1 / SQRT2);
  const grads: FloatArray[] = [];
  return {
    name: `trac(${inner.name})`,
    init: (params, backend) => ({
      inner: inner.init(params, backend),
      ref: new ParamSlots(
        'trac.ref',
        params.map((p) => {
          if (!p.trainable) return null;
          const a = backend.alloc(p.data.length);
          a.set(p.data);
          return a;
        }),
        'param',
      ),
      delta: stored ? new ParamSlots('trac.delta', params.map((p) => (p.trainable ? backend.alloc(p.data.length) : null)), 0) : null,
      s: new Float64Array(betas.length),
      variance: new Float64Array(betas.length),
      sigma: new Float64Array(betas.length).fill(1e-8),
      steps: 0,
    }),
    update(updates, st, params, ctx) {
      const { backend } = ctx;
      // Keep the gradients: the base optimizer overwrites them with its update.
      for (let i = 0; i < params.length; i++) {
        if (!params[i]!.trainable) continue;
        const u = updates[i]!;
        let g = grads[i];
        if (!g || g.length !== u.length) {
          if (g) backend.free(g);
          g = grads[i] = backend.alloc(u.length);
        }
        backend.copy(u, g);
      }
      inner.update(updates, st.inner, params, ctx);
      let S = 0;
      for (const v of st.s) S += v;
      let h = 0;
      for (let i = 0; i < params.length; i++) {
        const p = params[i]!;
        const ref = st.ref.arrays[i];
        if (!p.trainable || !ref) continue;
        const u = updates[i]!, g = grads[i]!, w = p.data;
        const D = st.delta?.arrays[i];
        for (let j = 0; j < u.length; j++) {
          const delta = D ? D[j]! : (w[j]! - ref[j]!) / (S + eps);
          h += delta * g[j]!;
          u[j] = delta + u[j]!; // Delta_{t+1}, turned into the update below
          if (D) D[j] = u[j]!;
        }
      }
      if (Number.isNaN(h)) throw new Error('trac: the product <Delta, g> is NaN');
      let total = 0;
      for (let b = 0; b < betas.length; b++) {
        const beta = betas[b]!;
        st.variance[b] = beta * beta * st.variance[b]! + h * h;
        st.sigma[b] = beta * st.sigma[b]! - h;
        st.s[b] = first * erfi(st.sigma[b]! / (SQRT2 * Math.sqrt(st.variance[b]!) + eps));
        total += st.s[b]!;
      }
      st.steps++;
      const scale = Math.max(total, 0);
      for (let i = 0; i < params.length; i++) {
        const p = params[i]!;
        const ref = st.ref.arrays[i];
        if (!p.trainable || !ref) continue;
        const u = updates[i]!, w = p.data;
        // theta_new = theta_ref + scale * Delta_{t+1}, as an update to add to theta.
        for (let j = 0; j < u.length; j++) u[j] = ref[j]! + scale * u[j]! - w[j]!;
      }
    },
  };
}
