/**
 * Learning-rate (or any scalar) schedules as plain data, evaluated at an update count (1-based).
 */
export type Schedule =
  | number
  | { readonly kind: 'constant'; readonly value: number }
  /** values[i] applies while step <= boundaries[i] (exclusive of earlier ones); values has one more entry. */
  | { readonly kind: 'piecewise'; readonly boundaries: readonly number[]; readonly values: readonly number[] }
  /** Linear warmup from 0 over `warmup` steps, then `value`. */
  | { readonly kind: 'warmup'; readonly warmup: number; readonly value: number }
  /** Cosine decay from `value` to `final` over `steps`. */
  | { readonly kind: 'cosine'; readonly value: number; readonly steps: number; readonly final?: number }
  /** Restart `schedule` at every task: it is read at the update count within the task. */
  | { readonly kind: 'per-task'; readonly schedule: Schedule }
  /** By epoch within the task: values[i] while epoch < boundaries[i] (0-based epochs), the last value after. */
  | { readonly kind: 'epochs'; readonly boundaries: readonly number[]; readonly values: readonly number[] };

/** The value at a point of training: `step` counts all updates (1-based), `taskStep` those of the current task. */
export function scheduleAt(s: Schedule, clock: { step: number; taskStep?: number; epoch?: number } | number): number {
  if (typeof s === 'number') return s;
  const step = typeof clock === 'number' ? clock : clock.step;
  switch (s.kind) {
    case 'per-task': {
      const t = typeof clock === 'number' ? clock : (clock.taskStep ?? clock.step);
      return scheduleAt(s.schedule, { step: t, taskStep: t, ...(typeof clock === 'number' || clock.epoch === undefined ? {} : { epoch: clock.epoch }) });
    }
    case 'epochs': {
      const e = typeof clock === 'number' ? 0 : (clock.epoch ?? 0);
      for (let i = 0; i < s.boundaries.length; i++) if (e < s.boundaries[i]!) return s.values[i]!;
      return s.values[s.values.length - 1]!;
    }
    case 'constant':
      return s.value;
    case 'piecewise': {
      for (let i = 0; i < s.boundaries.length; i++) if (step <= s.boundaries[i]!) return s.values[i]!;
      return s.values[s.values.length - 1]!;
    }
    case 'warmup':
      return step >= s.warmup ? s.value : (s.value * step) / s.warmup;
    case 'cosine': {
      const f = s.final ?? 0;
      const t = Math.min(step, s.steps) / s.steps;
      return f + 0.5 * (s.value - f) * (1 + Math.cos(Math.PI * t));
    }
  }
}

/**
 * What is wrong with a schedule, or null: values finite and at least `min` (a learning rate: 0), boundaries
 * positive integers in increasing order, one more value than boundaries, positive lengths. The config schema
 * runs it, so a bad schedule is refused before any work, naming the key, the value and what is allowed.
 */
export function scheduleProblem(s: Schedule, min = 0): string | null {
  const value = (v: number, what: string): string | null => (Number.isFinite(v) && v >= min ? null : `${what} ${v} must be a finite number >= ${min}`);
  if (typeof s === 'number') return value(s, 'the value');
  switch (s.kind) {
    case 'constant':
      return value(s.value, 'the value');
    case 'piecewise':
    case 'epochs': {
      if (s.values.length !== s.boundaries.length + 1) return `a ${s.kind} schedule needs one more value than boundaries (got ${s.values.length} values, ${s.boundaries.length} boundaries)`;
      for (let i = 0; i < s.boundaries.length; i++) {
        const b = s.boundaries[i]!;
        if (!(Number.isInteger(b) && b > 0)) return `boundary ${b} must be a positive integer (${s.kind === 'epochs' ? 'an epoch' : 'an update count'})`;
        if (i > 0 && !(b > s.boundaries[i - 1]!)) return `boundaries must increase strictly (got ${s.boundaries.join(', ')})`;
      }
      for (const v of s.values) {
        const p = value(v, 'value');
        if (p) return p;
      }
      return null;
    }
    case 'warmup':
      return !(Number.isInteger(s.warmup) && s.warmup > 0) ? `warmup ${s.warmup} must be a positive integer` : value(s.value, 'the value');
    case 'cosine':
      if (!(Number.isInteger(s.steps) && s.steps > 0)) return `steps ${s.steps} must be a positive integer`;
      return value(s.value, 'the value') ?? (s.final === undefined ? null : value(s.final, 'final'));
    case 'per-task':
      return scheduleProblem(s.schedule, min);
  }
}

/**
 * The CIFAR-100 class-incremental schedule of Dohare et al. 2024: 0.1, then 0.02, 0.004, 0.0008 after
 * 30%, 60% and 80% of `steps` (the same shape at any length; the boundaries are computed, not fixed).
 */
export function stepDecay(steps: number, values: readonly number[] = [0.1, 0.02, 0.004, 0.0008], at: readonly number[] = [0.3, 0.6, 0.8]): Schedule {
  return { kind: 'piecewise', boundaries: at.map((f) => Math.round(f * steps)), values };
}
