import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Param } from '../nn/Param.js';
import { ParamSlots } from '../nn/Slots.js';
import { scheduleAt, type Schedule } from './schedules.js';
import type { Affine, Transform, UpdateContext } from './Transform.js';

/** Parameter-shaped slots allocated in the backend for trainable parameters. */
function slots(name: string, params: readonly Param[], backend: Backend, reset: number): ParamSlots {
  return new ParamSlots(
    name,
    params.map((p) => {
      if (!p.trainable) return null;
      const a = backend.alloc(p.data.length);
      if (reset !== 0) a.fill(reset);
      return a;
    }),
    reset,
  );
}

/** u <- c * u. */
export function scale(c: number): Transform<Record<string, never>> {
  return {
    name: 'scale',
    init: () => ({}),
    update(updates, _s, params, ctx) {
      for (let i = 0; i < params.length; i++) if (params[i]!.trainable) ctx.backend.scale(updates[i]!, c);
    },
    affine: (_step, _p, out) => {
      out.a = c;
      out.b = 0;
      return true;
    },
  };
}

/** u <- -lr(step) * u: the last transform of every optimizer (descent). */
export function scaleByLearningRate(lr: Schedule): Transform<Record<string, never>> {
  return {
    name: 'scaleByLearningRate',
    init: () => ({}),
    update(updates, _s, params, ctx) {
      const c = -scheduleAt(lr, ctx);
      for (let i = 0; i < params.length; i++) if (params[i]!.trainable) ctx.backend.scale(updates[i]!, c);
    },
    affine: (clock, _p, out) => {
      out.a = -scheduleAt(lr, clock);
      out.b = 0;
      return true;
    },
  };
}

/**
 * u <- u + decay * w (weight decay / L2 gradient). `mask` picks the parameters it applies to (default: all;
 * PyTorch's SGD and Adam decay biases too).
 */
export function addDecayedWeights(decay: number, mask?: (p: Param) => boolean): Transform<Record<string, never>> {
  return {
    name: 'addDecayedWeights',
    init: () => ({}),
    update(updates, _s, params, ctx) {
      if (decay === 0) return;
      for (let i = 0; i < params.length; i++) {
        const p = params[i]!;
        if (p.trainable && (!mask || mask(p))) ctx.backend.axpy(decay, p.data, updates[i]!);
      }
    },
    affine: (_step, p, out) => {
      out.a = 1;
      out.b = !mask || mask(p) ? decay : 0;
      return true;
    },
  };
}

/** Momentum (PyTorch SGD semantics, no dampening): buf = mu buf + u; u = buf, or u + mu buf (Nesterov). */
export function trace(opts: { momentum: number; nesterov?: boolean }): Transform<{ momentum: ParamSlots }> {
  const mu = opts.momentum;
  const nesterov = opts.nesterov ?? false;
  return {
    name: 'trace',
    init: (params, backend) => ({ momentum: slots('momentum', params, backend, 0) }),
    update(updates, s, params, ctx) {
      for (let i = 0; i < params.length; i++) {
        const buf = s.momentum.arrays[i];
        if (buf && params[i]!.trainable) ctx.backend.momentum(updates[i]!, buf, mu, nesterov);
      }
    },
  };
}

/**
 * Adam's scaling with per-element bias correction: each weight keeps its own beta1^t and beta2^t, so when a
 * unit is reset (moments to 0, powers to 1) its bias correction restarts, as in Dohare et al.'s AdamGnT.
 */
