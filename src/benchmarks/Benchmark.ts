import type { z } from 'zod';
import type { Backend } from '../backend/Backend.js';
import type { Rng } from '../tensor/Rng.js';
import type { Batch, EvalSet, TaskInfo } from '../learn/Batch.js';

export type { Batch, EvalSet } from '../learn/Batch.js';

/**
 * Benchmark -> Stream -> Task -> Batch. A benchmark is a config schema plus a factory
 * of streams; a stream is a sequence of tasks; a task yields batches epoch by epoch. Everything is
 * deterministic given the seed: task i and its epoch orders derive from rng.split(...) by index, so a run can
 * resume at (task, epoch, position) without replaying anything.
 */

/** Where an epoch's iteration stands: enough to continue it exactly after a restart. */
export interface CursorState {
  readonly position: number;
  readonly extra?: unknown;
}

/** Batches of one epoch of one task, in order. */
export interface BatchCursor {
  /** Examples taken so far in this epoch. */
  readonly position: number;
  /** The next batch, or null at the end of the epoch. */
  next(): Batch | null;
  /** Where this epoch stands now; `Task.epoch(e, state)` continues from it exactly. */
  getState(): CursorState;
}

/** How long a task trains. */
export type TaskSchedule =
  | { readonly kind: 'epochs'; readonly epochs: number }
  /** Train until training accuracy (over the last epoch) reaches `target` (warm-starting: 0.999), or maxEpochs. */
  | { readonly kind: 'until-train-accuracy'; readonly target: number; readonly maxEpochs: number };

/** What happens to the learner when a task starts (given to method hooks and applied by the runner). */
export interface TaskStart {
  /** Grow the head by this many outputs (class-incremental). */
  readonly growHead?: number;
  /** Reset the head before the task: redraw it from its init ('reinit' or true), or set it to zero ('zero', as the Continual ImageNet reference code does). */
  readonly resetHead?: boolean | 'reinit' | 'zero';
  /** With resetHead: also reset the head's optimizer slots (momentum, Adam moments). Default true. */
  readonly resetHeadOptimizer?: boolean;
  /** New data joined the training set (warm-start): methods' atDataGrowth hooks run. */
  readonly dataGrowth?: boolean;
  /** With dataGrowth: how many examples joined (one chunk; DASH's gradient pass uses batches of this size). */
  readonly newExamples?: number;
}

/** One task of a stream: its examples epoch by epoch, how long it trains, what happens at its start. */
export interface Task extends TaskInfo {
  readonly index: number;
  /** A human-readable description: 'permutation 3', 'classes 10-14', 'chunk 7 of 50'. */
  readonly label: string;
  /** Examples per epoch. */
  readonly size: number;
  readonly batchSize: number;
  readonly schedule: TaskSchedule;
  readonly start: TaskStart;
  /** Early stopping: evaluate `on` after each epoch, keep the best parameters, stop after `patience` epochs without improvement. */
  readonly earlyStopping?: { readonly on: string; readonly patience: number };
  /** The batches of an epoch; `from` continues a saved cursor. */
  epoch(e: number, from?: CursorState): BatchCursor;
  /** Sets evaluated at the end of each epoch / task ('test', 'val'). */
  readonly evalSets: readonly EvalSet[];
  /** All training data seen up to and including this task (warm-start; methods like DASH read it). */
  seenData?(): EvalSet;
  /** n examples of this task for diagnostics, drawn with `rng` (never the stream's own random state). */
  probe(n: number, rng: Rng): Batch;
}

/** What a stream is made of. */
export interface Stream {
  readonly inputShape: readonly number[];
  /** Classes of the (initial) head, or regression outputs. */
  readonly outputs: number;
  readonly loss: 'cross-entropy' | 'mse';
  readonly numTasks: number;
  /** Whether methods are told about task boundaries (false: the learner never sees a task signal). */
  readonly taskSignal: boolean;
  /** Online metrics are recorded per `bin` examples (slowly-changing regression: 40000), else per task. */
  readonly bin?: number;
  /**
   * Task i (0-based) of the stream, built deterministically from the stream's seed; throws if i is outside
   * 0..numTasks-1.
   */
  task(i: number): Task;
  /** Where the data came from, for the run's config.json (files and checksums, or 'synthetic'). */
  readonly provenance: Record<string, unknown>;
}

/** Where data sets are read from (local folder first) and whether downloading is allowed. */
export interface DataSource {
  /** --data-dir / SUPPLE_DATA_DIR, or undefined. */
  readonly dataDir?: string;
  /** The download cache folder. */
  readonly cacheDir: string;
  /** False when offline (then a missing data set is a clear error saying where to put the files). */
  readonly download: boolean;
  /** Check the published checksums of the files read (default true; false for test fixtures cut from real files). */
  readonly verify?: boolean;
}

/**
 * What the paper trained on this benchmark with: settings of the run's `model` and `optimizer` sections
 * (`{ arch: 'conv-net' }`, `{ lr: 0.01 }`), validated with the run's config like any other setting.
 */
export interface LearnerDefaults {
  readonly model: Readonly<Record<string, unknown>>;
  readonly optimizer: Readonly<Record<string, unknown>>;
  /** Probe settings that suit the stream (e.g. a cadence in steps for a stream of one long task). */
  readonly probes?: Record<string, unknown>;
}

/**
 * What a benchmark's `create` gets from the run: the backend that holds its batches, the stream's random stream, and
 * where to read data sets.
 */
export interface BenchmarkContext {
  readonly backend: Backend;
  readonly rng: Rng;
  readonly data: DataSource;
}

/** The options every stream takes, so any benchmark can be cut down from the command line. */
export interface CommonStreamOptions {
  /** Number of tasks (streams with tasks). */
  readonly tasks?: number;
  /** Examples per task. */
  readonly examplesPerTask?: number;
  /** Total examples (streams without tasks). */
  readonly steps?: number;
}

/**
 * A continual-learning benchmark as the registry holds it: a name, a config schema and a factory of task streams (see
 * Stream and Task). Register one with `registerBenchmark`.
 */
export interface Benchmark<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** One line for `supple list`. */
  readonly description: string;
  /** Options with defaults and one-line docs; includes the common options tasks, examplesPerTask, steps. */
  readonly schema: S;
  /**
   * The model and optimizer settings the benchmark's paper used for this config (a run's own settings override them).
   */
  defaults(config: z.output<S>): LearnerDefaults;
  /**
   * Builds the stream for a validated config, loading its data set if it has one; rejects if the data cannot be found
   * or downloaded, or the options do not fit the data.
   */
  create(config: z.output<S>, ctx: BenchmarkContext): Promise<Stream>;
}
