import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Param } from '../nn/Param.js';

/** Where training stands: the update count (1 for the first update) and the count within the current task. */
export interface StepClock {
  readonly step: number;
  /** Updates since the current task began (1 for its first update); schedules of kind 'per-task' read it. */
  readonly taskStep: number;
  /** The epoch within the current task (0-based); 'epochs' schedules read it. */
  readonly epoch?: number;
}

/** What an update sees besides gradients: the clock and the backend. */
export interface UpdateContext extends StepClock {
  readonly backend: Backend;
}

/** u -> a * u + b * w elementwise: the form of SGD with weight decay, which can be fused into backward. */
export interface Affine {
  a: number;
  b: number;
}

/**
 * A gradient transformation in the style of Optax: `init` makes the state, `update` turns gradients into
 * updates. For speed (no allocation per step) `update` works in place: it overwrites `updates` (which hold
 * the gradients on entry) and advances `state`. Parameter-shaped state lives in ParamSlots so that unit
 * resets find and reset it. Transforms skip frozen parameters. `chain` composes transforms.
 */
export interface Transform<S = unknown> {
  readonly name: string;
  /** Makes the state for these parameters (parameter-shaped slots live in the backend's memory). */
  init(params: readonly Param[], backend: Backend): S;
  /**
   * Turns the gradients in `updates` (one array per parameter) into updates in place and advances `state`; frozen
   * parameters are left alone.
   */
  update(updates: readonly FloatArray[], state: S, params: readonly Param[], ctx: UpdateContext): void;
  /**
   * Present when this transform is u -> a u + b w with no state: writes a and b for this step and parameter
   * into `out` (no allocation on the hot path) and returns true, or returns false if not affine at this step.
   * A chain of affine transforms is affine, and the trainer then applies it inside backward.
   */
  affine?(clock: StepClock, param: Param, out: Affine): boolean;
}

/** Apply updates to parameters: w += u (trainable parameters only). */
export function applyUpdates(params: readonly Param[], updates: readonly FloatArray[], backend: Backend): void {
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    if (p.trainable) backend.axpy(1, updates[i]!, p.data);
  }
}
