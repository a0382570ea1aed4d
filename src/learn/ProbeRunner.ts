import type { TaskInfo } from './Batch.js';

/**
 * Diagnostics at a cadence, as a training loop drives them (supervised or RL). Must not change the training
 * run: features come from evaluation-mode passes, gradients and training from shadow copies.
 */
export interface ProbeRunner {
  /** After every update (trackers; cheap). Returns records to write, if this step is on the cadence. */
  afterStep(step: number, task: TaskInfo): Record<string, number> | null;
  /** At the end of each task. */
  atTaskEnd(step: number, task: TaskInfo): Record<string, number> | null;
  /** At the start of each task, after the boundary's edits and the methods' boundary hooks, before its first update. */
  atTaskStart?(step: number, task: TaskInfo): Record<string, number> | null;
  /** After an agent's update of many steps (RL): trackers that measure per update read it. */
  atUpdateEnd?(): void;
  /** Everything needed to continue the probes' cadence and windows exactly (checkpoints). */
  getState?(): unknown;
  /** Restores what `getState` returned, so cadence and tracker windows continue exactly after a resume. */
  setState?(state: unknown): void;
}
