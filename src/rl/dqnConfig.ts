import { z } from 'zod';
import { weightInitSchemes } from '../nn/init.js';
import { valueHeadSchema } from '../losses/valueHead.js';
import { spectralNormModes } from '../nn/models/mlp.js';

/** Where the agent's data comes from: its own epsilon-greedy policy (CleanRL), uniform actions, or the env's expert. */
export const dqnBehaviors = ['epsilon-greedy', 'uniform', 'expert'] as const;

/**
 * DQN's options, with CleanRL dqn.py's defaults (CartPole-v1: 120-84 ReLU Q-network with torch's default
 * init, Adam lr 2.5e-4, buffer 10k, gamma 0.99, hard target update (tau 1) every 500 steps, batch 128,
 * epsilon 1 -> 0.05 over half the run, learning from step 10k, a train step every 10 steps, MSE). One-line
 * docs are the CLI's `--set agent.<key>` help.
 */
export const dqnSchema = z.strictObject({
  hidden: z.array(z.number().int().min(1)).default([120, 84]).describe('hidden widths of the Q-network'),
  activation: z.enum(['relu', 'tanh']).default('relu').describe('hidden activation'),
  init: z.enum(weightInitSchemes).default('torch-default').describe("weight init (CleanRL: torch's nn.Linear default, as are the biases)"),
  layerNorm: z.boolean().default(false).describe('LayerNorm after each hidden linear layer (Lyle et al. 2023)'),
  spectralNorm: z.enum(spectralNormModes).default('none').describe("spectral normalization (Miyato et al. 2018) of none, all, hidden (every hidden layer, the output layer free) or the penultimate layer's weights"),
  lr: z.number().gt(0).default(2.5e-4).describe('Adam learning rate'),
  adamB1: z.number().min(0).lt(1).default(0.9).describe("Adam's beta1"),
  adamB2: z.number().min(0).lt(1).default(0.999).describe("Adam's beta2"),
  adamEps: z.number().min(0).default(1e-8).describe("Adam's epsilon (torch default 1e-8)"),
  weightDecay: z.number().min(0).default(0).describe('L2 added to the gradients inside Adam (torch Adam weight_decay)'),
  maxGradNorm: z.number().gt(0).nullable().default(null).describe('global gradient-norm clipping (null: none, as CleanRL dqn.py)'),
  bufferSize: z.number().int().min(1).default(10_000).describe('replay buffer capacity (transitions)'),
  gamma: z.number().min(0).max(1).default(0.99).describe('discount'),
  tau: z.number().gt(0).max(1).default(1).describe('target update rate: 1 copies (hard update), < 1 is Polyak averaging'),
  targetNetworkFrequency: z.number().int().min(1).default(500).describe('steps between target network updates'),
  batchSize: z.number().int().min(1).default(128).describe('transitions per train step'),
  startE: z.number().min(0).max(1).default(1).describe('initial epsilon'),
  endE: z.number().min(0).max(1).default(0.05).describe('final epsilon'),
  explorationFraction: z.number().gt(0).max(1).default(0.5).describe('fraction of the run over which epsilon decays linearly'),
  learningStarts: z.number().int().min(0).default(10_000).describe('steps before training starts (the buffer fills first)'),
  trainFrequency: z.number().int().min(1).default(10).describe('steps between train steps'),
  loss: z.enum(['mse', 'huber']).default('mse').describe("scalar head's TD loss: torch's mse_loss (CleanRL) or smooth_l1 with delta 1 (Nature DQN)"),
  doubleDqn: z.boolean().default(false).describe('double DQN: the online net picks the next action, the target net values it'),
  nSteps: z.number().int().min(1).max(255).default(1).describe('n-step returns (1: one-step Q-learning)'),
  valueHead: valueHeadSchema.default({ kind: 'scalar', bins: 51, min: -10, max: 10, sigmaRatio: 0.75 }).describe('scalar Q-values, or categorical (two-hot, HL-Gauss) with cross-entropy'),
  boundaryEveryTargetUpdates: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('treat every k-th target update as a task boundary for the methods (head-reset, shrink-perturb act there; 0: only env changes)'),
  behavior: z.enum(dqnBehaviors).default('epsilon-greedy').describe("data collection: the agent's epsilon-greedy policy, uniform actions, or the env's expert (classification-mdp)"),
});
/** DQN's parsed options. */
export type DqnConfig = z.output<typeof dqnSchema>;
