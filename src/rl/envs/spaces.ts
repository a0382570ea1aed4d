import type { BoxSpace, DiscreteSpace } from './Env.js';

/** A box space with the given bounds (copied into float64); `shape` defaults to [low.length]. */
export function boxSpace(low: ArrayLike<number>, high: ArrayLike<number>, shape: readonly number[] = [low.length]): BoxSpace {
  if (low.length !== high.length) throw new Error(`boxSpace: low has ${low.length} values and high ${high.length}`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== low.length) throw new Error(`boxSpace: shape [${shape.join(', ')}] holds ${size} values, bounds have ${low.length}`);
  return { kind: 'box', shape: [...shape], low: Float64Array.from(low), high: Float64Array.from(high) };
}

/** n choices 0..n-1. */
export function discreteSpace(n: number): DiscreteSpace {
  if (!Number.isInteger(n) || n < 1) throw new Error(`discreteSpace: n = ${n} must be an integer >= 1`);
  return { kind: 'discrete', n };
}

/** The number of float64 values in one element of a box space (1 for a discrete space's index). */
export function spaceSize(space: BoxSpace | DiscreteSpace): number {
  return space.kind === 'box' ? space.low.length : 1;
}

/** Checks that `action` belongs to `space` in form (an integer in range, or a vector of the right length); `where` names the env. */
export function checkAction(space: BoxSpace | DiscreteSpace, action: unknown, where: string): void {
  if (space.kind === 'discrete') {
    if (typeof action !== 'number' || !Number.isInteger(action) || action < 0 || action >= space.n) {
      throw new Error(`${where}: action ${String(action)} is not allowed: an integer in [0, ${space.n - 1}]`);
    }
  } else if (!(action instanceof Float64Array) || action.length !== space.low.length) {
    throw new Error(`${where}: action must be a Float64Array of ${space.low.length} values`);
  }
}