export function scaleByAdam(opts: { b1?: number; b2?: number; eps?: number } = {}): Transform<AdamState> {
  const b1 = opts.b1 ?? 0.9, b2 = opts.b2 ?? 0.999, eps = opts.eps ?? 1e-8;
  for (const [k, v] of [['b1', b1], ['b2', b2]] as const) {
    if (!(v >= 0 && v < 1)) throw new Error(`adam.${k}: ${v} is not allowed; 0 <= ${k} < 1`);
  }
  if (!(eps >= 0)) throw new Error(`adam.eps: ${eps} is not allowed; eps >= 0`);
  return {
    name: 'scaleByAdam',
    init: (params, backend) => ({
      m: slots('adam.m', params, backend, 0),
      v: slots('adam.v', params, backend, 0),
      b1Power: slots('adam.b1Power', params, backend, 1),
      b2Power: slots('adam.b2Power', params, backend, 1),
    }),
    update(updates, s, params, ctx: UpdateContext) {
      for (let i = 0; i < params.length; i++) {
        if (!params[i]!.trainable) continue;
        ctx.backend.adam(updates[i]!, s.m.arrays[i]!, s.v.arrays[i]!, s.b1Power.arrays[i]!, s.b2Power.arrays[i]!, b1, b2, eps);
      }
    },
  };
}

/**
 * The state of {@link scaleByAdam}: first and second moment estimates m and v, and per-element powers of beta1 and
 * beta2 for bias correction (1 after a reset).
 */
export interface AdamState {
  m: ParamSlots;
  v: ParamSlots;
  /** beta1^t per element (t = that element's own update count). */
  b1Power: ParamSlots;
  b2Power: ParamSlots;
}

/** Scale all updates so that their global L2 norm is at most maxNorm (torch.nn.utils.clip_grad_norm_). */
export function clipByGlobalNorm(maxNorm: number): Transform<{ lastNorm: number }> {
  if (!(maxNorm > 0)) throw new Error(`clip.maxNorm: ${maxNorm} is not allowed; it must be > 0`);
  return {
    name: 'clipByGlobalNorm',
    init: () => ({ lastNorm: 0 }),
    update(updates, s, params, ctx) {
      let ss = 0;
      for (let i = 0; i < params.length; i++) if (params[i]!.trainable) ss += ctx.backend.sumSquares(updates[i]!);
      const norm = Math.sqrt(ss);
      s.lastNorm = norm;
      if (norm > maxNorm) {
        const c = maxNorm / (norm + 1e-6);
        for (let i = 0; i < params.length; i++) if (params[i]!.trainable) ctx.backend.scale(updates[i]!, c);
      }
    },
  };
}

/** Clip every update value to [-max, max]. */
export function clipByValue(max: number): Transform<Record<string, never>> {
  if (!(max > 0)) throw new Error(`clip.value: ${max} is not allowed; it must be > 0`);
  return {
    name: 'clipByValue',
    init: () => ({}),
    update(updates, _s, params) {
      for (let i = 0; i < params.length; i++) {
        if (!params[i]!.trainable) continue;
        const u: FloatArray = updates[i]!;
        for (let j = 0; j < u.length; j++) u[j] = Math.min(max, Math.max(-max, u[j]!));
      }
    },
  };
}

/** Compose transforms left to right. The chain is affine (fusable) when every part is. */
// biome-ignore lint/suspicious/noExplicitAny: the parts of a chain have states of different types
export function chain(...parts: Transform<any>[]): Transform<{ parts: unknown[] }> {
  const allAffine = parts.every((t) => typeof t.affine === 'function');
  const t: Transform<{ parts: unknown[] }> = {
    name: `chain(${parts.map((p) => p.name).join(', ')})`,
    init: (params, backend) => ({ parts: parts.map((p) => p.init(params, backend)) }),
    update(updates, s, params, ctx) {
      for (let i = 0; i < parts.length; i++) parts[i]!.update(updates, s.parts[i], params, ctx);
    },
  };
  if (allAffine) {
    const c: Affine = { a: 1, b: 0 };
    t.affine = (clock, p, out) => {
      // Compose u -> a u + b w: a2 (a1 u + b1 w) + b2 w.
      let a = 1, b = 0;
      // Indexed: a for-of makes an iterator per call, and this runs per parameter per step.
      for (let i = 0; i < parts.length; i++) {
        if (!parts[i]!.affine!(clock, p, c)) return false;
        a = c.a * a;
        b = c.a * b + c.b;
      }
      out.a = a;
      out.b = b;
      return true;
    };
  }
  return t;
}
