import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseConfig } from '../config/parseConfig.js';
import { sweepSchema } from './sweep.js';

/**
 * A run's config file (`supple run --config FILE.yaml|json`): a sweep file's base (benchmark, preset, methods,
 * set, backend, dataDir) plus the seed, the preset's condition, a label and the run folder. Flags given with it
 * win: a benchmark argument, --method, --seed; --set adds to and overrides `set`.
 */
export const runFileSchema = sweepSchema
  .pick({ benchmark: true, preset: true, methods: true, set: true, backend: true, dataDir: true, datasets: true })
  .extend({
    condition: z.string().optional().describe("one condition of the preset (its label)"),
    seed: z.number().int().min(0).optional().describe('random seed'),
    label: z.string().optional().describe('a name for the run in reports'),
    out: z.string().optional().describe('run folder'),
  })
  .strict();
/**
 * A validated run config file (the output of {@link runFileSchema}): benchmark or preset, methods, settings, backend,
 * data, seed, condition, label and run folder.
 */
export type RunFile = z.output<typeof runFileSchema>;

/** Read and validate a run config file (JSON by extension, else YAML); errors name the file and the keys. */
export function readRunFile(path: string): RunFile {
  if (!existsSync(path)) throw new Error(`--config ${path}: the file does not exist`);
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new Error(`--config ${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  return parseConfig(runFileSchema, raw ?? {}, `config file ${path}`);
}
