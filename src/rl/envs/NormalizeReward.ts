import type { Action, Env, StepResult } from './Env.js';
import { RunningMeanStd, type RunningMeanStdState } from './RunningMeanStd.js';
import { Wrapper } from './Wrapper.js';
import { stepResult } from './stepResult.js';

/**
 * Rewards scaled by the running standard deviation of the discounted return (Gymnasium's NormalizeReward):
 * G <- G gamma (1 - terminated) + r, the statistics take G, and the reward comes out as r / sqrt(var + epsilon)
 * (not centred, as in Gymnasium and the baselines). G is not cleared on truncation or reset, as in Gymnasium.
 * `updateStats = false` freezes the statistics. G and the statistics are part of the checkpoint.
 */
export class NormalizeReward extends Wrapper {
  readonly kind = 'NormalizeReward';
  readonly rms = new RunningMeanStd(1);
  /** The discounted return G. */
  discountedReturn = 0;
  updateStats = true;
  private readonly g = new Float64Array(1);

  constructor(
    env: Env,
    readonly gamma = 0.99,
    readonly epsilon = 1e-8,
  ) {
    super(env);
    if (!(gamma >= 0 && gamma <= 1)) throw new Error(`NormalizeReward: gamma = ${gamma} is not allowed: in [0, 1]`);
    if (!(epsilon > 0)) throw new Error(`NormalizeReward: epsilon = ${epsilon} is not allowed: > 0`);
  }

  override step(action: Action): StepResult {
    const r = this.env.step(action);
    this.discountedReturn = this.discountedReturn * this.gamma * (1 - (r.terminated ? 1 : 0)) + r.reward;
    if (this.updateStats) {
      this.g[0] = this.discountedReturn;
      this.rms.updateOne(this.g);
    }
    return stepResult(r.obs, r.reward / Math.sqrt(this.rms.var[0]! + this.epsilon), r.terminated, r.truncated, r.info);
  }

  protected override ownState(): unknown {
    return { rms: this.rms.getState(), discountedReturn: this.discountedReturn, updateStats: this.updateStats };
  }

  protected override setOwnState(own: unknown): void {
    const s = own as { rms: RunningMeanStdState; discountedReturn: number; updateStats: boolean };
    this.rms.setState(s.rms);
    this.discountedReturn = s.discountedReturn;
    this.updateStats = s.updateStats;
  }
}
