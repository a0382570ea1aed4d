import { Registry } from '../../config/Registry.js';
import { parseConfig } from '../../config/parseConfig.js';
import type { Rng } from '../../tensor/Rng.js';
import type { Env } from './Env.js';
import type { EnvSpec } from './EnvSpec.js';
import { classicControlSpecs } from './classicControlSpecs.js';

/** A registry of environments by id: the classic-control ones and any `extra` (MuJoCo Ant registers here). */
export function envRegistry(extra: readonly EnvSpec[] = []): Registry<EnvSpec> {
  const r = new Registry<EnvSpec>('environment');
  for (const s of [...classicControlSpecs, ...extra]) r.register(s);
  return r;
}

/** The env `id` with `options` checked against its schema (errors name the option, the value and what is allowed). */
export async function makeEnv(registry: Registry<EnvSpec>, id: string, options: unknown = {}, rng?: Rng): Promise<Env> {
  const spec = registry.get(id);
  return spec.create(parseConfig(spec.schema, options, `environment ${id}`), rng);
}

/** As makeEnv, for envs whose factory is synchronous (classic control); throws for one that is not. */
export function makeEnvSync(registry: Registry<EnvSpec>, id: string, options: unknown = {}, rng?: Rng): Env {
  const spec = registry.get(id);
  const env = spec.create(parseConfig(spec.schema, options, `environment ${id}`), rng);
  if (env instanceof Promise) throw new Error(`environment ${id} is created asynchronously: use makeEnv`);
  return env;
}
