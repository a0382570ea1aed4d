import { Registry } from '../../config/Registry.js';
import { parseConfig } from '../../config/parseConfig.js';
import type { Rng } from '../../tensor/Rng.js';
import type { Env } from './Env.js';
import type { EnvSpec } from './EnvSpec.js';
import { classicControlSpecs } from './classicControlSpecs.js';
import { classificationMdpSpec } from './ClassificationMdp.js';

/**
 * The environments by id (Gymnasium style, 'CartPole-v1'): the classic-control ones; MuJoCo Ant registers here
 * too. An env's options must all have defaults (checked at registration).
 */
export const environmentRegistry = new Registry<EnvSpec>('environment', {
  namePattern: { pattern: /^[A-Za-z][A-Za-z0-9_/-]*-v\d+$/, description: "a Gymnasium-style id, a name and a version: 'CartPole-v1'" },
  check: (spec) => {
    parseConfig(spec.schema, {}, `environment ${spec.name} (its default options)`);
  },
});
for (const s of classicControlSpecs) environmentRegistry.register(s);
environmentRegistry.register(classificationMdpSpec as EnvSpec);

/** Adds an environment; ids are unique. */
export function registerEnv(spec: EnvSpec): void {
  environmentRegistry.register(spec);
}

/** The env `id` with `options` checked against its schema (errors name the option, the value and what is allowed). */
export async function makeEnv(id: string, options: unknown = {}, rng?: Rng, registry: Registry<EnvSpec> = environmentRegistry): Promise<Env> {
  const spec = registry.get(id);
  return spec.create(parseConfig(spec.schema, options, `environment ${id}`), rng);
}

/** As makeEnv, for envs whose factory is synchronous (classic control); throws for one that is not. */
export function makeEnvSync(id: string, options: unknown = {}, rng?: Rng, registry: Registry<EnvSpec> = environmentRegistry): Env {
  const spec = registry.get(id);
  const env = spec.create(parseConfig(spec.schema, options, `environment ${id}`), rng);
  if (env instanceof Promise) throw new Error(`environment ${id} is created asynchronously: use makeEnv`);
  return env;
}
