import { z } from 'zod';
import type { Edit } from '../nn/Edit.js';
import type { InitSpec } from '../nn/init.js';
import type { Model } from '../nn/Model.js';
import { rowSizeOf, type Param } from '../nn/Param.js';
import type { Method } from '../learn/Method.js';
import { noEdits } from './taskEvents.js';

/** Options of weight-clipping (`method.<field>`). */
export const weightClippingSchema = z.strictObject({
  kappa: z.number().gt(0).default(1).describe('kappa: after every update each value is clipped to [-kappa s, kappa s], s its init bound (reference code default 1)'),
  bound: z
    .enum(['init', 'fan-in'])
    .default('init')
    .describe("s: 'init' the bound of the parameter's own uniform init (normal init: sqrt(3) std, the uniform of equal variance; constant-init biases: 1/sqrt(fan_in)); 'fan-in' 1/sqrt(fan_in) for weights and biases, as the reference code's InitBounds"),
});
/** A validated weight-clipping configuration. */
export type WeightClippingConfig = z.output<typeof weightClippingSchema>;

/** What weight-clipping counts (checkpointed). */
export interface WeightClippingState {
  /** Values clipped so far (summed over updates). */
  clipped: number;
  /** Updates after which something was clipped. */
  updates: number;
}

/** fan_in of the layer a parameter belongs to: the row size of its weight (inputs x kernel area). */
function fanInOf(model: Model, p: Param): number {
  if (p.role === 'weight') return rowSizeOf(p);
  const name = p.name.replace(/\.[^.]+$/, '.weight');
  const w = model.params.find((q) => q.name === name);
  if (!w) throw new Error(`method weight-clipping: parameter '${p.name}' has no weight '${name}' to take fan_in from; use bound 'init' with a uniform init`);
  return rowSizeOf(w);
}

/** The clipping bound s of a parameter (before kappa). */
export function clipBound(model: Model, p: Param, bound: WeightClippingConfig['bound']): number {
  const init: InitSpec = p.init;
  if (bound === 'fan-in') return 1 / Math.sqrt(fanInOf(model, p));
  if (init.dist === 'uniform') return init.bound;
  if (init.dist === 'normal') return Math.sqrt(3) * init.std;
  return 1 / Math.sqrt(fanInOf(model, p));
}

/**
 * Weight clipping (Elsayed, Lan, Lyle, Mahmood 2024): after every optimizer step, clip each weight and bias to
 * [-kappa s, kappa s] with s the bound of its initialization distribution, so no weight grows far beyond its
 * initial scale. The reference code (github.com/mohmdelsayed/weight-clipping, README.md's WeightClippingSGD and
 * core/optim/weight_clipping.py) clamps every parameter after the wrapped optimizer's step with s = 1/sqrt(fan_in),
 * the bound of PyTorch's default init for weights and biases (supple's default init too, so 'init' and 'fan-in'
 * agree there), kappa = 1 by default. Normalization gains and shifts are not clipped here (their init is the
 * constant 1 or 0, which has no bound). Parameters are those trainable when the method is created.
 * Cost: one pass over the weights and biases after every update (a second one where something is clipped).
 */
export const weightClipping: Method<typeof weightClippingSchema> = {
  name: 'weight-clipping',
  description: 'clip each weight to kappa times its init bound after every update (Elsayed et al. 2024)',
  reference: 'Elsayed, Lan, Lyle, Mahmood. Weight Clipping for Deep Continual and Reinforcement Learning. RLC 2024',
  schema: weightClippingSchema,
  create(c, { model }) {
    const params = model.params.filter((p) => p.trainable && (p.role === 'weight' || p.role === 'bias'));
    const bounds = params.map((p) => c.kappa * clipBound(model, p, c.bound));
    const state: WeightClippingState = { clipped: 0, updates: 0 };
    return {
      state,
      afterUpdate() {
        // Only the parameters with a value out of bounds go into the edit (often few once training settles).
        let n = 0;
        const names: string[] = [], over: number[] = [];
        for (let k = 0; k < params.length; k++) {
          const b = bounds[k]!;
          const d = params[k]!.data;
          let m = 0;
          for (let i = 0; i < d.length; i++) if (d[i]! > b || d[i]! < -b) m++;
          if (m === 0) continue;
          n += m;
          names.push(params[k]!.name);
          over.push(b);
        }
        if (n === 0) return noEdits;
        state.clipped += n;
        state.updates++;
        const edit: Edit = { kind: 'clipParams', params: names, bounds: over, routine: true, reason: 'weight-clipping' };
        return [edit];
      },
      metrics: () => ({ 'method/weightClipping/clipped': state.clipped, 'method/weightClipping/updates': state.updates }),
    };
  },
};
