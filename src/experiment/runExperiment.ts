import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getBackend } from '../backend/selectBackend.js';
import type { DataSource, Stream } from '../benchmarks/Benchmark.js';
import { resolveDataSource } from '../benchmarks/data/dataSource.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { meanSquaredError } from '../losses/meanSquaredError.js';
import { buildModelSpec } from '../nn/modelConfig.js';
import type { ModelState } from '../nn/Model.js';
import { Model } from '../nn/Model.js';
import { buildOptimizer } from '../optim/optimizerConfig.js';
import { Rng, type RngState } from '../tensor/Rng.js';
import { writeFileAtomic } from './atomicWrite.js';
import { readCheckpoint, writeCheckpoint } from './checkpointFile.js';
import { Learner } from '../learn/Learner.js';
import { Recorder, type RecorderPosition } from './Recorder.js';
import type { Catalog, RunConfig } from './runConfig.js';
import { catalog as defaultCatalog } from './catalog.js';
import { restoreInto } from './stateTree.js';
import { initialLoopState, trainLoopAsync, type LoopState,  } from './trainLoop.js';
import type { RunMethod } from '../learn/RunMethod.js';
import { createMethods } from '../methods/index.js';

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

export interface RunSummary {
  status: 'complete' | 'stopped';
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
}

interface Checkpoint {
  version: string;
  loop: LoopState;
  step: number;
  taskStartStep: number;
  seconds: number;
  model: ModelState;
  optimizer: unknown;
  methods: { name: string; state: unknown; rng: RngState }[];
  benchmarkRng: RngState;
  probes: unknown;
  bestParams: ModelState | null;
  recorder: RecorderPosition;
}

/** Start a run described by `config` in `opts.out` (which must not hold a run already). */
export async function startRun(config: RunConfig, opts: ExperimentOptions): Promise<RunSummary> {
  const out = resolve(opts.out);
  if (existsSync(join(out, 'config.json'))) {
    throw new Error(`${out} already holds a run; continue it with --resume ${opts.out}, or choose another --out`);
  }
  return execute(config, null, opts);
}

/** Continue the run in `opts.out` from its last checkpoint (or from the start if it never wrote one). */
export async function resumeRun(opts: ExperimentOptions): Promise<RunSummary> {
  const out = resolve(opts.out);
  const cfgPath = join(out, 'config.json');
  if (!existsSync(cfgPath)) throw new Error(`--resume ${opts.out}: no run there (no config.json)`);
  const config = JSON.parse(readFileSync(cfgPath, 'utf8')) as RunConfig;
  const summaryPath = join(out, 'summary.json');
  if (existsSync(summaryPath) && (JSON.parse(readFileSync(summaryPath, 'utf8')) as RunSummary).status === 'complete') {
    throw new Error(`--resume ${opts.out}: the run is complete already`);
  }
  return execute(config, (readCheckpoint(out) as Checkpoint | null) ?? undefined, opts);
}

async function execute(config: RunConfig, saved: Checkpoint | null | undefined, opts: ExperimentOptions): Promise<RunSummary> {
  const out = resolve(opts.out);
  const catalog = opts.catalog ?? defaultCatalog();
  const backend = getBackend(config.backendRequested);
  if (saved !== null && config.backend !== backend.name) {
    throw new Error(`--resume: the run used the ${config.backend} backend; this machine gives ${backend.name} for '${config.backendRequested}' (bit-for-bit continuation needs the same backend: set SUPPLE_BACKEND=${config.backend})`);
  }
  config.backend = backend.name;
  if (saved === null) writeFileAtomic(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

  const root = Rng.seeded(config.seed);
  const benchmark = catalog.benchmarks.get(config.benchmark.name);
  const { name: _b, ...benchOptions } = config.benchmark;
  const data: DataSource = opts.data ?? resolveDataSource(config.data.dir ? { dataDir: config.data.dir } : {});
  const stream = await benchmark.create(benchOptions, { backend, rng: root.split('stream'), data });
  const spec = buildModelSpec(config.model, stream.inputShape, stream.outputs);
  const model = Model.build(spec, { inputShape: stream.inputShape, backend, rng: root.split('model'), checkFinite: config.run.checkFinite });
  const learner = new Learner({ model, optimizer: buildOptimizer(config.optimizer), loss: stream.loss === 'mse' ? meanSquaredError : crossEntropy });
  // One stream per method, for its own draws and its edits' redraws; checkpointed with its state.
  const methods: RunMethod[] = createMethods(config.methods, { model, learner, backend, rng: root }, catalog.methods);
  const probes = catalog.probes.create(config.probes, { learner, backend, rng: root.split('probes') });
  const benchmarkRng = root.split('benchmark-edits');
  const bestParams: { state: ModelState | null } = { state: null };
  let loop = initialLoopState();
  let secondsBefore = 0;
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
    secondsBefore = saved.seconds;
  }
  // A fresh run, or a resumed one that never wrote a checkpoint, starts its logs from empty.
  const recorder = new Recorder(out, saved ? saved.recorder : undefined);
  opts.onStart?.({ config, stream, model, resumed: saved !== null });

  const t0 = performance.now();
  const seconds = () => secondsBefore + (performance.now() - t0) / 1000;
  let lastCheckpoint = performance.now();
  const checkpoint = (state: LoopState) => {
    const ck: Checkpoint = {
      version: config.version,
      loop: state,
      step: learner.step,
      taskStartStep: learner.taskStartStep,
      seconds: seconds(),
      model: model.getState(),
      optimizer: learner.optState,
      methods: methods.map((m) => ({ name: m.name, state: m.instance.state, rng: m.rng.getState() })),
      benchmarkRng: benchmarkRng.getState(),
      probes: probes.getState?.(),
      bestParams: bestParams.state,
      recorder: recorder.position,
    };
    recorder.sync();
    writeCheckpoint(out, ck);
    lastCheckpoint = performance.now();
  };
  const every = config.run.checkpointSeconds * 1000;
  const first = stream.task(0);
  const totalExamples = first.schedule.kind === 'epochs' ? stream.numTasks * first.size * first.schedule.epochs : null;
  let taskLabel = '';
  let labelTask = -1;
  const finished = await trainLoopAsync(
    {
      stream,
      learner,
      methods,
      probes,
      rng: benchmarkRng,
      bestParams,
      record: (r) => recorder.metric(r),
      recordEdits: (step, task, records) => recorder.edits(step, task, records),
      checkpoint: (state) => {
        if (state.done || performance.now() - lastCheckpoint >= every) checkpoint(state);
      },
      checkpointDue: () => every > 0 && performance.now() - lastCheckpoint >= every,
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
  if (!finished) checkpoint(loop);
  recorder.close();
  const s = seconds();
  const summary: RunSummary = {
    status: finished ? 'complete' : 'stopped',
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
  };
  writeFileAtomic(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
