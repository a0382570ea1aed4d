import { z } from 'zod';
import { Registry } from '../config/Registry.js';
import type { VectorEnvConfig } from './envs/makeVectorEnv.js';
import { cleanrlWrappers } from './envs/wrapperConfig.js';
import type { PpoConfig } from './ppoConfig.js';

/**
 * An RL benchmark: an environment (id, copies, wrappers, schedule of parameter change) and a length in env
 * steps, with options (zod: defaults and one-line docs) and the agent and probe settings it suggests.
 */
export interface RlBenchmark<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly schema: S;
  /** The vector env of a run with these options. */
  env(options: z.output<S>): VectorEnvConfig;
  /** Environment steps of the run (all copies together). */
  steps(options: z.output<S>): number;
  /** Agent settings the benchmark suggests (a preset or --set agent.<key> overrides them). */
  agentDefaults(options: z.output<S>): Partial<PpoConfig>;
  /** Probe settings it suggests (cadence in updates). */
  probeDefaults?(options: z.output<S>): Record<string, unknown>;
}

const stepsField = (n: number) => z.number().int().min(1).default(n).describe('environment steps, all copies together');
const rlProbes = (everyUpdates: number) => ({ diagnostics: ['dormantFraction', 'stableRank', 'weightMagnitude', 'updateSize'], everySteps: everyUpdates, everyTasks: 1, batchSize: 1024 });

const cartpoleSchema = z.strictObject({
  steps: stepsField(500_000),
  envs: z.number().int().min(1).default(4).describe('env copies stepped together'),
});

/** CleanRL's continuous-control settings (ppo_continuous_action.py): what differs from ppo.py's. */
export const cleanrlContinuous: Partial<PpoConfig> = { lr: 3e-4, numSteps: 2048, numMinibatches: 32, updateEpochs: 10, entCoef: 0 };

/** Dohare et al.'s PPO (Nature 2024, Methods): [256, 256] ReLU, LeCun init, lr 1e-4, 2048 steps, 10 epochs, 16 minibatches, clip 0.2. */
export const dohareAgent: Partial<PpoConfig> = {
  hidden: [256, 256], activation: 'relu', init: 'lecun-uniform', lr: 1e-4, annealLr: false, numSteps: 2048, updateEpochs: 10, numMinibatches: 16, clipCoef: 0.2, entCoef: 0,
};

const cartpole: RlBenchmark<typeof cartpoleSchema> = {
  name: 'cartpole',
  description: 'CartPole-v1 (Gymnasium dynamics, 500-step episodes), stationary; CleanRL ppo.py settings',
  schema: cartpoleSchema,
  env: (o) => ({ id: 'CartPole-v1', num: o.envs, wrappers: cleanrlWrappers(false) }),
  steps: (o) => o.steps,
  agentDefaults: () => ({}),
  probeDefaults: () => rlProbes(160),
};

const antSchema = z.strictObject({
  steps: stepsField(1_000_000),
  envs: z.number().int().min(1).default(1).describe('env copies stepped together'),
  useContactForces: z
    .boolean()
    .default(false)
    .describe("false: Gymnasium Ant-v4's default, which CleanRL runs (27-value observation, no contact cost); true: Ant-v3 (111 values, contact cost)"),
});

const ant: RlBenchmark<typeof antSchema> = {
  name: 'ant',
  description: "Ant (MuJoCo WebAssembly) as Gymnasium's Ant-v4 by default (no contact forces), stationary; CleanRL ppo_continuous_action.py settings and wrappers",
  schema: antSchema,
  // Ant-v4 = Ant-v3's dynamics, reward and termination without the contact terms (use_contact_forces=False, Gymnasium's default).
  env: (o) => ({ id: 'Ant-v3', options: { useContactForces: o.useContactForces }, num: o.envs, wrappers: cleanrlWrappers(true, 0.99) }),
  steps: (o) => o.steps,
  agentDefaults: () => cleanrlContinuous,
  probeDefaults: () => rlProbes(3200),
};

const slipperySchema = z.strictObject({
  steps: stepsField(20_000_000),
  every: z.number().int().min(1).default(2_000_000).describe('environment steps between friction changes'),
  frictionLow: z.number().gt(0).default(0.02).describe('smallest friction drawn'),
  frictionHigh: z.number().gt(0).default(2).describe('largest friction drawn'),
  envs: z.number().int().min(1).default(1).describe('env copies stepped together'),
});

const slipperyAnt: RlBenchmark<typeof slipperySchema> = {
  name: 'slippery-ant',
  description: 'Ant-v3 whose friction is redrawn log-uniform in [0.02, 2] every 2M steps, 20M steps (Dohare et al. 2024, Figs. 3-4)',
  schema: slipperySchema,
  env: (o) => ({
    id: 'Ant-v3',
    // Dohare et al. ran gym's Ant-v3 on mujoco-py 2.x, where cfrc_ext stays zero (no contact forces in observation or cost).
    options: { contactForces: 'zero' },
    num: o.envs,
    wrappers: cleanrlWrappers(true, 0.99),
    schedule: { every: o.every, changes: [{ params: 'friction', draw: { kind: 'log-uniform', low: o.frictionLow, high: o.frictionHigh } }] },
  }),
  steps: (o) => o.steps,
  agentDefaults: () => dohareAgent,
  probeDefaults: (o) => rlProbes(Math.max(160, Math.round(o.every / 2048 / 10) * 160)),
};

/** The RL benchmarks `supple run` knows (one registry, as the supervised ones). */
export const rlBenchmarkRegistry = new Registry<RlBenchmark>('RL benchmark', {
  namePattern: { pattern: /^[a-z][a-z0-9-]*$/, description: "lowercase letters, digits and '-'" },
});
for (const b of [cartpole, ant, slipperyAnt] as RlBenchmark[]) rlBenchmarkRegistry.register(b);
