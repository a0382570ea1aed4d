import type { Rng } from '../../tensor/Rng.js';
import type { Action, BoxSpace, Env, StepResult } from './Env.js';
import { RunningMeanStd, type RunningMeanStdState } from './RunningMeanStd.js';
import { boxSpace } from './spaces.js';
import { Wrapper } from './Wrapper.js';
import { stepResult } from './stepResult.js';

/**
 * Observations centred and scaled by their running mean and variance (Gymnasium's NormalizeObservation):
 * each observation (after reset and after each step) first updates the statistics, then comes out as
 * (obs - mean) / sqrt(var + epsilon). `updateStats = false` freezes the statistics (evaluation). The
 * statistics are part of the checkpoint. The output is this wrapper's own buffer, rewritten at each call.
 */
export class NormalizeObservation extends Wrapper {
  readonly kind = 'NormalizeObservation';
  readonly rms: RunningMeanStd;
  updateStats = true;
  private readonly out: Float64Array;
  private readonly space: BoxSpace;

  constructor(
    env: Env,
    readonly epsilon = 1e-8,
  ) {
    super(env);
    if (!(epsilon > 0)) throw new Error(`NormalizeObservation: epsilon = ${epsilon} is not allowed: > 0`);
    const n = env.observationSpace.low.length;
    this.rms = new RunningMeanStd(n);
    this.out = new Float64Array(n);
    this.space = boxSpace(new Float64Array(n).fill(-Infinity), new Float64Array(n).fill(Infinity), env.observationSpace.shape);
  }

  override get observationSpace(): BoxSpace {
    return this.space;
  }

  override reset(rng?: Rng): Float64Array {
    return this.normalize(this.env.reset(rng));
  }

  override step(action: Action): StepResult {
    const r = this.env.step(action);
    return stepResult(this.normalize(r.obs), r.reward, r.terminated, r.truncated, r.info);
  }

  /** Updates the statistics with `obs` (unless frozen) and returns it normalized. */
  normalize(obs: Float64Array): Float64Array {
    if (this.updateStats) this.rms.updateOne(obs);
    const m = this.rms.mean, v = this.rms.var, out = this.out, eps = this.epsilon;
    for (let i = 0; i < out.length; i++) out[i] = (obs[i]! - m[i]!) / Math.sqrt(v[i]! + eps);
    return out;
  }

  protected override ownState(): unknown {
    return { rms: this.rms.getState(), updateStats: this.updateStats };
  }

  protected override setOwnState(own: unknown): void {
    const s = own as { rms: RunningMeanStdState; updateStats: boolean };
    this.rms.setState(s.rms);
    this.updateStats = s.updateStats;
  }
}
