import { z } from 'zod';
import type { Rng } from '../tensor/Rng.js';
import type { EnvSpec } from './envs/EnvSpec.js';
import { makeAnt } from './envs/ant/AntEnv.js';
import { TimeLimit } from './envs/TimeLimit.js';

/** Ant-v3's registry options: gym's time limit and the parameters a run may start from. */
export const antOptionsSchema = z.strictObject({
  maxEpisodeSteps: z.number().int().min(1).default(1000).describe('time limit in steps (gym registers Ant-v3 with 1000)'),
  params: z
    .strictObject({
      friction: z.number().gt(0).optional().describe('sliding friction of every geom (default 1, the XML)'),
      gravity: z.number().gt(0).optional().describe('gravity, m/s^2 (default 9.81)'),
    })
    .default({})
    .describe('physical parameters to set (the rest keep their defaults)'),
});

/**
 * Ant-v3 (MuJoCo WebAssembly) as a registry entry, time limit included as gym.make gives it. A minimal spec
 * kept beside the agent until the env layer registers Ant itself.
 */
export const antEnvSpec: EnvSpec<typeof antOptionsSchema> = {
  name: 'Ant-v3',
  description: "gym's Ant-v3 on MuJoCo (WebAssembly): a four-legged walker, 27 observations, 8 torques, 1000 steps; parameters friction, gravity",
  schema: antOptionsSchema,
  async create(o, _rng?: Rng) {
    const params: Record<string, number> = {};
    for (const [k, v] of Object.entries(o.params)) if (v !== undefined) params[k] = v;
    const env = await makeAnt({ params });
    return new TimeLimit(env, o.maxEpisodeSteps);
  },
};
