import type { FloatArray } from '../tensor/FloatArray.js';
import { ParamSlots } from '../nn/Slots.js';
import type { Rng } from '../tensor/Rng.js';
import type { Transform } from './Transform.js';

/** The state of UPGD's gradient transform. */
export interface UtilityPerturbationState {
  /** The running average of each weight's first-order utility -g w (reset to 0 for reinitialized entries). */
  readonly utility: ParamSlots;
  /** Updates so far (the utility's bias correction 1 - beta^t). */
  steps: number;
}

/** Options of UPGD's gradient transform. */
export interface UtilityPerturbationOptions {
  /** beta_u: decay of the utility's running average. */
  readonly betaUtility: number;
  /** sigma: standard deviation of the Gaussian perturbation. */
  readonly sigma: number;
  /** true: (g + xi)(1 - u) (UPGD, the utility protects useful weights from the gradient too); false: g + xi (1 - u). */
  readonly protect: boolean;
  /** Noise source: the draws of update t come from rng.split(t), so they need no state of their own. */
  readonly rng: Rng;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * The gradient side of UPGD (Elsayed & Mahmood 2024, utility-based perturbed gradient descent) as a transform
 * to put before plain SGD: with the first-order utility u = -g w averaged as U <- beta_u U + (1 - beta_u) u,
 * the scaled utility s = sigmoid((U / (1 - beta_u^t)) / max U) (max over every weight of the network, of the
 * averages before bias correction) and a perturbation xi ~ N(0, sigma^2) per weight, the gradient becomes
 * (g + xi)(1 - s) (protect) or g + xi (1 - s) (the non-protecting variant). Followed by SGD with learning rate
 * lr and weight decay wd this is the reference update w <- (1 - lr wd) w - lr (g + xi)(1 - s). Where max U is 0
 * (no weight has positive utility yet) the scaled utility is taken as sigmoid(0) = 1/2 in place of the
 * reference's 0/0. Utilities are parameter-shaped slots: a reinitialized unit's entries restart at 0.
 */
export function utilityPerturbation(opts: UtilityPerturbationOptions): Transform<UtilityPerturbationState> {
  const { betaUtility: beta, sigma, protect, rng } = opts;
  if (!(beta >= 0 && beta < 1)) throw new Error(`upgd.betaUtility: ${beta} is not allowed; 0 <= betaUtility < 1`);
  if (!(sigma >= 0)) throw new Error(`upgd.sigma: ${sigma} is not allowed; sigma >= 0`);
  let noise: FloatArray | null = null;
  return {
    name: protect ? 'upgd' : 'upgdNonprotecting',
    init: (params, backend) => ({
      utility: new ParamSlots(
        'upgd.utility',
        params.map((p) => (p.trainable ? backend.alloc(p.data.length) : null)),
        0,
      ),
      steps: 0,
    }),
    update(updates, s, params, ctx) {
      const { backend } = ctx;
      s.steps++;
      let max = -Infinity;
      for (let i = 0; i < params.length; i++) {
        const p = params[i]!;
        const U = s.utility.arrays[i];
        if (!p.trainable || !U) continue;
        const g = updates[i]!, w = p.data;
        for (let j = 0; j < U.length; j++) {
          const v = beta * U[j]! + (1 - beta) * -g[j]! * w[j]!;
          U[j] = v;
          if (v > max) max = v;
        }
      }
      const correction = 1 - beta ** s.steps;
      const stepRng = rng.split(ctx.step);
      for (let i = 0; i < params.length; i++) {
        const p = params[i]!;
        const U = s.utility.arrays[i];
        if (!p.trainable || !U) continue;
        const g = updates[i]!;
        if (!noise || noise.length < U.length) {
          if (noise) backend.free(noise);
          noise = backend.alloc(U.length);
        }
        const xi = noise.subarray(0, U.length);
        backend.fill(xi, 0);
        if (sigma > 0) {
          const r = stepRng.split(i);
          backend.addNormal(xi, sigma, [r.nextU32(), r.nextU32(), r.nextU32(), r.nextU32()]);
        }
        for (let j = 0; j < U.length; j++) {
          const gate = 1 - (max === 0 ? 0.5 : sigmoid(U[j]! / correction / max));
          g[j] = protect ? (g[j]! + xi[j]!) * gate : g[j]! + xi[j]! * gate;
        }
      }
    },
  };
}
