import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../config/parseConfig.js';
import type { Catalog, RunConfig, RunRequest } from './runConfig.js';
import { resolveRunConfig } from './runConfig.js';
import { resolveRlRunConfig, type RlRunConfig } from './runRl.js';
import { rlBenchmarkRegistry } from '../rl/rlBenchmarks.js';
import { methodTarget } from './methodSettings.js';
import { presetBenchmark } from './Preset.js';
import type { Settings } from './settings.js';

/** A sweep file (JSON or YAML): a base configuration, a grid over settings, conditions, and seeds. */
export const sweepSchema = z.strictObject({
  benchmark: z.string().optional().describe('the benchmark (or take it from the preset)'),
  preset: z.string().optional().describe('start every run from this preset; its conditions are the default grid'),
  methods: z.union([z.string(), z.array(z.string())]).optional().describe('base methods, e.g. "cbp+l2"'),
  set: z.record(z.string(), z.unknown()).default({}).describe('base settings, as --set'),
  conditions: z
    .array(
      z.union([
        z.string(),
        z.strictObject({ label: z.string(), methods: z.union([z.string(), z.array(z.string())]).optional(), set: z.record(z.string(), z.unknown()).default({}) }),
      ]),
    )
    .optional()
    .describe("named variants (methods and settings), or labels of the preset's conditions to run only those; combined with the grid"),
  grid: z.record(z.string(), z.array(z.unknown()).min(1)).default({}).describe("settings to vary: key -> values; the key 'method' varies the methods"),
  seeds: z.union([z.number().int().positive(), z.array(z.number().int().min(0)).min(1)]).default(1).describe('a count (seeds 0..n-1) or a list'),
  backend: z.string().optional().describe('backend of every run'),
  dataDir: z.string().optional().describe('data folder of every run'),
  datasets: z.record(z.string(), z.string()).optional().describe('your own data sets, name -> path (a folder of class folders, .npz, .csv, or images.npy,labels.npy); use them as dataset=<name>'),
  workers: z.number().int().positive().optional().describe('worker processes (default: one per core)'),
  out: z.string().optional().describe('sweep folder (default sweeps/<file name>)'),
});
/** A validated sweep file (the output of {@link sweepSchema}, defaults filled in). */
export type SweepFile = z.output<typeof sweepSchema>;

/** One run of an expanded sweep: its folder, the request it came from, and its resolved config. */
export interface SweepPoint {
  /** Folder of the run, relative to the sweep folder. */
  readonly dir: string;
  readonly request: RunRequest;
  /** The resolved config of the run: an existing folder is this run only if its config has the same configHash. */
  readonly config: RunConfig | RlRunConfig;
}

/**
 * Reads and validates a sweep file (`.json` as JSON, anything else as YAML); throws if the file is missing, does not
 * parse, or does not match {@link sweepSchema} (a ConfigError naming each problem).
 */
export function readSweepFile(path: string): SweepFile {
  if (!existsSync(path)) throw new Error(`supple sweep: ${path} does not exist`);
  const text = readFileSync(path, 'utf8');
  const raw = extname(path) === '.json' ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown);
  return parseConfig(sweepSchema, raw, `sweep ${path}`);
}

export function defaultSweepOut(path: string): string {
  return join('sweeps', basename(path, extname(path)));
}

const methodList = (m: string | readonly string[] | undefined): string[] | undefined =>
  m === undefined ? undefined : typeof m === 'string' ? m.split('+').map((s) => s.trim()).filter(Boolean) : [...m];

/**
 * Expand a sweep into runs: conditions (from the file, else the preset's, else one) x the grid (cartesian
 * product) x seeds. Every point is validated before any run starts.
 */
