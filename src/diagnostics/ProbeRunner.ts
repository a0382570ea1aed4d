import { useBackendEigenvalues } from './singularValues.js';
import { z } from 'zod';
import type { Batch, TaskInfo } from '../learn/Batch.js';
import type { Learner } from '../learn/Learner.js';
import type { ProbeRunner } from '../learn/ProbeRunner.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Rng } from '../tensor/Rng.js';
import type { Diagnostic, DiagnosticContext, Tracker } from './Diagnostic.js';
import { defaultDiagnostics, isTracker, registeredDiagnostics, type ProbeDefinition } from './index.js';

const cadence = {
  everySteps: z.number().int().min(0).nullable().default(null).describe('this probe every N steps (null: the probes setting; 0: never)'),
  everyTasks: z.number().int().min(0).nullable().default(null).describe('this probe at the end (or start) of every k-th task (null: the probes setting; 0: never)'),
  at: z.enum(['end', 'start']).nullable().default(null).describe('this probe at the end of a task or the start of one (null: the probes setting)'),
};

/**
 * The schema of the probes of a run, from the registry: which diagnostics, their cadence, the probe batch size,
 * and one object of options per diagnostic (`probes.dormantFraction.tau`, `probes.plasticity.steps`), each with
 * an optional cadence of its own (`probes.plasticity.everyTasks = 10`).
 */
export function buildProbeSchema(defs: readonly ProbeDefinition[] = registeredDiagnostics()) {
  const names = defs.map((d) => d.name) as [string, ...string[]];
  const options: Record<string, z.ZodType> = {};
  for (const d of defs) {
    const s = (d.schema as z.ZodObject).extend(cadence);
    options[d.name] = s.prefault({}).describe(`${d.name}: ${d.description}`);
  }
  return z.strictObject({
    diagnostics: z
      .array(z.enum(names))
      .default([...defaultDiagnostics])
      .refine((a) => new Set(a).size === a.length, { message: 'a diagnostic is listed twice' })
      .describe(`diagnostics to run; known: ${names.join(', ')}`),
    everySteps: z.number().int().min(0).default(0).describe('run the probes every N steps (0: never)'),
    everyTasks: z.number().int().min(0).default(1).describe('run the probes at the end of every k-th task (1: each task; 0: never), or at the start of it with at = start'),
    at: z
      .enum(['end', 'start'])
      .default('end')
      .describe("task probes run at the 'end' of a task (after its last step), or at the 'start' of one (after the boundary's resets and method hooks, before its first step, on the new task's data: what Dohare et al.'s class-incremental analysis measures); start records carry 'probe/atTaskStart': 1"),
    batchSize: z.number().int().min(1).default(2000).describe('probe examples drawn from the current task'),
    chunk: z.number().int().min(1).default(128).describe('examples per forward pass over the probe batch in networks with convolutions (memory)'),
    ...options,
  });
}

/** The probes config of the built-in registry. */
export const probeSchema = buildProbeSchema();
/**
 * A validated probes config (the output of {@link probeSchema}): which diagnostics run, their cadence, the probe
 * batch size and chunk, and each diagnostic's options.
 */
export type ProbeConfig = z.output<typeof probeSchema>;

/**
 * What {@link createProbeRunner} needs besides the config: the run's learner, the probes' own random stream and, for
 * a resumed run, the parameters at step 0.
 */
export interface ProbeRunnerOptions {
  readonly learner: Learner;
  /** The probes' own random stream (split from the run's); probe batches and plasticity targets come from it. */
  readonly rng: Rng;
  /**
   * Parameters at step 0 by parameter index (distance from init). Default: a copy of the parameters now, which is
   * right when the runner is made before the first step; a resumed run passes theta_0 (rebuild the model from its
   * seed).
   */
  readonly initial?: readonly FloatArray[];
}

interface Entry {
  readonly def: ProbeDefinition;
  readonly options: Record<string, unknown>;
  readonly everySteps: number;
  readonly everyTasks: number;
  readonly at: 'end' | 'start';
  readonly tracker: Tracker | null;
  lastStep: number;
}

/** The probes of a run, as the training loop drives them; plus the resolved config. */
export interface Probes extends ProbeRunner {
  readonly config: ProbeConfig;
  /** After an agent's update (RL: one PPO update of many steps); trackers that measure per update read it. */
  atUpdateEnd(): void;
  /** Run the given diagnostics now (all configured ones by default), on a probe batch from `task`. */
  runNow(step: number, task: TaskInfo, names?: readonly string[]): Record<string, number>;
}

