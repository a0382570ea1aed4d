import type { Rng } from '../../tensor/Rng.js';
import type { Action, Env, StepResult } from './Env.js';
import { Wrapper } from './Wrapper.js';
import { stepResult } from './stepResult.js';

/** Truncates an episode after `maxEpisodeSteps` steps (Gymnasium's TimeLimit; gymnasium.make adds it). */
export class TimeLimit extends Wrapper {
  readonly kind = 'TimeLimit';
  /** Steps taken in the current episode. */
  elapsedSteps = 0;

  constructor(
    env: Env,
    readonly maxEpisodeSteps: number,
  ) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) throw new Error(`TimeLimit: maxEpisodeSteps = ${maxEpisodeSteps} is not allowed: an integer >= 1`);
  }

  override reset(rng?: Rng): Float64Array {
    this.elapsedSteps = 0;
    return this.env.reset(rng);
  }

  override step(action: Action): StepResult {
    const r = this.env.step(action);
    this.elapsedSteps++;
    if (this.elapsedSteps >= this.maxEpisodeSteps && !r.truncated) return stepResult(r.obs, r.reward, r.terminated, true, r.info);
    return r;
  }

  protected override ownState(): unknown {
    return { elapsedSteps: this.elapsedSteps };
  }

  protected override setOwnState(own: unknown): void {
    this.elapsedSteps = (own as { elapsedSteps: number }).elapsedSteps;
  }
}
