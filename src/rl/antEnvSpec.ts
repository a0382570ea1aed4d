import type { EnvSpec } from './envs/EnvSpec.js';
import { makeAnt } from './envs/ant/AntEnv.js';
import { antOptions, antOptionsSchema } from './envs/ant/antOptionsSchema.js';
import { environmentRegistry } from './envs/envRegistry.js';
import { TimeLimit } from './envs/TimeLimit.js';

/**
 * Ant-v3 (MuJoCo WebAssembly) as an environment registry entry, time limit included as gym.make gives it, with
 * the env layer's options schema. A stand-in kept beside the agent until the env layer registers Ant itself.
 */
export const antEnvSpec: EnvSpec<typeof antOptionsSchema> = {
  name: 'Ant-v3',
  description: "gym's Ant-v3 on MuJoCo (WebAssembly): a four-legged walker, 8 torques, 1000 steps; parameters friction, gravity",
  schema: antOptionsSchema,
  async create(o, rng) {
    return new TimeLimit(await makeAnt(antOptions(o), rng), o.maxEpisodeSteps);
  },
};

/** Registers Ant-v3 in the shared environment registry unless something registered it already. */
export function ensureAntRegistered(): void {
  if (!environmentRegistry.has('Ant-v3')) environmentRegistry.register(antEnvSpec);
}
