import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getBackend } from '../backend/selectBackend.js';
import type { DataSource, Stream } from '../benchmarks/Benchmark.js';
import { resolveDataSource } from '../benchmarks/data/dataSource.js';
import { ConfigError } from '../config/parseConfig.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { meanSquaredError } from '../losses/meanSquaredError.js';
import { CategoricalValueLoss } from '../losses/categoricalValueLoss.js';
import { ValueHead } from '../losses/valueHead.js';
import { buildModelSpec } from '../nn/modelConfig.js';
import type { ModelState } from '../nn/Model.js';
import { Model } from '../nn/Model.js';
import { buildOptimizer } from '../optim/optimizerConfig.js';
import { Rng, type RngState } from '../tensor/Rng.js';
import { removeStaleTemporaries, withPath, writeFileAtomic } from './atomicWrite.js';
import { CheckpointError, readCheckpoint } from './checkpointFile.js';
import { checkMemory } from './checkMemory.js';
import { checkOutputDir } from './checkOutputDir.js';
import { configDiff } from './configDiff.js';
import { configHash } from './configHash.js';
import { DivergedError } from './DivergedError.js';
import { Learner } from '../learn/Learner.js';
import { toJson } from './Recorder.js';
import { RunBook, type KeptByBook } from './RunBook.js';
import { RunLock } from './RunLock.js';
import type { Catalog, RunConfig } from './runConfig.js';
import { catalog as defaultCatalog } from './catalog.js';
import { restoreInto } from './stateTree.js';
import { initialLoopState, trainLoopAsync, type LoopState, type MetricRecord } from './trainLoop.js';
import type { RunMethod } from '../learn/RunMethod.js';
import { createMethods } from '../methods/index.js';
import { validateRunConfig } from './validateRunConfig.js';
import { loadSafetensorsInto } from '../nn/torchWeights.js';
import { registerCustomDataset } from '../benchmarks/data/customDataset.js';
import { createHash } from 'node:crypto';

