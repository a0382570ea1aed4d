import { z } from 'zod';
import { antV3Spec, type AntOptions } from './AntEnv.js';

const range = (lo: number, hi: number, what: string) =>
  z
    .tuple([z.number(), z.number()])
    .refine(([a, b]) => a <= b, { message: 'the low end is above the high end' })
    .default([lo, hi])
    .describe(what);

/**
 * Ant-v3's options as config (zod; every one has gym's default and a one-line doc), for an environment registry:
 * `create` is `makeAnt(options, rng)` wrapped in a TimeLimit of `maxEpisodeSteps`.
 */
export const antOptionsSchema = z.strictObject({
  maxEpisodeSteps: z.number().int().min(1).default(antV3Spec.maxEpisodeSteps).describe('time limit in steps (TimeLimit, as gym.make; 1000 for Ant-v3)'),
  ctrlCostWeight: z.number().min(0).default(0.5).describe('weight of the control cost sum(a^2)'),
  contactCostWeight: z.number().min(0).default(5e-4).describe('weight of the contact cost sum(clip(cfrc_ext)^2)'),
  healthyReward: z.number().default(1).describe('reward per step while healthy'),
  terminateWhenUnhealthy: z.boolean().default(true).describe('end the episode when the torso z leaves healthyZRange or the state is not finite'),
  healthyZRange: range(0.2, 1.0, 'healthy torso heights [low, high] (closed)'),
  contactForceRange: range(-1, 1, 'clip range of cfrc_ext in the observation and the contact cost'),
  resetNoiseScale: z.number().min(0).default(0.1).describe('reset noise: U(-s, s) on qpos, s * N(0, 1) on qvel'),
  excludeCurrentPositionsFromObservation: z.boolean().default(true).describe('leave the torso x, y out of the observation (111 values, else 113)'),
  frameSkip: z.number().int().min(1).default(5).describe('physics steps (0.01 s, RK4) per env step'),
  contactForces: z
    .enum(['post-constraint', 'zero'])
    .default('post-constraint')
    .describe("cfrc_ext from mj_rnePostConstraint (Ant-v3 as defined, Gymnasium v4/v5) or 'zero' (gym on mujoco-py 2.x, the slippery-Ant paper)"),
  useContactForces: z
    .boolean()
    .default(true)
    .describe("contact forces in the observation (111 values) and the contact cost (Ant-v3); false: Gymnasium Ant-v4's default (27 values, no contact cost; CleanRL's Ant-v4)"),
  params: z
    .strictObject({
      friction: z.number().gt(0).optional().describe('sliding friction of every geom (default 1)'),
      gravity: z.number().optional().describe('gravity magnitude, m/s^2 (default 9.81)'),
    })
    .default({})
    .describe('physical parameters to set (the rest keep their defaults)'),
});

/** Parsed Ant-v3 options. */
export type AntConfig = z.output<typeof antOptionsSchema>;

/** The AntEnv options of a parsed config (unset parameters left out; the time limit is the wrapper's). */
export function antOptions(config: AntConfig): AntOptions {
  const { maxEpisodeSteps: _limit, params, ...rest } = config;
  const set: Record<string, number> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) set[k] = v;
  return { ...rest, params: set };
}
