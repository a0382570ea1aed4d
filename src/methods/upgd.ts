import { z } from 'zod';
import type { Method } from '../learn/Method.js';
import { chain } from '../optim/transforms.js';
import { utilityPerturbation } from '../optim/utilityPerturbation.js';

/** Options of upgd (`method.<field>`). */
export const upgdSchema = z.strictObject({
  variant: z
    .enum(['protecting', 'non-protecting'])
    .default('protecting')
    .describe('protecting: w -= lr (g + xi)(1 - s) (UPGD); non-protecting: w -= lr (g + xi (1 - s)) (only the noise is gated)'),
  sigma: z.number().min(0).default(0.001).describe('sigma: standard deviation of the Gaussian perturbation xi per weight and update'),
  betaUtility: z.number().min(0).lt(1).default(0.999).describe('beta_u: decay of the running average of the utility -g w'),
});
/** A validated upgd configuration. */
export type UpgdConfig = z.output<typeof upgdSchema>;

/** What upgd keeps itself (the utilities live in the optimizer state). */
export interface UpgdState {
  /** True when the optimizer was wrapped (its state, parts[0], holds the utilities). */
  readonly wrapped: boolean;
}

/**
 * UPGD (Elsayed & Mahmood 2024, utility-based perturbed gradient descent): each weight's utility, a running
 * average of -g w (the first-order estimate of the loss increase were the weight removed), scaled to
 * s = sigmoid(U_hat / max U) over the whole network, gates both the gradient and a Gaussian perturbation:
 * w <- w - lr (g + xi)(1 - s). Useful weights (s near 1) are protected from change (against forgetting);
 * useless ones (s near 0) get the gradient and fresh noise (against loss of plasticity). The non-protecting
 * variant gates only the noise. Implemented as a gradient transform put before the run's optimizer
 * (src/optim/utilityPerturbation.ts): with `optimizer.name = sgd` this is the reference update, and
 * `optimizer.weightDecay` plays the reference's weight decay (its default there is 0.001). Defaults: sigma = 0.001,
 * beta_u = 0.999 as the reference class UPGD in github.com/mohmdelsayed/weight-clipping core/optim/upgd.py
 * (checked against core/optim/weight/upgd/first_order.py of github.com/mohmdelsayed/upgd, FirstOrderUPGDv2NormalMax
 * (protecting) and FirstOrderUPGDv1NormalMax (non-protecting)). With sigma = 0 and the non-protecting variant
 * the update is the optimizer's own, and the optimizer is left as it is.
 * Cost: two passes over the parameters and a normal draw per weight at every update; no fused SGD.
 */
export const upgd: Method<typeof upgdSchema> = {
  name: 'upgd',
  description: 'utility-based perturbed gradient descent: gate gradient and noise by each weight\'s utility (Elsayed & Mahmood 2024)',
  reference: 'Elsayed, Mahmood. Addressing Loss of Plasticity and Catastrophic Forgetting in Continual Learning. ICLR 2024',
  schema: upgdSchema,
  create(c, { learner, rng }) {
    const protect = c.variant === 'protecting';
    const wrapped = protect || c.sigma > 0;
    if (wrapped) learner.wrapOptimizer((inner) => chain(utilityPerturbation({ betaUtility: c.betaUtility, sigma: c.sigma, protect, rng: rng.split('noise') }), inner));
    const state: UpgdState = { wrapped };
    return { state };
  },
};