/** Load a run's starting weights, checking that the file is the one the config names (its sha256). */
function loadWeightsFile(model: Model, w: { from: string; sha256: string }): void {
  if (!existsSync(w.from)) throw new Error(`weights: ${w.from} does not exist (the run starts from it)`);
  const bytes = readFileSync(w.from);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== w.sha256) throw new Error(`weights: ${w.from} has changed since the run was configured (sha256 ${sha}, expected ${w.sha256})`);
  loadSafetensorsInto(model, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** What a progress display gets after each step (read it, don't keep it). */
export interface Progress {
  readonly task: number;
  readonly numTasks: number;
  readonly taskLabel: string;
  readonly epoch: number;
  readonly step: number;
  readonly examples: number;
  /** Estimated total examples of the run, when the schedule fixes it. */
  readonly totalExamples: number | null;
  readonly seconds: number;
  /** Online accuracy (classification) or loss of the current task so far. */
  readonly onlineAccuracy: number | null;
  readonly onlineLoss: number | null;
  readonly latest: Readonly<Record<string, number>>;
}

/** How a run ended: finished, stopped on request (resumable), or stopped on a non-finite value. */
export type RunStatus = 'complete' | 'stopped' | 'diverged';

/**
 * How a run ended, as its summary.json holds it: status, the versions and settings that identify it, steps, examples
 * and time taken, and the latest value of every metric (`final`).
 */
export interface RunSummary {
  status: RunStatus;
  /** Where a diverged run found the non-finite value (`loss`, `param/<name>`). */
  diverged?: { step: number; task: number; key: string; value: string };
  version: string;
  benchmark: string;
  methods: string[];
  backend: string;
  seed: number;
  steps: number;
  examples: number;
  seconds: number;
  examplesPerSecond: number;
  final: Record<string, number>;
  finishedAt: string;
}

/**
 * Where and how {@link startRun} / {@link resumeRun} run: the output folder, the registries, the data source, and
 * callbacks for progress, stopping, notices and live records.
 */
export interface ExperimentOptions {
  readonly out: string;
  /** The registries to take the benchmark, methods and probes from (default: supple's own). */
  readonly catalog?: Catalog;
  /** Called every 64 steps. */
  readonly onProgress?: (p: Progress) => void;
  /** Polled between steps; true stops cleanly (a checkpoint is written). */
  readonly shouldStop?: () => boolean;
  /** Where data sets are read from; default: the config's data folder, the cache, downloads (checksums verified). */
  readonly data?: DataSource;
  /** Called once the run is set up (stream loaded, model built). */
  readonly onStart?: (info: { config: RunConfig; stream: Stream; model: Model; resumed: boolean }) => void;
  /** On resume: read data sets from this folder instead of the one in config.json (it is not part of the run's identity). */
  readonly dataDir?: string;
  /** Things worth telling the user that are not errors (repairs made on resume). */
  readonly onNotice?: (message: string) => void;
  /** Receives every metric record as it is written (live exports such as TensorBoard). */
  readonly onRecord?: (r: MetricRecord) => void;
}

interface Checkpoint extends KeptByBook {
  version: string;
  /** configHash of the run's config, and the config itself to say what differs on a mismatch. */
  configHash?: string;
  config?: RunConfig;
  loop: LoopState;
  step: number;
  taskStartStep: number;
  model: ModelState;
  optimizer: unknown;
  methods: { name: string; state: unknown; rng: RngState }[];
  benchmarkRng: RngState;
  probes: unknown;
  bestParams: ModelState | null;
}

/**
 * Start a run described by `config` in `opts.out` (which must not hold a run already). The output folder is
 * checked before any work, and locked while the run writes to it.
 */
export async function startRun(config: RunConfig, opts: ExperimentOptions): Promise<RunSummary> {
  const out = checkOutputDir(opts.out);
  return withLock(out, () => {
    if (existsSync(join(out, 'config.json'))) {
      throw new ConfigError('--out', [`${opts.out} already holds a run; continue it with --resume ${opts.out}, or choose another --out`]);
    }
    return execute(config, null, opts);
  });
}

/**
 * Continue the run in `opts.out` from its last checkpoint (or from the start if it never wrote one): its
 * config.json is validated again, the checkpoint's checksum and identity (the config's hash) are checked.
 */
export async function resumeRun(opts: ExperimentOptions): Promise<RunSummary> {
  const out = resolve(opts.out);
  if (!existsSync(join(out, 'config.json'))) throw new ConfigError('--resume', [`${opts.out}: no run there (no config.json)`]);
  return withLock(out, async () => {
    const config = await readRunConfig(out, opts.catalog ?? defaultCatalog());
    const done = finishedSummary(out);
    if (done) throw new ConfigError('--resume', [`${opts.out}: the run ${done.status === 'complete' ? 'is complete already' : divergedText(done)}`]);
    return execute(config, checkpointOf(out, config), opts);
  });
}

/**
 * Run or resume one run folder, the job of sweeps and queues: an empty folder starts `config`; a folder
 * holding the same run (equal configHash) resumes it, or returns its summary when it is complete or
 * diverged; a folder holding another run is a ConfigError that says what differs. The folder is locked
 * throughout, so two workers never write one folder.
 */
export async function runJob(config: RunConfig, opts: ExperimentOptions): Promise<RunSummary> {
  const out = checkOutputDir(opts.out);
  return withLock(out, async () => {
    if (!existsSync(join(out, 'config.json'))) return execute(config, null, opts);
    const stored = await readRunConfig(out, opts.catalog ?? defaultCatalog());
    if (configHash(stored) !== configHash(config)) {
      throw new ConfigError(out, [`holds another run (config.json differs): ${configDiff(stored, config).join('; ')}`]);
    }
    const done = finishedSummary(out);
    if (done) return done;
    return execute(stored, checkpointOf(out, stored), opts);
  });
}

async function withLock<T>(out: string, f: () => Promise<T>): Promise<T> {
  const lock = RunLock.acquire(out);
  try {
    // Only the lock holder writes here: temporaries of writers that died are garbage now.
    removeStaleTemporaries(out);
    removeStaleTemporaries(join(out, 'checkpoint'));
    return await f();
  } finally {
    lock.release();
  }
}

/** config.json of a run folder, parsed and validated against the schemas (an edited file never runs as garbage). */
export async function readRunConfig(out: string, catalog: Catalog): Promise<RunConfig> {
  const path = join(out, 'config.json');
  const text = withPath(path, 'read', () => readFileSync(path, 'utf8'));
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, [`not valid JSON (${(e as Error).message}); the file was damaged or edited by hand`]);
  }
  // The run's own data sets (--dataset NAME=PATH) are known before its settings are checked against them.
  const datasets = (raw as { data?: { datasets?: unknown } } | null)?.data?.datasets;
  if (datasets && typeof datasets === 'object') {
    for (const [name, p] of Object.entries(datasets)) if (typeof p === 'string') await registerCustomDataset(name, p);
  }
  return validateRunConfig(raw, catalog, path);
}

