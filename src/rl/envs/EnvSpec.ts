import { z } from 'zod';
import type { Rng } from '../../tensor/Rng.js';
import type { Env } from './Env.js';
import type { ParamSpec } from './ParamTable.js';

/**
 * A registered environment: an id, options (zod, with defaults and one-line docs) and a factory. `create`
 * returns the env as gymnasium.make would (time limit included); it may be async (MuJoCo loads WebAssembly).
 */
export interface EnvSpec<S extends z.ZodType = z.ZodType> {
  /** The id ('CartPole-v1', 'Ant-v3'). */
  readonly name: string;
  /** One line for `supple list`. */
  readonly description: string;
  readonly schema: S;
  /** `rng` is the env's initial random stream (reset(rng) replaces it). */
  create(options: z.output<S>, rng?: Rng): Env | Promise<Env>;
}

/** A zod schema for overriding some of an env's parameters (`params: { gravity: 12 }`), built from its specs. */
export function paramsSchema(specs: Readonly<Record<string, ParamSpec>>) {
  const shape: Record<string, z.ZodOptional<z.ZodNumber>> = {};
  for (const [name, s] of Object.entries(specs)) {
    let n = z.number();
    if (s.min !== undefined) n = s.exclusive ? n.gt(s.min) : n.min(s.min);
    shape[name] = n.optional().describe(`${s.doc} (default ${s.default})`);
  }
  return z.strictObject(shape).default({}).describe('physical parameters to set (the rest keep their defaults)');
}
