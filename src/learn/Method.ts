import type { z } from 'zod';
import type { Backend } from '../backend/Backend.js';
import type { Rng } from '../tensor/Rng.js';
import type { Edit } from '../nn/Edit.js';
import type { Model } from '../nn/Model.js';
import type { LossValue } from '../losses/Loss.js';
import type { Batch, EvalSet, ExampleSource, TaskInfo } from './Batch.js';
import type { Learner } from './Learner.js';

/** What a method sees when it is created. It must not mutate the model: it returns edits. */
export interface MethodContext {
  readonly model: Model;
  readonly learner: Learner;
  readonly backend: Backend;
  /** The method's own random stream (split from the run's by the method's name). */
  readonly rng: Rng;
}

/** After each optimizer update. Layer outputs still hold this step's forward pass (unit activations). */
export interface StepInfo {
  /** Updates done so far, this one included. */
  readonly step: number;
  readonly task: number;
  readonly batch: Batch;
  readonly loss: LossValue;
  /** What is being trained: methods that score units on a batch of their own draw it with `taskData.probe`. */
  readonly taskData: ExampleSource;
}

/** At a task boundary (before the first step of `task`), when the stream gives a task signal. */
export interface BoundaryInfo {
  readonly step: number;
  /** The task about to start. */
  readonly task: TaskInfo;
}

/** When new data joins the training set (warm-starting), before training on it. */
export interface GrowthInfo {
  readonly step: number;
  readonly task: TaskInfo;
  /** All training data seen so far, the new data included. */
  readonly seen: EvalSet;
  /** How many examples joined (one data chunk), when the stream says. */
  readonly newExamples?: number;
}

/**
 * A plasticity method once configured: optional typed hooks returning edits, metrics and state. A method
 * that changes the loss adds its linear regularizer to `ctx.learner` when it is created (so no loop can
 * forget it). `state` may hold ParamSlots / UnitSlots: applyEdits resets their entries when any edit
 * reinitializes what they shadow, and checkpoints save and restore the whole tree.
 */
export interface MethodInstance {
  readonly state: unknown;
  /** Called after each optimizer update; returns the edits to apply before the next step (empty: none). */
  afterUpdate?(info: StepInfo): readonly Edit[];
  /** Called before the first step of a new task (when the stream signals tasks); returns the edits to apply then. */
  atTaskBoundary?(info: BoundaryInfo): readonly Edit[];
  /**
   * Called when new data joins the training set (warm-starting), before training on it; returns the edits to apply
   * then.
   */
  atDataGrowth?(info: GrowthInfo): readonly Edit[];
  /** Counters to record, keyed like 'method/replaced/h1'. */
  metrics?(): Record<string, number>;
}

/**
 * A plasticity method: a config schema (defaults and one-line docs per field; the single source of its CLI
 * keys `method.<field>`) and a factory.
 */
export interface Method<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** One line for `supple list`. */
  readonly description: string;
  /** The paper it implements, as a citation. */
  readonly reference?: string;
  readonly schema: S;
  /**
   * Makes an instance for one model from a validated config (the output of `schema`); it may add its regularizer to
   * `ctx.learner` here.
   */
  create(config: z.output<S>, ctx: MethodContext): MethodInstance;
}
