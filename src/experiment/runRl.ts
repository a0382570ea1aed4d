import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getBackend, backendChoices } from '../backend/selectBackend.js';
import { collectProblems, ConfigError, knownKeys, parseConfig } from '../config/parseConfig.js';
import type { Registry } from '../config/Registry.js';
import type { Method } from '../learn/Method.js';
import type { ProbeFactory } from '../learn/ProbeFactory.js';
import { ensureAntRegistered } from '../rl/antEnvSpec.js';
import { makeVectorEnv } from '../rl/envs/makeVectorEnv.js';
import type { SyncVectorEnvState } from '../rl/envs/SyncVectorEnv.js';
import { PpoAgent, type PpoAgentState } from '../rl/ppo.js';
import { ppoSchema, type PpoConfig } from '../rl/ppoConfig.js';
import { DqnAgent, type DqnAgentState } from '../rl/dqn.js';
import { dqnSchema, type DqnConfig } from '../rl/dqnConfig.js';
import { dqnLoop, initialDqnLoopState, type DqnLoopState } from '../rl/dqnLoop.js';
import type { SyncVectorEnv } from '../rl/envs/SyncVectorEnv.js';
import type { Backend } from '../backend/Backend.js';
import type { RlBenchmark } from '../rl/rlBenchmarks.js';
import { initialRlLoopState, rlLoop, type RlLoopState, type RlRecord } from '../rl/rlLoop.js';
import type { EditRecord } from '../nn/Edit.js';
import { Rng, type RngState } from '../tensor/Rng.js';
import { writeFileAtomic } from './atomicWrite.js';
import { readCheckpoint } from './checkpointFile.js';
import { MethodKeyRouter } from './methodSettings.js';
import { presetBenchmark, presetSettingsFor, type Preset } from './Preset.js';
import { RunBook, type KeptByBook } from './RunBook.js';
import type { RunSummary } from './runExperiment.js';
import { runOptionsSchema, type RunOptions, type RunRequest } from './runConfig.js';
import { setPath } from './settings.js';
import { restoreInto } from './stateTree.js';

/** An RL run's config.json: `kind: 'rl'` tells `--resume` and the report which runner wrote it. */
export interface RlRunConfig {
  kind: 'rl';
  version: string;
  preset: string | null;
  label: string | null;
  seed: number;
  backendRequested: string;
  backend: string;
  benchmark: { name: string } & Record<string, unknown>;
  /** The agent: 'ppo' (absent in runs written before DQN existed) or 'dqn'. */
  algorithm?: 'ppo' | 'dqn';
  agent: PpoConfig | DqnConfig;
  methods: Array<{ name: string } & Record<string, unknown>>;
  probes: Record<string, unknown>;
  run: RunOptions;
}

/** What the RL runner needs from the registries. */
export interface RlCatalog {
  readonly rlBenchmarks: Registry<RlBenchmark>;
  readonly methods: Registry<Method>;
  readonly presets: Registry<Preset>;
  readonly probes: ProbeFactory;
}

/** True when config.json in `dir` is an RL run's. */
export function isRlRunFolder(dir: string): boolean {
  const p = join(resolve(dir), 'config.json');
  if (!existsSync(p)) return false;
  return (JSON.parse(readFileSync(p, 'utf8')) as { kind?: string }).kind === 'rl';
}

const sections = ['benchmark', 'agent', 'method', 'probes', 'run'] as const;

/**
 * Resolve a request into an RlRunConfig: preset settings, then the condition's, then the request's, routed by
 * key (bare benchmark options such as `steps`; `agent.<key>`; method keys as in supervised runs; `probes.<key>`,
 * `run.<key>`), each section validated by its schema; every problem reported at once.
 */
