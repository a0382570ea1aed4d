import { z } from 'zod';
import type { Benchmark, LearnerDefaults } from '../benchmarks/Benchmark.js';
import type { Method } from '../learn/Method.js';
import { backendChoices } from '../backend/selectBackend.js';
import { collectProblems, ConfigError, knownKeys, parseConfig } from '../config/parseConfig.js';
import { MethodKeyRouter } from './methodSettings.js';
import { catalog as defaultCatalog } from './catalog.js';
import { version as packageVersion } from '../version.js';
import type { Registry } from '../config/Registry.js';
import { modelSchema, type ModelConfig } from '../nn/modelConfig.js';
import { optimizerSchema, type OptimizerConfig } from '../optim/optimizerConfig.js';
import { presetBenchmark, presetSettingsFor, type Preset, type PresetCondition } from './Preset.js';
import { setPath, type Settings } from './settings.js';
import type { ProbeFactory } from '../learn/ProbeFactory.js';
import type { Provenance } from './provenance.js';

/** Options of the run itself (not of the learner): `--set run.<key>=...`. */
export const runOptionsSchema = z.strictObject({
  checkpointSeconds: z.number().min(0).default(30).describe('write a checkpoint when this many seconds have passed since the last (checked every 256 steps and at task ends; 0: at every task end); always on stop and at the end'),
  checkFinite: z.boolean().default(true).describe('stop the run as diverged (exit code 1) on a NaN/Inf loss (checked every step) or parameter (at each probe and epoch end)'),
  checkMemory: z.boolean().default(true).describe('estimate the memory of the model and its batch before building it, and refuse one that cannot fit (with the estimate and the limit)'),
  checkLayers: z.boolean().default(false).describe("check every layer's inputs and outputs for NaN/Inf on every step, to find where a non-finite value starts (slower)"),
});
export type RunOptions = z.output<typeof runOptionsSchema>;

/** Everything a run needs, fully resolved: written as config.json; a resumed run reads it back. */
export interface RunConfig {
  version: string;
  preset: string | null;
  label: string | null;
  seed: number;
  /** The backend asked for ('auto' or a name) and the one that ran. */
  backendRequested: string;
  backend: string;
  benchmark: { name: string } & Record<string, unknown>;
  methods: Array<{ name: string } & Record<string, unknown>>;
  model: ModelConfig;
  optimizer: OptimizerConfig;
  probes: Record<string, unknown>;
  run: RunOptions;
  /** The data folder, and the user's own data sets (name -> path, registered before the benchmark reads them). */
  data: { dir: string | null; datasets?: Record<string, string> };
  /** Start from these weights (a safetensors file, PyTorch names) instead of the initialization; sha256 of the file. */
  weights?: { from: string; sha256: string };
  /** Where and how the run was started (supple run sets it; not part of the config hash). */
  provenance?: Provenance;
}

/** What the registries offer a run. */
export interface Catalog {
  readonly benchmarks: Registry<Benchmark>;
  readonly methods: Registry<Method>;
  readonly presets: Registry<Preset>;
  readonly probes: ProbeFactory;
}

/** What a user asked for: flags of `supple run`, or one point of a sweep. */
export interface RunRequest {
  readonly benchmark?: string;
  readonly methods?: readonly string[];
  readonly preset?: string;
  /** A condition of the preset (its label): the methods and settings of one arm of the paper's comparison. */
  readonly condition?: string;
  readonly set?: Settings;
  readonly seed?: number;
  readonly backend?: string;
  readonly dataDir?: string;
  readonly label?: string;
  /** The user's own data sets: name -> path (registered with registerCustomDataset before resolving). */
  readonly datasets?: Readonly<Record<string, string>>;
}

const sections = ['benchmark', 'method', 'model', 'optimizer', 'probes', 'run'] as const;


/**
 * Resolve a request into a full RunConfig: preset settings, then the request's settings, routed by key
 * (`benchmark.x` or a bare benchmark option `x`; `method.x`, `method.<name>.x` or `<name>.x`; `model.x`,
 * `optimizer.x`, `probes.x`, `run.x`), each section validated by its schema. Every problem is reported at
 * once, naming the key, the value and what is allowed.
 */
