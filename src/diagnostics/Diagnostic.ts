import type { z } from 'zod';
import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Rng } from '../tensor/Rng.js';
import type { Model } from '../nn/Model.js';
import type { Learner } from '../learn/Learner.js';
import type { Batch } from '../benchmarks/Benchmark.js';

/** What a diagnostic reads: the model as it is, a probe batch from the current task, the initial parameters. */
export interface DiagnosticContext {
  readonly model: Model;
  readonly learner: Learner;
  readonly backend: Backend;
  /** N examples of the current task (2000 by default); the model has NOT run on it yet. */
  readonly probe: Batch;
  /** Examples per forward pass over the probe batch for networks with convolutions (default 128). */
  readonly chunk?: number;
  /** Parameters at step 0, by parameter index (distance from init, L2-Init). */
  readonly initial: readonly FloatArray[];
  /**
   * A random stream of this probe (never the run's): the diagnostics of one probe share it, so each splits off
   * its own by name (`ctx.rng.split('plasticity')`; draws from a split never shift another's).
   */
  readonly rng: Rng;
}

/**
 * A diagnostic of plasticity loss: a pure function of the model and a probe batch (it must not change the
 * training run: no parameter, optimizer or random state of the run is touched). Values are keyed like
 * 'diag/effectiveRank/h1' (per unit group) or 'diag/weightMagnitude'.
 */
export interface Diagnostic<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly schema: S;
  /**
   * Measures the model on `ctx.probe` with a validated config and returns the values by key ('diag/<name>/<group>',
   * 'diag/<name>'); must leave the run's state untouched.
   */
  compute(ctx: DiagnosticContext, config: z.output<S>): Record<string, number>;
  /** Throws a clear error when this diagnostic cannot run on the model (called before the run starts). */
  validate?(model: Model, config: z.output<S>): void;
}

/**
 * A per-step tracker for quantities a probe cannot recover later (the largest update in a window): it
 * observes every step cheaply and reports at the probe cadence.
 */
export interface Tracker {
  readonly name: string;
  /**
   * Called after every optimizer update with the run's learner; must be cheap (it observes, it never changes the
   * run).
   */
  afterStep(learner: Learner): void;
  /** After an agent's update of many steps (the RL loop calls it through the probes), for per-update measures. */
  atUpdateEnd?(learner: Learner): void;
  /** Values since the last report; resets the window. */
  report(): Record<string, number>;
}

/** What a tracker is made from. */
export interface TrackerContext {
  readonly model: Model;
  readonly learner: Learner;
  readonly backend: Backend;
}

/** A tracker in the registry: a config schema and a factory (probes create one per run). */
export interface TrackerDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly schema: S;
  /** Makes the tracker of one run from a validated config. */
  create(config: z.output<S>, ctx: TrackerContext): Tracker;
}
