import type { FloatArray } from '../tensor/FloatArray.js';
import type { Rng } from '../tensor/Rng.js';
import type { Tensor } from '../tensor/Tensor.js';

/** A batch in backend memory. The stream reuses its buffers: valid until the next batch is taken. */
export interface Batch {
  readonly x: Tensor;
  /** Class indices (as floats) for classification; targets shaped like the output for regression. */
  readonly y: FloatArray;
}

/** A fixed set of examples to evaluate on (a test split, a validation split, all data seen so far). */
export interface EvalSet {
  readonly name: string;
  readonly size: number;
  /** The examples in order, in batches of at most `batchSize` (the last may be smaller). */
  batches(batchSize: number): Iterable<Batch>;
}

/**
 * Examples of what is being learned now, for methods and probes that look at the network on data of their
 * own: a supervised task draws from its training set, an RL agent from its recent observations.
 */
export interface ExampleSource {
  /** The training batch size (methods that make their own passes default to it). */
  readonly batchSize: number;
  /** n examples drawn with `rng` (never the stream's own random state). */
  probe(n: number, rng: Rng): Batch;
}

/** A task as methods and probes see it: its examples, its position and its name. */
export interface TaskInfo extends ExampleSource {
  readonly index: number;
  /** A human-readable description: 'permutation 3', 'classes 10-14', 'friction 0.31'. */
  readonly label: string;
  /** Early stopping restores the task's best parameters at its end (probes then measure again). */
  readonly earlyStopping?: { readonly on: string; readonly patience: number };
}