/** The summary of a run that ended for good (complete or diverged), else null. */
function finishedSummary(out: string): RunSummary | null {
  const path = join(out, 'summary.json');
  if (!existsSync(path)) return null;
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as RunSummary;
    return s.status === 'complete' || s.status === 'diverged' ? s : null;
  } catch {
    return null; // a torn summary of a stopped run: it is rewritten at the end
  }
}

function divergedText(s: RunSummary): string {
  const d = s.diverged;
  return `diverged${d ? ` at step ${d.step} (${d.key} = ${d.value})` : ''}; resuming would diverge again: change the config (e.g. optimizer.lr) and start a new run`;
}

/** The run's checkpoint, checked to belong to `config`; null when it has none. */
function checkpointOf(out: string, config: RunConfig): Checkpoint | null {
  const ck = readCheckpoint(out) as Checkpoint | null;
  if (ck && ck.configHash !== undefined && ck.configHash !== configHash(config)) {
    const diff = ck.config ? configDiff(ck.config, config).join('; ') : 'the checkpoint does not store its config';
    throw new CheckpointError(`${join(out, 'checkpoint', 'state.ckpt')} belongs to another run than ${join(out, 'config.json')} (checkpoint -> config.json: ${diff}); it cannot be resumed with this config`);
  }
  return ck;
}