export function resolveRlRunConfig(req: RunRequest, catalog: RlCatalog, version: string): RlRunConfig {
  const preset = req.preset ? catalog.presets.get(req.preset) : null;
  const condition = req.condition === undefined ? null : (preset?.conditions?.find((c) => c.label === req.condition) ?? null);
  if (req.condition !== undefined && !condition) {
    throw new ConfigError('run', [`preset ${preset?.name ?? '(none)'} has no condition '${req.condition}'; conditions: ${(preset?.conditions ?? []).map((c) => c.label).join(', ') || '(none)'}`]);
  }
  const presetBench = preset ? presetBenchmark(preset, condition?.label) : undefined;
  const name = req.benchmark ?? presetBench;
  if (!name) throw new ConfigError('run', [`no benchmark given; RL benchmarks: ${catalog.rlBenchmarks.names().join(', ')}`]);
  if (preset && req.benchmark && req.benchmark !== presetBench) throw new ConfigError('run', [`preset ${preset.name}${condition ? ` (condition ${condition.label})` : ''} is for benchmark ${presetBench}, not ${req.benchmark}`]);
  const benchmark = catalog.rlBenchmarks.get(name);
  const methodNames = req.methods?.length ? [...req.methods] : condition ? [...condition.methods] : preset ? [...preset.methods] : ['bp'];
  const router = new MethodKeyRouter(methodNames, catalog.methods);
  const raw: Record<(typeof sections)[number], Record<string, unknown>> = { benchmark: {}, agent: {}, method: {}, probes: {}, run: {} };
  const problems: string[] = [];
  const benchKeys = knownKeys(benchmark.schema);
  const route = (key: string, value: unknown, lenient: boolean) => {
    const parts = key.split('.');
    const head = parts[0]!;
    if (router.route(key, value, lenient, problems)) return;
    if ((sections as readonly string[]).includes(head) && parts.length > 1) return setPath(raw[head as (typeof sections)[number]], parts.slice(1), value);
    if (benchKeys.includes(head)) return setPath(raw.benchmark, parts, value);
    // Presets carry every condition's settings; keys of sections an RL run has not (model, optimizer) are errors.
    problems.push(`'${key}' is not a setting of an RL run; use benchmark options (${benchKeys.join(', ')}), or a section: ${sections.map((s) => `${s}.<key>`).join(', ')}`);
  };
  for (const [k, v] of Object.entries(preset ? presetSettingsFor(preset, condition) : {})) route(k, v, true);
  for (const [k, v] of Object.entries(condition?.set ?? {})) route(k, v, true);
  for (const [k, v] of Object.entries(req.set ?? {})) route(k, v, false);
  const attempt = collectProblems(problems);
  const bench = attempt(() => parseConfig(benchmark.schema, raw.benchmark, `benchmark ${benchmark.name}`)) as Record<string, unknown> | undefined;
  const algorithm = benchmark.algorithm ?? 'ppo';
  const agentSchema = algorithm === 'dqn' ? dqnSchema : ppoSchema;
  const agent = bench ? attempt(() => parseConfig(agentSchema, { ...benchmark.agentDefaults(bench), ...raw.agent }, 'agent')) : undefined;
  const methods = router.configs(problems);
  const probes = attempt(() => parseConfig(catalog.probes.schema, { ...(bench ? (benchmark.probeDefaults?.(bench) ?? {}) : {}), ...raw.probes }, 'probes')) as Record<string, unknown> | undefined;
  const run = attempt(() => parseConfig(runOptionsSchema, raw.run, 'run'));
  const seed = req.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) problems.push(`seed = ${seed} is not allowed: an integer >= 0`);
  const backend = req.backend ?? process.env.SUPPLE_BACKEND ?? 'auto';
  if (!(backendChoices as readonly string[]).includes(backend)) problems.push(`backend = ${JSON.stringify(backend)} is not allowed: allowed: ${backendChoices.join(', ')}`);
  if (problems.length) throw new ConfigError('config', problems);
  return {
    kind: 'rl',
    version,
    preset: preset?.name ?? null,
    label: req.label ?? condition?.label ?? null,
    seed,
    backendRequested: backend,
    backend,
    benchmark: { name: benchmark.name, ...bench! },
    algorithm,
    agent: agent!,
    methods: methods.map((m) => ({ ...m! })),
    probes: probes!,
    run: run!,
  };
}

/** What a progress display gets after each iteration. */
export interface RlProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly iteration: number;
  readonly iterations: number;
  readonly task: number;
  readonly seconds: number;
  readonly latest: Readonly<Record<string, number>>;
}

/**
 * Where and how {@link startRlRun} / {@link resumeRlRun} run: the output folder, the RL registries, and callbacks for
 * progress, stopping and setup.
 */
export interface RlRunOptions {
  readonly out: string;
  readonly catalog: RlCatalog;
  /** Called after each iteration (rollout + update) with the run's progress. */
  readonly onProgress?: (p: RlProgress) => void;
  /** Polled at iteration boundaries; true stops cleanly after a checkpoint (the run can be resumed). */
  readonly shouldStop?: () => boolean;
  /** Called once the run is set up (agent built, checkpoint restored when resuming). */
  readonly onStart?: (info: { config: RlRunConfig; agent: PpoAgent | DqnAgent; resumed: boolean }) => void;
  /** Called with notices (a log repaired on resume). */
  readonly onNotice?: (message: string) => void;
}

interface RlCheckpoint extends KeptByRlBook {
  version: string;
  loop: RlLoopState;
  agent: PpoAgentState;
  env: SyncVectorEnvState;
}

