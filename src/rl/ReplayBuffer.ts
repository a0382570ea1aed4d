import type { Rng } from '../tensor/Rng.js';

/** A replay buffer's checkpoint: its typed arrays (stored binary) and its position. */
export interface ReplayBufferState {
  obs: Float32Array;
  nextObs: Float32Array;
  actions: Int32Array;
  rewards: Float32Array;
  dones: Uint8Array;
  horizons: Uint8Array;
  pos: number;
  full: boolean;
}

/**
 * A ring of transitions in preallocated typed arrays, as stable-baselines3's ReplayBuffer that CleanRL's
 * dqn.py uses: float32 observations and rewards (SB3 stores them in float32), the next observation kept
 * separately (the last one of an ended episode, not the reset that replaced it), a done flag that means
 * *terminated* (a time limit is not a terminal: SB3's handle_timeout_termination), and for n-step returns the
 * number of steps k the stored reward sums (the bootstrap is discounted by gamma^k). Sampling is uniform with
 * replacement over the filled part (np.random.randint). All of it is part of a checkpoint.
 */
export class ReplayBuffer {
  readonly obs: Float32Array;
  readonly nextObs: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  readonly dones: Uint8Array;
  readonly horizons: Uint8Array;
  /** The next row written. */
  pos = 0;
  /** True once the ring has wrapped (every row holds a transition). */
  full = false;

  constructor(
    readonly capacity: number,
    readonly obsSize: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`replay buffer: capacity = ${capacity} is not allowed: an integer >= 1`);
    this.obs = new Float32Array(capacity * obsSize);
    this.nextObs = new Float32Array(capacity * obsSize);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.dones = new Uint8Array(capacity);
    this.horizons = new Uint8Array(capacity);
  }

  /** Transitions held. */
  get size(): number {
    return this.full ? this.capacity : this.pos;
  }

  /**
   * Stores one transition (rows of obs / next obs from `offset` of the given arrays), overwriting the oldest
   * once full. `horizon` is the number of env steps the reward sums (1 for one-step returns).
   */
  add(obs: ArrayLike<number>, obsOffset: number, nextObs: ArrayLike<number>, nextOffset: number, action: number, reward: number, terminated: boolean, horizon = 1): void {
    const S = this.obsSize, p = this.pos;
    for (let j = 0; j < S; j++) {
      this.obs[p * S + j] = obs[obsOffset + j]!;
      this.nextObs[p * S + j] = nextObs[nextOffset + j]!;
    }
    this.actions[p] = action;
    this.rewards[p] = reward;
    this.dones[p] = terminated ? 1 : 0;
    this.horizons[p] = horizon;
    this.pos = p + 1;
    if (this.pos === this.capacity) {
      this.pos = 0;
      this.full = true;
    }
  }

  /** `n` row indices drawn uniformly with replacement from the filled rows into `out`. */
  sample(n: number, rng: Rng, out: Int32Array): Int32Array {
    const size = this.size;
    if (size < 1) throw new Error('replay buffer: sampling from an empty buffer');
    for (let i = 0; i < n; i++) out[i] = rng.int(size);
    return out;
  }

  /** A copy of the buffer's arrays and position. */
  getState(): ReplayBufferState {
    return {
      obs: this.obs.slice(),
      nextObs: this.nextObs.slice(),
      actions: this.actions.slice(),
      rewards: this.rewards.slice(),
      dones: this.dones.slice(),
      horizons: this.horizons.slice(),
      pos: this.pos,
      full: this.full,
    };
  }

  /** Restores a getState() of a buffer of the same capacity and observation size. */
  setState(s: ReplayBufferState): void {
    if (s.actions.length !== this.capacity || s.obs.length !== this.obs.length) {
      throw new Error(`replay buffer: the checkpoint holds ${s.actions.length} rows of ${s.obs.length / Math.max(1, s.actions.length)} values; this buffer has ${this.capacity} of ${this.obsSize}`);
    }
    this.obs.set(s.obs);
    this.nextObs.set(s.nextObs);
    this.actions.set(s.actions);
    this.rewards.set(s.rewards);
    this.dones.set(s.dones);
    this.horizons.set(s.horizons);
    this.pos = s.pos;
    this.full = s.full;
  }
}