async function execute(config: RunConfig, saved: Checkpoint | null | undefined, opts: ExperimentOptions): Promise<RunSummary> {
  const out = resolve(opts.out);
  const catalog = opts.catalog ?? defaultCatalog();
  const backend = getBackend(config.backendRequested);
  // A folder whose data set was missing resumes with the folder given now (data is not part of the identity).
  if (opts.dataDir !== undefined) config.data = { dir: resolve(opts.dataDir) };
  if (saved !== null && config.backend !== backend.name) {
    throw new Error(`--resume: the run used the ${config.backend} backend; this machine gives ${backend.name} for '${config.backendRequested}' (bit-for-bit continuation needs the same backend: set SUPPLE_BACKEND=${config.backend})`);
  }
  config.backend = backend.name;
  if (saved === null || opts.dataDir !== undefined) writeFileAtomic(join(out, 'config.json'), `${toJson(config, 2)}\n`);
  const hash = configHash(config);

  const root = Rng.seeded(config.seed);
  const benchmark = catalog.benchmarks.get(config.benchmark.name);
  const { name: _b, ...benchOptions } = config.benchmark;
  const data: DataSource = opts.data ?? resolveDataSource(config.data.dir ? { dataDir: config.data.dir } : {});
  for (const [name, path] of Object.entries(config.data.datasets ?? {})) await registerCustomDataset(name, path);
  const stream = await benchmark.create(benchOptions, { backend, rng: root.split('stream'), data });
  const spec = buildModelSpec(config.model, stream.inputShape, stream.outputs);
  if (config.run.checkMemory) {
    try {
      checkMemory(spec, stream.inputShape, stream.task(0).batchSize, config.optimizer, backend, `model ${config.model.arch}`);
    } catch (e) {
      // A config that can never fit is not a run: the folder is left free for a corrected one.
      if (saved === null) rmSync(join(out, 'config.json'), { force: true });
      throw e;
    }
  }
  const model = Model.build(spec, { inputShape: stream.inputShape, backend, rng: root.split('model'), checkFinite: config.run.checkLayers });
  if (config.weights && !saved) loadWeightsFile(model, config.weights);
  const learner = new Learner({ model, optimizer: buildOptimizer(config.optimizer), loss: stream.valueHead ? new CategoricalValueLoss(new ValueHead(stream.valueHead)) : stream.loss === 'mse' ? meanSquaredError : crossEntropy });
  // One stream per method, for its own draws and its edits' redraws; checkpointed with its state.
  const methods: RunMethod[] = createMethods(config.methods, { model, learner, backend, rng: root }, catalog.methods);
  const probes = catalog.probes.create(config.probes, { learner, backend, rng: root.split('probes') });
  const benchmarkRng = root.split('benchmark-edits');
  const bestParams: { state: ModelState | null } = { state: null };
  let loop = initialLoopState();
  if (saved) {
    // Built exactly as at the start (same seed), then overwritten with the saved state.
    model.setState(saved.model);
    const alloc = (n: number) => backend.alloc(n);
    restoreInto(learner.optState, saved.optimizer, alloc, 'optimizer');
    learner.step = saved.step;
    learner.taskStartStep = saved.taskStartStep;
    saved.methods.forEach((s, i) => {
      const m = methods[i];
      if (!m || m.name !== s.name) throw new Error(`resume: the checkpoint's methods (${saved.methods.map((x) => x.name).join(', ')}) differ from the config's`);
      restoreInto(m.instance.state, s.state, alloc, `method ${s.name}`);
      m.rng.setState(s.rng);
    });
    benchmarkRng.setState(saved.benchmarkRng);
    if (saved.probes !== undefined) probes.setState?.(saved.probes);
    bestParams.state = saved.bestParams;
    loop = saved.loop;
  }
  // A fresh run, or a resumed one that never wrote a checkpoint, starts its logs from empty.
  const book = new RunBook(out, config.run.checkpointSeconds, saved, opts.onNotice);
  const { recorder, seconds } = book;
  opts.onStart?.({ config, stream, model, resumed: saved !== null });

  const checkpoint = (state: LoopState) =>
    book.checkpoint((kept): Checkpoint => ({
      version: config.version,
      configHash: hash,
      config,
      loop: state,
      step: learner.step,
      taskStartStep: learner.taskStartStep,
      model: model.getState(),
      optimizer: learner.optState,
      methods: methods.map((m) => ({ name: m.name, state: m.instance.state, rng: m.rng.getState() })),
      benchmarkRng: benchmarkRng.getState(),
      probes: probes.getState?.(),
      bestParams: bestParams.state,
      ...kept,
    }));
  const first = stream.task(0);
  const totalExamples = first.schedule.kind === 'epochs' ? stream.numTasks * first.size * first.schedule.epochs : null;
  let taskLabel = '';
  let labelTask = -1;
  let finished = false;
  let diverged: DivergedError | null = null;
  try {
    finished = await trainLoopAsync(
      {
        checkFinite: config.run.checkFinite,
        stream,
        learner,
        methods,
        probes,
        rng: benchmarkRng,
        bestParams,
        record: (r) => {
          recorder.metric(r);
          opts.onRecord?.(r);
        },
        recordEdits: (step, task, records) => recorder.edits(step, task, records),
        // Called at task ends (and state.done at the end): with checkpointSeconds 0, at every task end.
        checkpoint: (state) => {
          if (state.done || config.run.checkpointSeconds === 0 || book.due()) checkpoint(state);
        },
        checkpointDue: () => book.due(),
        shouldStop: () => opts.shouldStop?.() ?? false,
        onStep: (state) => {
          const step = learner.step;
          if (opts.onProgress) {
            if (labelTask !== state.task) {
              taskLabel = stream.task(state.task).label;
              labelTask = state.task;
            }
            opts.onProgress({
              task: state.task, numTasks: stream.numTasks, taskLabel, epoch: state.epoch, step, examples: state.examples, totalExamples,
              seconds: seconds(),
              onlineAccuracy: stream.loss === 'cross-entropy' && state.taskCount ? state.taskCorrect / state.taskCount : null,
              onlineLoss: state.taskCount ? state.taskSum / state.taskCount : null,
              latest: recorder.latest,
            });
          }
        },
      },
      loop,
    );
  } catch (e) {
    if (!(e instanceof DivergedError)) {
      recorder.close();
      throw e;
    }
    // No checkpoint of a state holding NaN: the last one stays, and the logs keep every record up to here.
    diverged = e;
  }
  if (!finished && !diverged) checkpoint(loop);
  return book.finish((s): RunSummary => ({
    status: diverged ? 'diverged' : finished ? 'complete' : 'stopped',
    ...(diverged ? { diverged: { step: diverged.step, task: diverged.task, key: diverged.key, value: String(diverged.value) } } : {}),
    version: config.version,
    benchmark: config.benchmark.name,
    methods: config.methods.map((m) => m.name),
    backend: backend.name,
    seed: config.seed,
    steps: learner.step,
    examples: loop.examples,
    seconds: s,
    examplesPerSecond: loop.examples / Math.max(s, 1e-9),
    final: { ...recorder.latest },
    finishedAt: new Date().toISOString(),
  }));
}