export function expandSweep(s: SweepFile, catalog: Catalog, version: string): SweepPoint[] {
  const preset = s.preset ? catalog.presets.get(s.preset) : null;
  const presetCondition = (label: string) => {
    const c = preset?.conditions?.find((p) => p.label === label);
    if (!c) {
      const known = preset?.conditions?.map((p) => p.label).join(', ');
      throw new Error(`supple sweep: conditions: "${label}" is not a condition of ${s.preset ? `preset ${s.preset} (allowed: ${known ?? 'none'})` : 'any preset (name a preset, or give {label, methods, set})'}`);
    }
    return { label: c.label, methods: [...c.methods], set: {}, preset: true };
  };
  const conditions: Array<{ label: string; methods: string[] | undefined; set: Settings; preset?: boolean }> =
    s.conditions?.map((c) => (typeof c === 'string' ? presetCondition(c) : { label: c.label, methods: methodList(c.methods), set: c.set as Settings })) ??
    preset?.conditions?.map((c) => ({ label: c.label, methods: [...c.methods], set: {}, preset: true })) ?? [{ label: '', methods: undefined, set: {} }];
  const keys = Object.keys(s.grid);
  const combos: Array<Array<[string, unknown]>> = [[]];
  for (const k of keys) {
    const next: Array<Array<[string, unknown]>> = [];
    for (const c of combos) for (const v of s.grid[k]!) next.push([...c, [k, v]]);
    combos.splice(0, combos.length, ...next);
  }
  const seeds = typeof s.seeds === 'number' ? Array.from({ length: s.seeds }, (_, i) => i) : s.seeds;
  const points: SweepPoint[] = [];
  const seen = new Set<string>();
  for (const cond of conditions) {
    for (const combo of combos) {
      let methods = cond.methods ?? methodList(s.methods);
      const set: Settings = { ...cond.set };
      const parts: string[] = cond.label ? [cond.label] : [];
      for (const [k, v] of combo) {
        if (k === 'method' || k === 'methods') methods = methodList(v as string | string[]);
        else set[k] = v;
        parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
      }
      const label = parts.join(',') || (methods ?? preset?.methods ?? ['bp']).join('+');
      // Base settings for methods a run does not use (cbp's rate in a bp run) are left out of that run.
      const chosen = methods ?? preset?.methods ?? ['bp'];
      for (const [k, v] of Object.entries(s.set)) {
        const m = methodTarget(k.split('.'), catalog.methods);
        if (!(k in set) && (!m || chosen.includes(m))) set[k] = v;
      }
      for (const seed of seeds) {
        // A preset's own condition is named (its methods and settings come with it); others are spelled out.
        const byName = cond.preset && !combo.some(([k]) => k === 'method' || k === 'methods');
        const request: RunRequest = {
          benchmark: s.benchmark, preset: s.preset, ...(byName ? { condition: cond.label } : { methods }), set, seed, backend: s.backend, dataDir: s.dataDir, label, ...(s.datasets ? { datasets: s.datasets } : {}),
        };
        // Throws on any bad point before anything runs (RL benchmarks have their own config).
        const config = rlBenchmarkRegistry.has(s.benchmark ?? (preset ? presetBenchmark(preset, byName ? cond.label : undefined) : ''))
          ? resolveRlRunConfig(request, { ...catalog, rlBenchmarks: rlBenchmarkRegistry }, version)
          : resolveRunConfig(request, catalog, version);
        const dir = join(safeName(label), `s${seed}`);
        if (seen.has(dir)) throw new Error(`supple sweep: two runs would share the folder ${dir}; give the conditions distinct labels`);
        seen.add(dir);
        points.push({ dir, request, config });
      }
    }
  }
  return points;
}

function safeName(label: string): string {
  return label.replace(/[^A-Za-z0-9._+=,-]+/g, '_').slice(0, 120) || 'run';
}

/** The CLI arguments of `supple run` for a request (values as JSON so they parse back exactly). */
export function runArgs(r: RunRequest, out: string): string[] {
  const a = ['run'];
  if (r.benchmark) a.push(r.benchmark);
  if (r.preset) a.push('--preset', r.preset);
  if (r.condition !== undefined) a.push('--condition', r.condition);
  if (r.methods?.length) a.push('--method', r.methods.join('+'));
  for (const [k, v] of Object.entries(r.set ?? {})) a.push('--set', `${k}=${JSON.stringify(v)}`);
  if (r.seed !== undefined) a.push('--seed', String(r.seed));
  if (r.backend) a.push('--backend', r.backend);
  if (r.dataDir) a.push('--data-dir', r.dataDir);
  for (const [n, p] of Object.entries(r.datasets ?? {})) a.push('--dataset', `${n}=${p}`);
  if (r.label) a.push('--label', r.label);
  a.push('--out', out, '--quiet');
  return a;
}
