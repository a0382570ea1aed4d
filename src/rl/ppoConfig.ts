import { z } from 'zod';

/** Network initializations: CleanRL's orthogonal layer_init, or a supple scheme (Dohare et al. use LeCun uniform). */
export const ppoInits = ['orthogonal', 'lecun-uniform', 'lecun-normal', 'kaiming-uniform', 'xavier-uniform', 'torch-default'] as const;

/**
 * PPO's options, with CleanRL ppo.py's defaults (the discrete agent); the continuous presets override what
 * ppo_continuous_action.py sets differently. One-line docs are the CLI's `--set agent.<key>` help.
 */
export const ppoSchema = z.strictObject({
  hidden: z.array(z.number().int().min(1)).default([64, 64]).describe('hidden widths of both the policy and the value MLP'),
  activation: z.enum(['tanh', 'relu']).default('tanh').describe('hidden activation (CleanRL: tanh; Dohare et al.: relu)'),
  init: z.enum(ppoInits).default('orthogonal').describe("weight init: 'orthogonal' (CleanRL: gain sqrt 2, policy head 0.01, value head 1; zero biases) or a supple scheme with zero biases"),
  lr: z.number().gt(0).default(2.5e-4).describe('Adam learning rate (both nets)'),
  annealLr: z.boolean().default(true).describe('decay the learning rate linearly to 0 over the run (per rollout, as CleanRL)'),
  adamB1: z.number().min(0).lt(1).default(0.9).describe("Adam's beta1"),
  adamB2: z.number().min(0).lt(1).default(0.999).describe("Adam's beta2"),
  adamEps: z.number().min(0).default(1e-5).describe("Adam's epsilon (CleanRL: 1e-5)"),
  weightDecay: z.number().min(0).default(0).describe('L2 added to the gradients inside Adam after clipping (torch Adam weight_decay)'),
  numSteps: z.number().int().min(1).default(128).describe('steps per env per rollout'),
  gamma: z.number().min(0).max(1).default(0.99).describe('discount'),
  gaeLambda: z.number().min(0).max(1).default(0.95).describe('GAE lambda'),
  numMinibatches: z.number().int().min(1).default(4).describe('minibatches per epoch'),
  updateEpochs: z.number().int().min(1).default(4).describe('epochs over each rollout'),
  normAdv: z.boolean().default(true).describe('normalize advantages per minibatch'),
  clipCoef: z.number().gt(0).default(0.2).describe('surrogate clipping'),
  clipVloss: z.boolean().default(true).describe('clip the value loss around the old values (same coefficient)'),
  entCoef: z.number().min(0).default(0.01).describe('entropy bonus'),
  vfCoef: z.number().min(0).default(0.5).describe('value loss coefficient'),
  maxGradNorm: z.number().gt(0).default(0.5).describe('gradient-norm clipping: one global norm over both nets and the log-std (CleanRL)'),
  targetKl: z.number().gt(0).nullable().default(null).describe('stop the epochs of a rollout once approx-KL exceeds this (null: never)'),
  initialLogStd: z.number().default(0).describe('initial log standard deviation of a continuous policy'),
});
/**
 * Validated PPO options (the output of {@link ppoSchema}, CleanRL's defaults filled in): networks, Adam, rollout
 * length, GAE, minibatches, clipping and loss coefficients.
 */
export type PpoConfig = z.output<typeof ppoSchema>;
