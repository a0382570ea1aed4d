import type { Edit } from '../nn/Edit.js';

/** The hooks' answer when a method does nothing this time (shared: no allocation on the per-step path). */
export const noEdits: readonly Edit[] = Object.freeze([]);

/**
 * Where a method that acts "at each task boundary or data growth" stands: a stream may signal both at the same
 * step (a warm-start stream with task signal), which must count once. Plain JSON, kept in the method's state.
 */
export interface TaskEvents {
  /** Step of the last counted event (-1: none yet). */
  lastStep: number;
  /** Events counted so far. */
  count: number;
}

export function taskEvents(): TaskEvents {
  return { lastStep: -1, count: 0 };
}

/**
 * Count a boundary or growth event at `step`. Returns its number (1, 2, ...), or 0 when it is not a new event:
 * another hook already counted this step, or nothing has been learned yet (step 0, the first data arriving).
 */
export function countTaskEvent(s: TaskEvents, step: number): number {
  if (step === 0 || step === s.lastStep) return 0;
  s.lastStep = step;
  return ++s.count;
}

/** True on every `every`-th event (every = 0: never). */
export function isNth(event: number, every: number): boolean {
  return event > 0 && every > 0 && event % every === 0;
}