/**
 * Build the probes of a run from a parsed config (parseConfig(probeSchema, ...)). Diagnostics run at their
 * cadence on a probe batch of `batchSize` examples drawn from the current task with the probes' own random
 * stream, split by step (so a resumed run draws the same batches); trackers watch every step and report at
 * their cadence. Nothing of the training run changes: features come from an evaluation-mode forward pass,
 * gradients and training from a shadow copy of the model.
 */
export function createProbeRunner(config: ProbeConfig, opts: ProbeRunnerOptions): Probes {
  const { learner, rng } = opts;
  const model = learner.model;
  const backend = model.backend;
  const initial = opts.initial ?? model.params.map((p) => p.data.slice());
  // A backend with its own eigensolver (native: LAPACK dsyevd) gives the singular values; elsewhere ml-matrix does.
  useBackendEigenvalues(backend);
  const all = new Map(registeredDiagnostics().map((d) => [d.name, d]));
  const cfg = config as unknown as Record<string, Record<string, unknown>>;
  const entries: Entry[] = config.diagnostics.map((name) => {
    const def = all.get(name);
    if (!def) throw new Error(`probes: no diagnostic named '${name}'; known: ${[...all.keys()].join(', ')}`);
    const { everySteps, everyTasks, at, ...options } = cfg[name] ?? {};
    if (!isTracker(def)) (def as Diagnostic).validate?.(model, options);
    return {
      def,
      options,
      everySteps: (everySteps as number | null) ?? config.everySteps,
      everyTasks: (everyTasks as number | null) ?? config.everyTasks,
      at: (at as 'end' | 'start' | null) ?? config.at,
      tracker: isTracker(def) ? def.create(options, { model, learner, backend }) : null,
      lastStep: -1,
    };
  });
  const trackers = entries.filter((e) => e.tracker).map((e) => e.tracker!);
  const stepEntries = entries.filter((e) => e.everySteps > 0);

  const run = (due: readonly Entry[], step: number, task: TaskInfo): Record<string, number> => {
    const eventRng = rng.split(`step${step}`);
    let probe: Batch | null = null;
    const ctx: DiagnosticContext = {
      model,
      learner,
      backend,
      get probe() {
        return (probe ??= task.probe(config.batchSize, eventRng.split('batch')));
      },
      chunk: config.chunk,
      initial,
      rng: eventRng,
    };
    const out: Record<string, number> = {};
    for (const e of due) {
      Object.assign(out, e.tracker ? e.tracker.report() : (e.def as Diagnostic).compute(ctx, e.options));
      e.lastStep = step;
    }
    return out;
  };
  const orNull = (r: Record<string, number>) => (Object.keys(r).length ? r : null);

  return {
    config,
    afterStep(step, task) {
      for (let i = 0; i < trackers.length; i++) trackers[i]!.afterStep(learner);
      // Called after every training step: nothing to look at when no probe has a step cadence.
      if (stepEntries.length === 0) return null;
      let due: Entry[] | null = null;
      for (const e of stepEntries) if (step % e.everySteps === 0) (due ??= []).push(e);
      return due ? orNull(run(due, step, task)) : null;
    },
    atTaskEnd(step, task) {
      // A probe that just ran at this step is not repeated, unless early stopping restored other parameters.
      const due = entries.filter((e) => e.at === 'end' && e.everyTasks > 0 && (task.index + 1) % e.everyTasks === 0 && (e.lastStep !== step || task.earlyStopping));
      return due.length ? orNull(run(due, step, task)) : null;
    },
    atTaskStart(step, task) {
      // Tasks 0, k, 2k, ...: the first probe sees the network before any training, as the reference's epoch-0 analysis.
      const due = entries.filter((e) => e.at === 'start' && e.everyTasks > 0 && task.index % e.everyTasks === 0);
      if (!due.length) return null;
      const r = orNull(run(due, step, task));
      return r ? { ...r, 'probe/atTaskStart': 1 } : null;
    },
    atUpdateEnd() {
      for (const t of trackers) t.atUpdateEnd?.(learner);
    },
    runNow(step, task, names) {
      const due = names ? entries.filter((e) => names.includes(e.def.name)) : entries;
      return run(due, step, task);
    },
  };
}
