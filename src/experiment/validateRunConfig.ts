import { ConfigError } from '../config/parseConfig.js';
import type { Catalog, RunConfig, RunRequest } from './runConfig.js';
import { resolveRunConfig } from './runConfig.js';
import type { Settings } from './settings.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Check a resolved config read back from a run folder (config.json on --resume, a sweep's existing run):
 * its shape, then every section against the same schemas a new run goes through (each setting is routed as
 * if given with --set). An edited or corrupted file is a ConfigError naming `where`, the key, the value and
 * what is allowed; it never resumes with garbage. Returns the config as stored.
 */
export function validateRunConfig(raw: unknown, catalog: Catalog, where: string): RunConfig {
  const problems: string[] = [];
  if (!isObject(raw)) throw new ConfigError(where, [`must hold a JSON object, not ${JSON.stringify(raw)?.slice(0, 40)}`]);
  const need = (key: string, ok: boolean, allowed: string) => {
    if (!ok) problems.push(`${key} = ${JSON.stringify(raw[key]) ?? 'missing'} is not allowed: ${allowed}`);
    return ok;
  };
  need('version', typeof raw.version === 'string', 'a version string');
  need('seed', Number.isSafeInteger(raw.seed) && (raw.seed as number) >= 0, 'an integer >= 0');
  need('backendRequested', typeof raw.backendRequested === 'string', 'a backend name');
  need('backend', typeof raw.backend === 'string', 'a backend name');
  need('preset', raw.preset === null || typeof raw.preset === 'string', 'null or a preset name');
  need('label', raw.label === null || typeof raw.label === 'string', 'null or a string');
  const benchOk = need('benchmark', isObject(raw.benchmark) && typeof raw.benchmark.name === 'string', 'an object with a "name"');
  const methodsOk = need('methods', Array.isArray(raw.methods) && raw.methods.every((m) => isObject(m) && typeof m.name === 'string'), 'a list of objects with a "name"');
  for (const k of ['model', 'optimizer', 'probes', 'run'] as const) need(k, isObject(raw[k]), 'an object');
  need(
    'data',
    isObject(raw.data) && (raw.data.dir === null || typeof raw.data.dir === 'string') &&
      (raw.data.datasets === undefined || (isObject(raw.data.datasets) && Object.values(raw.data.datasets).every((p) => typeof p === 'string'))),
    '{"dir": null or a folder, "datasets"?: {name: path}}',
  );
  if ('weights' in raw) need('weights', isObject(raw.weights) && typeof raw.weights.from === 'string' && typeof raw.weights.sha256 === 'string', '{"from": a file, "sha256": its hash}');
  if ('provenance' in raw) need('provenance', isObject(raw.provenance), 'an object (where and how the run was started)');
  const known = new Set(['version', 'preset', 'label', 'seed', 'backendRequested', 'backend', 'benchmark', 'methods', 'model', 'optimizer', 'probes', 'run', 'data', 'weights', 'provenance']);
  for (const k of Object.keys(raw)) if (!known.has(k)) problems.push(`'${k}' is not a field of a run config; fields: ${[...known].join(', ')}`);
  if (problems.length || !benchOk || !methodsOk) throw new ConfigError(where, problems);

  const set: Settings = {};
  const { name: benchmark, ...benchOptions } = raw.benchmark as { name: string } & Record<string, unknown>;
  for (const [k, v] of Object.entries(benchOptions)) set[`benchmark.${k}`] = v;
  const methods = raw.methods as Array<{ name: string } & Record<string, unknown>>;
  for (const { name, ...options } of methods) for (const [k, v] of Object.entries(options)) set[`method.${name}.${k}`] = v;
  for (const section of ['model', 'optimizer', 'probes', 'run'] as const) {
    for (const [k, v] of Object.entries(raw[section] as Record<string, unknown>)) set[`${section}.${k}`] = v;
  }
  const request: RunRequest = {
    benchmark,
    methods: methods.map((m) => m.name),
    set,
    seed: raw.seed as number,
    backend: raw.backendRequested as string,
  };
  try {
    resolveRunConfig(request, catalog, raw.version as string);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(where, e.problems);
    throw new ConfigError(where, [(e as Error).message]);
  }
  return raw as unknown as RunConfig;
}
