import type { StepResult } from './Env.js';

/**
 * A StepResult with its five keys always present and in one order: V8 then sees one object shape at every
 * consumer (spreading `{ ...r, obs }` makes new shapes and slow paths; wrappers stack several of these per step).
 */
export function stepResult(obs: Float64Array, reward: number, terminated: boolean, truncated: boolean, info: Readonly<Record<string, number>> | undefined): StepResult {
  return { obs, reward, terminated, truncated, info };
}
