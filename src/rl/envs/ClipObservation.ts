import type { Rng } from '../../tensor/Rng.js';
import type { Action, BoxSpace, Env, StepResult } from './Env.js';
import { boxSpace } from './spaces.js';
import { Wrapper } from './Wrapper.js';
import { stepResult } from './stepResult.js';

/** Observations clipped elementwise to [low, high] (Gymnasium's ClipObservation; CleanRL clips normalized observations to +-10). */
export class ClipObservation extends Wrapper {
  readonly kind = 'ClipObservation';
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  private readonly out: Float64Array;
  private readonly space: BoxSpace;

  constructor(env: Env, low: number | ArrayLike<number>, high: number | ArrayLike<number>) {
    super(env);
    const n = env.observationSpace.low.length;
    const expand = (v: number | ArrayLike<number>, name: string): Float64Array => {
      if (typeof v === 'number') return new Float64Array(n).fill(v);
      if (v.length !== n) throw new Error(`ClipObservation: ${name} has ${v.length} values, the observation ${n}`);
      return Float64Array.from(v);
    };
    this.low = expand(low, 'low');
    this.high = expand(high, 'high');
    for (let i = 0; i < n; i++) if (!(this.low[i]! <= this.high[i]!)) throw new Error(`ClipObservation: low[${i}] = ${this.low[i]} is above high[${i}] = ${this.high[i]}`);
    this.out = new Float64Array(n);
    const s = env.observationSpace;
    this.space = boxSpace(s.low.map((v, i) => Math.max(v, this.low[i]!)), s.high.map((v, i) => Math.min(v, this.high[i]!)), s.shape);
  }

  override get observationSpace(): BoxSpace {
    return this.space;
  }

  override reset(rng?: Rng): Float64Array {
    return this.clip(this.env.reset(rng));
  }

  override step(action: Action): StepResult {
    const r = this.env.step(action);
    return stepResult(this.clip(r.obs), r.reward, r.terminated, r.truncated, r.info);
  }

  private clip(obs: Float64Array): Float64Array {
    const out = this.out, lo = this.low, hi = this.high;
    for (let i = 0; i < out.length; i++) out[i] = Math.min(Math.max(obs[i]!, lo[i]!), hi[i]!);
    return out;
  }
}