export function resolveRunConfig(req: RunRequest, catalog: Catalog = defaultCatalog(), version: string = packageVersion): RunConfig {
  const preset = req.preset ? catalog.presets.get(req.preset) : null;
  let condition: PresetCondition | null = null;
  if (req.condition !== undefined) {
    if (!preset) throw new ConfigError('run', [`condition '${req.condition}' needs a preset (--preset)`]);
    condition = preset.conditions?.find((c) => c.label === req.condition) ?? null;
    if (!condition) throw new ConfigError('run', [`preset ${preset.name} has no condition '${req.condition}'; conditions: ${(preset.conditions ?? []).map((c) => c.label).join(', ') || '(none)'}`]);
    if (req.methods?.length) throw new ConfigError('run', [`--condition ${condition.label} sets the methods (${condition.methods.join('+')}); drop --method`]);
  }
  const presetBench = preset ? presetBenchmark(preset, condition?.label) : undefined;
  const benchmarkName = req.benchmark ?? presetBench;
  if (!benchmarkName) throw new ConfigError('run', [`no benchmark given; known: ${catalog.benchmarks.names().join(', ')}`]);
  if (preset && req.benchmark && req.benchmark !== presetBench) {
    throw new ConfigError('run', [`preset ${preset.name}${condition ? ` (condition ${condition.label})` : ''} is for benchmark ${presetBench}, not ${req.benchmark}`]);
  }
  const benchmark = catalog.benchmarks.get(benchmarkName);
  const methodNames = req.methods?.length ? [...req.methods] : condition ? [...condition.methods] : preset ? [...preset.methods] : ['bp'];
  const dup = methodNames.find((m, i) => methodNames.indexOf(m) !== i);
  if (dup) throw new ConfigError('run', [`method ${dup} is named twice`]);
  const router = new MethodKeyRouter(methodNames, catalog.methods);

  const raw: Record<(typeof sections)[number], Record<string, unknown>> = { benchmark: {}, method: {}, model: {}, optimizer: {}, probes: {}, run: {} };
  const problems: string[] = [];
  const benchKeys = knownKeys(benchmark.schema);
  const route = (key: string, value: unknown, lenient: boolean) => {
    const parts = key.split('.');
    const head = parts[0]!;
    if (router.route(key, value, lenient, problems)) return;
    if ((sections as readonly string[]).includes(head) && parts.length > 1) {
      setPath(raw[head as (typeof sections)[number]], parts.slice(1), value);
      return;
    }
    if (benchKeys.includes(head)) {
      setPath(raw.benchmark, parts, value);
      return;
    }
    problems.push(
      `'${key}' is not a setting; use benchmark options (${benchKeys.join(', ')}), or a section: ${sections.map((s) => `${s}.<key>`).join(', ')}`,
    );
  };
  for (const [k, v] of Object.entries(preset ? presetSettingsFor(preset, condition) : {})) route(k, v, true);
  for (const [k, v] of Object.entries(condition?.set ?? {})) route(k, v, true);
  for (const [k, v] of Object.entries(req.set ?? {})) route(k, v, false);

  const attempt = collectProblems(problems);
  const benchConfig = attempt(() => parseConfig(benchmark.schema, raw.benchmark, `benchmark ${benchmark.name}`)) as Record<string, unknown> | undefined;
  const defaults: LearnerDefaults = benchConfig ? benchmark.defaults(benchConfig) : { model: {}, optimizer: {} };
  const model = attempt(() => parseConfig(modelSchema, { ...defaults.model, ...raw.model }, 'model'));
  const optimizer = attempt(() => parseConfig(optimizerSchema, { ...defaults.optimizer, ...raw.optimizer }, 'optimizer'));
  const methodConfigs = router.configs(problems);
  const probes = attempt(() => parseConfig(catalog.probes.schema, { ...(defaults.probes ?? {}), ...raw.probes }, 'probes')) as Record<string, unknown> | undefined;
  const run = attempt(() => parseConfig(runOptionsSchema, raw.run, 'run'));
  const seed = req.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) problems.push(`seed = ${seed} is not allowed: an integer >= 0`);
  const backend = req.backend ?? process.env.SUPPLE_BACKEND ?? 'auto';
  if (!(backendChoices as readonly string[]).includes(backend)) problems.push(`backend = ${JSON.stringify(backend)} is not allowed: allowed: ${backendChoices.join(', ')}`);
  if (problems.length) throw new ConfigError('config', problems);
  return {
    version,
    preset: preset?.name ?? null,
    label: req.label ?? condition?.label ?? null,
    seed,
    backendRequested: backend,
    backend,
    benchmark: { name: benchmark.name, ...benchConfig! },
    methods: methodConfigs.map((m) => ({ ...m! })),
    model: model!,
    optimizer: optimizer!,
    probes: probes!,
    run: run!,
    data: { dir: req.dataDir ?? process.env.SUPPLE_DATA_DIR ?? null, ...(req.datasets && Object.keys(req.datasets).length ? { datasets: { ...req.datasets } } : {}) },
  };
}
