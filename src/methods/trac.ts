import { z } from 'zod';
import type { Method } from '../learn/Method.js';
import { trac as tracTransform, type TracState } from '../optim/trac.js';

/** Options of trac (`method.<field>`). */
export const tracSchema = z.strictObject({
  betas: z
    .array(z.number().min(0).lt(1))
    .min(1)
    .default([0.9, 0.99, 0.999, 0.9999, 0.99999, 0.999999])
    .describe('discount factors of the tuners whose outputs are summed into the scale S'),
  sPrev: z.number().gt(0).default(1e-8).describe('s_prev: scale of the tuners\' outputs (the initial step size of the scale)'),
  eps: z.number().gt(0).default(1e-8).describe('epsilon in the tuner and in recovering Delta = (theta - theta_ref) / (S + eps)'),
  delta: z
    .enum(['stored', 'recovered'])
    .default('stored')
    .describe("stored: keep Delta (the base optimizer's summed updates) in the state, as the paper's Algorithm 1; recovered: (theta - theta_ref) / (S + eps) each step, as the reference code (stuck at theta_ref once S <= 0)"),
});
/** A validated trac configuration. */
export type TracConfig = z.output<typeof tracSchema>;

/**
 * TRAC (Muppidi, Zhang, Yang 2024, Fast TRAC: a parameter-free optimizer for lifelong reinforcement learning):
 * the run's optimizer becomes the base of a parameter-free tuner that keeps theta = theta_ref + S Delta, Delta the
 * base optimizer's summed updates and S a discounted online-learning scale (src/optim/trac.ts); when progress stops
 * correlating with the gradient, S shrinks and the parameters return toward their initialization. Defaults and
 * update as package/src/trac_optimizer/trac.py of github.com/ComputationalRobotics/TRAC (start_trac, _step), with
 * Delta stored rather than recovered from the parameters by default (`delta`): on online permuted digits with
 * batch-1 SGD the recovered form's scale fell to 0 in the first task and the parameters stayed at their init.
 * It has no strength at which it is the base optimizer. Metrics: the scale S ('method/trac/scale').
 * Cost: a copy of the gradients and two more passes over the parameters per update; no fused SGD.
 */
export const trac: Method<typeof tracSchema> = {
  name: 'trac',
  description: 'TRAC: a parameter-free scale tuner around the optimizer that pulls the weights toward their init (Muppidi et al. 2024)',
  reference: 'Muppidi, Zhang, Yang. Fast TRAC: A Parameter-Free Optimizer for Lifelong Reinforcement Learning. NeurIPS 2024',
  schema: tracSchema,
  create(c, { learner }) {
    learner.wrapOptimizer((inner) => tracTransform(inner, { betas: c.betas, sPrev: c.sPrev, eps: c.eps, delta: c.delta }));
    return {
      state: {},
      metrics() {
        const st = learner.optState as TracState;
        let S = 0;
        for (const v of st.s) S += v;
        return { 'method/trac/scale': Math.max(S, 0) };
      },
    };
  },
};
