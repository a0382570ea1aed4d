import { z } from 'zod';
import type { LinearRegularizer } from '../learn/LinearRegularizer.js';
import { ParamSlots } from '../nn/Slots.js';
import type { Method } from '../learn/Method.js';
import { includeFilter } from './l2.js';

export const l2InitSchema = z.strictObject({
  coef: z.number().min(0).default(1e-3).describe('lambda: loss += lambda * |theta - theta_0|^2 (gradient 2 lambda (theta - theta_0))'),
  include: z.enum(['all', 'weights']).default('all').describe('all parameters or weights only'),
});
export type L2InitConfig = z.output<typeof l2InitSchema>;

export interface L2InitState {
  /** theta_0. A reinitialized unit's entries follow its new initial values (reset 'param'). */
  readonly anchor: ParamSlots;
}

/**
 * L2-Init (Kumar et al. 2023, regenerative regularization): loss += lambda * |theta - theta_0|^2, a linear
 * regularizer with coefficient 2 lambda and anchor theta_0 (exact inside fused SGD too).
 */
export const l2Init: Method<typeof l2InitSchema> = {
  name: 'l2-init',
  description: 'L2-Init: regularize toward the initial parameters (Kumar et al. 2023)',
  reference: 'Kumar, Marklund, Van Roy. Maintaining Plasticity in Continual Learning via Regenerative Regularization. CoLLAs 2024',
  schema: l2InitSchema,
  create(c, { model, learner }) {
    const anchor = new ParamSlots(
      'l2Init.anchor',
      model.params.map((p) => {
        const a = model.backend.alloc(p.data.length);
        a.set(p.data);
        return a;
      }),
      'param',
    );
    const filter = includeFilter(c.include);
    const reg: LinearRegularizer = { coef: 2 * c.coef, anchor: anchor.arrays, ...(filter ? { appliesTo: filter } : {}) };
    const state: L2InitState = { anchor };
    learner.addRegularizer(reg);
    return { state };
  },
};
