import { z } from 'zod';
import type { LinearRegularizer } from '../learn/LinearRegularizer.js';
import type { Param } from '../nn/Param.js';
import type { Method } from '../learn/Method.js';

export const l2Schema = z.strictObject({
  coef: z.number().min(0).default(1e-4).describe('weight decay: gradient += coef * theta (PyTorch SGD weight_decay; loss += coef / 2 * |theta|^2)'),
  include: z.enum(['all', 'weights']).default('all').describe('all parameters (as PyTorch weight_decay: biases and norm gains too) or weights only'),
});
export type L2Config = z.output<typeof l2Schema>;

/** The parameters a regularizer of these methods applies to. */
export function includeFilter(include: 'all' | 'weights'): ((p: Param) => boolean) | undefined {
  return include === 'weights' ? (p) => p.role === 'weight' : undefined;
}

/**
 * L2 regularization (weight decay) as a linear regularizer that the learner applies from the method's creation
 * on: it folds into the update exactly, fused into backward for plain SGD, or added to the gradient before any
 * other optimizer (as torch.optim's weight_decay).
 */
export const l2: Method<typeof l2Schema> = {
  name: 'l2',
  description: 'L2 regularization: weight decay added to the gradient',
  schema: l2Schema,
  create(c, { learner }) {
    const filter = includeFilter(c.include);
    const reg: LinearRegularizer = { coef: c.coef, ...(filter ? { appliesTo: filter } : {}) };
    learner.addRegularizer(reg);
    return { state: {} };
  },
};
