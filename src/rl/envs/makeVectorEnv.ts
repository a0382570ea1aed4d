import { z } from 'zod';
import type { Registry } from '../../config/Registry.js';
import { parseConfig } from '../../config/parseConfig.js';
import type { Rng } from '../../tensor/Rng.js';
import type { EnvSpec } from './EnvSpec.js';
import { ParamSchedule, paramScheduleSchema } from './ParamSchedule.js';
import { SyncVectorEnv } from './SyncVectorEnv.js';
import { applyWrappers, wrapperConfigSchema } from './wrapperConfig.js';
import { environmentRegistry, makeEnv } from './envRegistry.js';

/** The environment part of an RL run's config: which env, how many copies, wrappers per copy, a schedule of change. */
export const vectorEnvConfigSchema = z.strictObject({
  id: z.string().describe("registered environment id ('CartPole-v1')"),
  options: z.record(z.string(), z.unknown()).default({}).describe("the env's options (checked against its schema)"),
  num: z.number().int().min(1).default(1).describe('copies stepped together'),
  wrappers: z.array(wrapperConfigSchema).default([]).describe('wrappers around each copy, innermost first'),
  schedule: paramScheduleSchema.optional().describe('parameter changes applied to all copies every so many steps'),
});
/**
 * The environment part of an RL run's config as given, before defaults (the input of {@link vectorEnvConfigSchema}).
 */
export type VectorEnvConfig = z.input<typeof vectorEnvConfigSchema>;

/**
 * A SyncVectorEnv from config: copy i is made with rng.split('env').split(i) as its initial stream, wrapped per
 * `wrappers`; the schedule draws from rng.split('schedule'). Reset it with a seed stream before stepping.
 */
export async function makeVectorEnv(config: VectorEnvConfig, rng: Rng, registry: Registry<EnvSpec> = environmentRegistry): Promise<SyncVectorEnv> {
  const c = parseConfig(vectorEnvConfigSchema, config, 'env');
  const envRng = rng.split('env');
  const envs = [];
  for (let i = 0; i < c.num; i++) envs.push(applyWrappers(await makeEnv(c.id, c.options, envRng.split(i), registry), c.wrappers));
  return new SyncVectorEnv(envs, c.schedule ? new ParamSchedule(c.schedule, rng.split('schedule')) : null);
}
