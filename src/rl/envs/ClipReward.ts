import type { Action, Env, StepResult } from './Env.js';
import { Wrapper } from './Wrapper.js';
import { stepResult } from './stepResult.js';

/** Rewards clipped to [min, max] (Gymnasium's ClipReward; CleanRL clips normalized rewards to +-10). */
export class ClipReward extends Wrapper {
  readonly kind = 'ClipReward';

  constructor(
    env: Env,
    readonly min: number,
    readonly max: number,
  ) {
    super(env);
    if (!(min <= max)) throw new Error(`ClipReward: min = ${min} is above max = ${max}`);
  }

  override step(action: Action): StepResult {
    const r = this.env.step(action);
    const reward = Math.min(Math.max(r.reward, this.min), this.max);
    return reward === r.reward ? r : stepResult(r.obs, reward, r.terminated, r.truncated, r.info);
  }
}