/** Starts an RL run in `opts.out` (which must not hold a run). */
export async function startRlRun(config: RlRunConfig, opts: RlRunOptions): Promise<RunSummary> {
  if (existsSync(join(resolve(opts.out), 'config.json'))) throw new Error(`${opts.out} already holds a run; continue it with --resume ${opts.out}, or choose another --out`);
  return executeRl(config, null, opts);
}

/** Continues the RL run in `opts.out` from its last checkpoint. */
export async function resumeRlRun(opts: RlRunOptions): Promise<RunSummary> {
  const out = resolve(opts.out);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as RlRunConfig;
  const summaryPath = join(out, 'summary.json');
  if (existsSync(summaryPath) && (JSON.parse(readFileSync(summaryPath, 'utf8')) as RunSummary).status === 'complete') throw new Error(`--resume ${opts.out}: the run is complete already`);
  return executeRl(config, (readCheckpoint(out) as RlCheckpoint | null) ?? undefined, opts);
}

async function executeRl(config: RlRunConfig, saved: RlCheckpoint | null | undefined, opts: RlRunOptions): Promise<RunSummary> {
  const out = resolve(opts.out);
  const backend = getBackend(config.backendRequested);
  if (saved !== null && config.backend !== backend.name) {
    throw new Error(`--resume: the run used the ${config.backend} backend; this machine gives ${backend.name} for '${config.backendRequested}' (bit-for-bit continuation needs the same backend: set SUPPLE_BACKEND=${config.backend})`);
  }
  config.backend = backend.name;
  if (saved === null) writeFileAtomic(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const benchmark = opts.catalog.rlBenchmarks.get(config.benchmark.name);
  const { name: _n, ...benchOptions } = config.benchmark;
  const bench = parseConfig(benchmark.schema, benchOptions, `benchmark ${benchmark.name}`);
  const root = Rng.seeded(config.seed);
  ensureAntRegistered();
  const env = await makeVectorEnv(benchmark.env(bench), root);
  if ((config.algorithm ?? 'ppo') === 'dqn') return executeDqn(config, saved as unknown as DqnCheckpoint | null | undefined, opts, { env, backend, root, totalSteps: benchmark.steps(bench) });
  const agent = new PpoAgent({
    config: config.agent as PpoConfig,
    obsSize: env.obsSize,
    actionSpace: env.singleActionSpace,
    numEnvs: env.num,
    backend,
    rng: root.split('agent'),
    methods: config.methods,
    methodRegistry: opts.catalog.methods,
  });
  let loop = initialRlLoopState(env.num);
  if (saved) {
    const alloc = (n: number) => backend.alloc(n);
    agent.setState(saved.agent, (live, s, path) => restoreInto(live, s, alloc, path));
    env.setState(saved.env);
    loop = saved.loop;
  } else {
    env.reset(root.split('reset'));
  }
  // Probes are made after the restore: trackers (update size) snapshot the weights they start from. Their windows
  // are not checkpointed, so a resumed run matches exactly when the probe cadence is a whole number of iterations.
  for (const net of [agent.policy, agent.value]) {
    net.probes = opts.catalog.probes.create(config.probes, { learner: net.learner, backend, rng: root.split(`probes/${net.name}`) });
    const p = saved?.agent.nets[net.name].probes;
    if (p !== null && p !== undefined) net.probes.setState?.(p);
  }
  opts.onStart?.({ config, agent, resumed: !!saved });
  const book = rlBook(config, out, saved, opts.onNotice);
  const { seconds, recorder } = book;
  const totalSteps = benchmark.steps(bench);
  const finished = await rlLoop(
    {
      env,
      agent,
      totalSteps,
      seconds,
      record: book.record,
      recordEdits: book.recordEdits,
      checkpoint: (state, force) => book.checkpoint(force, (kept): RlCheckpoint => ({ version: config.version, loop: state, agent: agent.getState(), env: env.getState(), ...kept })),
      shouldStop: () => opts.shouldStop?.() ?? false,
      onIteration: (state, iterations) =>
        opts.onProgress?.({ step: state.globalStep, totalSteps, iteration: state.iteration, iterations, task: state.task, seconds: seconds(), latest: recorder.latest }),
    },
    loop,
  );
  env.close();
  return book.finish(finished, loop.globalStep, backend.name);
}

interface DqnCheckpoint extends KeptByRlBook {
  version: string;
  loop: DqnLoopState;
  agent: DqnAgentState;
  env: SyncVectorEnvState;
}

/**
 * A DQN run (benchmarks with algorithm 'dqn'): the same folder layout, checkpoint cadence, resume and summary as
 * a PPO run; the checkpoint holds the replay buffer (typed arrays, stored binary) and the target network.
 */
async function executeDqn(
  config: RlRunConfig,
  saved: DqnCheckpoint | null | undefined,
  opts: RlRunOptions,
  ctx: { env: SyncVectorEnv; backend: Backend; root: Rng; totalSteps: number },
): Promise<RunSummary> {
  const out = resolve(opts.out);
  const { env, backend, root, totalSteps } = ctx;
  const space = env.singleActionSpace;
  if (space.kind !== 'discrete') throw new Error(`dqn: ${env.envs[0]!.id} has a continuous action space; DQN needs discrete actions`);
  const agent = new DqnAgent({
    config: config.agent as DqnConfig,
    obsSize: env.obsSize,
    actions: space.n,
    numEnvs: env.num,
    backend,
    rng: root.split('agent'),
    methods: config.methods,
    methodRegistry: opts.catalog.methods,
  });
  let loop = initialDqnLoopState();
  if (saved) {
    const alloc = (n: number) => backend.alloc(n);
    agent.setState(saved.agent, (live, s, path) => restoreInto(live, s, alloc, path));
    env.setState(saved.env);
    loop = saved.loop;
  } else {
    env.reset(root.split('reset'));
  }
  agent.q.probes = opts.catalog.probes.create(config.probes, { learner: agent.q.learner, backend, rng: root.split('probes/q') });
  if (saved?.agent.probes !== null && saved?.agent.probes !== undefined) agent.q.probes.setState?.(saved.agent.probes);
  opts.onStart?.({ config, agent, resumed: !!saved });
  const book = rlBook(config, out, saved, opts.onNotice);
  const { seconds, recorder } = book;
  const vectorSteps = Math.floor(totalSteps / env.num);
  const finished = await dqnLoop(
    {
      env,
      agent,
      totalSteps,
      seconds,
      record: book.record,
      recordEdits: book.recordEdits,
      checkpoint: (state, force) => book.checkpoint(force, (kept): DqnCheckpoint => ({ version: config.version, loop: state, agent: agent.getState(), env: env.getState(), ...kept })),
      shouldStop: () => opts.shouldStop?.() ?? false,
      onProgress: (state) =>
        opts.onProgress?.({ step: state.globalStep, totalSteps, iteration: state.t, iterations: vectorSteps, task: state.task, seconds: seconds(), latest: recorder.latest }),
    },
    loop,
  );
  env.close();
  return book.finish(finished, loop.globalStep, backend.name);
}

/** What a checkpoint of either agent keeps besides the agent and the environment. */
interface KeptByRlBook extends KeptByBook {
  /** The last 100 episode returns, for the summary. */
  recent: number[];
}

/**
 * The RunBook of an RL run (clock, logs, checkpoint cadence, summary; shared with supervised runs) with what PPO and
 * DQN runs add to it: the last 100 episode returns, kept across resumes for the summary's mean of the last 20.
 */
function rlBook(config: RlRunConfig, out: string, saved: KeptByRlBook | null | undefined, onNotice: ((message: string) => void) | undefined) {
  const recent: number[] = saved ? [...saved.recent] : [];
  const book = new RunBook(out, config.run.checkpointSeconds, saved, onNotice);
  const { recorder, seconds } = book;
  return {
    recorder,
    seconds,
    record: (r: RlRecord): void => {
      const ret = r['episode/return'];
      if (ret !== undefined) {
        recent.push(ret);
        if (recent.length > 100) recent.shift();
      }
      recorder.metric(r);
    },
    recordEdits: (step: number, task: number, records: readonly EditRecord[]): void => recorder.edits(step, task, records),
    /** Writes the checkpoint `make` builds around the book's part, when forced or when it is time. */
    checkpoint(force: boolean, make: (kept: KeptByRlBook) => object): void {
      if (force || book.due()) book.checkpoint((kept) => make({ ...kept, recent: [...recent] }));
    },
    /** Closes the logs and writes summary.json. */
    finish(finished: boolean, steps: number, backend: string): RunSummary {
      const last20 = recent.slice(-20);
      return book.finish((s): RunSummary => ({
        status: finished ? 'complete' : 'stopped',
        version: config.version,
        benchmark: config.benchmark.name,
        methods: config.methods.map((m) => m.name),
        backend,
        seed: config.seed,
        steps,
        examples: steps,
        seconds: s,
        examplesPerSecond: steps / Math.max(s, 1e-9),
        final: { ...recorder.latest, ...(last20.length ? { 'episode/returnLast20': last20.reduce((a, b) => a + b, 0) / last20.length } : {}) },
        finishedAt: new Date().toISOString(),
      }));
    },
  };
}

/** Seeds, labels and the RNG state type, re-exported for tests. */
export type { RngState };
