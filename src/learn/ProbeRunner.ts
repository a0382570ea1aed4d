import type { TaskInfo } from './Batch.js';

/**
 * Diagnostics at a cadence, as a training loop drives them (supervised or RL). Must not change the training
 * run: features come from evaluation-mode passes, gradients and training from shadow copies.
 */
export interface ProbeRunner {
  /** After every update (trackers; cheap). Returns records to write, if this step is on the cadence. */
  afterStep(step: number, task: TaskInfo): Record<string, number> | null;
  /** At the end of each task (or, with a task-start cadence, after the boundary's edits). */
  atTaskEnd(step: number, task: TaskInfo): Record<string, number> | null;
  /** Everything needed to continue the probes' cadence and windows exactly (checkpoints). */
  getState?(): unknown;
  setState?(state: unknown): void;
}
