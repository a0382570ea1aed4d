import { z } from 'zod';
import type { Rng } from '../../tensor/Rng.js';
import { Acrobot, acrobotParamSpecs } from './Acrobot.js';
import { CartPole, cartPoleParamSpecs } from './CartPole.js';
import type { ClassicControlEnv } from './ClassicControlEnv.js';
import type { Env } from './Env.js';
import { paramsSchema, type EnvSpec } from './EnvSpec.js';
import { MountainCar, mountainCarParamSpecs } from './MountainCar.js';
import type { ParamSpec } from './ParamTable.js';
import { Pendulum, pendulumParamSpecs } from './Pendulum.js';
import { TimeLimit } from './TimeLimit.js';

const maxSteps = (n: number) => z.number().int().min(1).default(n).describe(`time limit in steps (TimeLimit, as gymnasium.make; ${n} for this id)`);

/**
 * Validates the options of 'CartPole-v1': the time limit (500 steps), Gymnasium's sutton_barto_reward, and physical
 * parameters to override (each checked against its bound).
 */
export const cartPoleOptionsSchema = z.strictObject({
  maxEpisodeSteps: maxSteps(500),
  suttonBartoReward: z.boolean().default(false).describe("Gymnasium's sutton_barto_reward: 0 per step and -1 at termination instead of 1 per step"),
  params: paramsSchema(cartPoleParamSpecs),
});
/** Validates the options of 'Acrobot-v1': the time limit (500 steps) and physical parameters to override. */
export const acrobotOptionsSchema = z.strictObject({ maxEpisodeSteps: maxSteps(500), params: paramsSchema(acrobotParamSpecs) });
/**
 * Validates the options of 'MountainCar-v0': the time limit (200 steps), Gymnasium's goal_velocity, and physical
 * parameters to override.
 */
export const mountainCarOptionsSchema = z.strictObject({
  maxEpisodeSteps: maxSteps(200),
  goalVelocity: z.number().default(0).describe("Gymnasium's goal_velocity: the episode ends at position >= 0.5 with velocity >= this"),
  params: paramsSchema(mountainCarParamSpecs),
});
/** Validates the options of 'Pendulum-v1': the time limit (200 steps) and physical parameters to override. */
export const pendulumOptionsSchema = z.strictObject({ maxEpisodeSteps: maxSteps(200), params: paramsSchema(pendulumParamSpecs) });

function build(env: ClassicControlEnv<string>, o: { maxEpisodeSteps: number; params: Record<string, number | undefined> }): Env {
  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries(o.params)) if (v !== undefined) params[k] = v;
  env.setParams(params);
  return new TimeLimit(env, o.maxEpisodeSteps);
}

const describe = (what: string, specs: Readonly<Record<string, ParamSpec>>) => `${what}; parameters ${Object.keys(specs).join(', ')}`;

/** The four classic-control environments with Gymnasium's ids and time limits. */
export const classicControlSpecs: readonly EnvSpec[] = [
  {
    name: 'CartPole-v1',
    description: describe('balance a pole on a cart (Gymnasium dynamics, 500 steps, discrete 2)', cartPoleParamSpecs),
    schema: cartPoleOptionsSchema,
    create: (o: z.output<typeof cartPoleOptionsSchema>, rng?: Rng) => build(new CartPole(rng, o.suttonBartoReward), o),
  },
  {
    name: 'Acrobot-v1',
    description: describe('swing a two-link arm up (Gymnasium book dynamics, RK4, 500 steps, discrete 3)', acrobotParamSpecs),
    schema: acrobotOptionsSchema,
    create: (o: z.output<typeof acrobotOptionsSchema>, rng?: Rng) => build(new Acrobot(rng), o),
  },
  {
    name: 'MountainCar-v0',
    description: describe('drive an underpowered car up a hill (200 steps, discrete 3)', mountainCarParamSpecs),
    schema: mountainCarOptionsSchema,
    create: (o: z.output<typeof mountainCarOptionsSchema>, rng?: Rng) => build(new MountainCar(rng, o.goalVelocity), o),
  },
  {
    name: 'Pendulum-v1',
    description: describe('swing a pendulum up and hold it (200 steps, continuous torque)', pendulumParamSpecs),
    schema: pendulumOptionsSchema,
    create: (o: z.output<typeof pendulumOptionsSchema>, rng?: Rng) => build(new Pendulum(rng), o),
  },
] as EnvSpec[];
