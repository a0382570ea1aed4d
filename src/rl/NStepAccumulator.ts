import type { ReplayBuffer } from './ReplayBuffer.js';

/** The accumulator's checkpoint: the pending steps of each env copy. */
export interface NStepAccumulatorState {
  obs: Float32Array;
  actions: Int32Array;
  rewards: Float64Array;
  count: number[];
}

/**
 * Turns one-step transitions of N env copies into n-step ones for a replay buffer: each copy keeps its last n
 * (obs, action, reward); once n are pending the oldest is stored with R = sum_k gamma^k r_k and the current
 * next observation (horizon n, not terminal). When an episode ends every pending step is flushed with its
 * truncated sum and the episode's last observation (terminal only when the MDP terminated: a time limit
 * bootstraps). With n = 1 it stores each transition as it comes (CleanRL's dqn.py).
 */
export class NStepAccumulator {
  private readonly obs: Float32Array;
  private readonly actions: Int32Array;
  private readonly rewards: Float64Array;
  private readonly count: number[];

  constructor(
    readonly n: number,
    readonly numEnvs: number,
    readonly obsSize: number,
    readonly gamma: number,
  ) {
    if (!Number.isInteger(n) || n < 1 || n > 255) throw new Error(`n-step: n = ${n} is not allowed: an integer in [1, 255]`);
    this.obs = new Float32Array(numEnvs * n * obsSize);
    this.actions = new Int32Array(numEnvs * n);
    this.rewards = new Float64Array(numEnvs * n);
    this.count = new Array<number>(numEnvs).fill(0);
  }

  /**
   * One step of copy i: `obs` row at `obsOffset` was acted on with `action`, giving `reward`; `next` (row at
   * `nextOffset`) is the observation that followed (the final one when the episode ended).
   */
  push(buffer: ReplayBuffer, i: number, obs: ArrayLike<number>, obsOffset: number, action: number, reward: number, next: ArrayLike<number>, nextOffset: number, terminated: boolean, ended: boolean): void {
    if (this.n === 1) {
      buffer.add(obs, obsOffset, next, nextOffset, action, reward, terminated, 1);
      return;
    }
    const n = this.n, S = this.obsSize, base = i * n;
    const c = this.count[i]!;
    for (let j = 0; j < S; j++) this.obs[(base + c) * S + j] = obs[obsOffset + j]!;
    this.actions[base + c] = action;
    this.rewards[base + c] = reward;
    this.count[i] = c + 1;
    if (ended) {
      for (let k = 0; k <= c; k++) this.emit(buffer, i, k, c + 1, next, nextOffset, terminated);
      this.count[i] = 0;
    } else if (c + 1 === n) {
      this.emit(buffer, i, 0, n, next, nextOffset, false);
      // Shift the window by one (n is small: a copy is cheaper than a ring's bookkeeping in the checkpoint).
      this.obs.copyWithin(base * S, (base + 1) * S, (base + n) * S);
      this.actions.copyWithin(base, base + 1, base + n);
      this.rewards.copyWithin(base, base + 1, base + n);
      this.count[i] = n - 1;
    }
  }

  /** Stores pending step k of copy i with the discounted sum of rewards k .. end - 1. */
  private emit(buffer: ReplayBuffer, i: number, k: number, end: number, next: ArrayLike<number>, nextOffset: number, terminated: boolean): void {
    const base = i * this.n;
    let ret = 0, g = 1;
    for (let m = k; m < end; m++) {
      ret += g * this.rewards[base + m]!;
      g *= this.gamma;
    }
    buffer.add(this.obs, (base + k) * this.obsSize, next, nextOffset, this.actions[base + k]!, ret, terminated, end - k);
  }

  /** A copy of the pending windows. */
  getState(): NStepAccumulatorState {
    return { obs: this.obs.slice(), actions: this.actions.slice(), rewards: this.rewards.slice(), count: [...this.count] };
  }

  /** Restores a getState() of an accumulator built with the same sizes. */
  setState(s: NStepAccumulatorState): void {
    this.obs.set(s.obs);
    this.actions.set(s.actions);
    this.rewards.set(s.rewards);
    s.count.forEach((c, i) => (this.count[i] = c));
  }
}
