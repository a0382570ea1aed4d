import type { Rng } from '../../tensor/Rng.js';
import type { Action, Env, StepResult } from './Env.js';
import { Wrapper } from './Wrapper.js';
import { stepResult } from './stepResult.js';

/** The info keys set on the last step of an episode (the record names of the RL loop). */
export const EPISODE_RETURN = 'episode/return';
/** The info key of a finished episode's length in steps ({@link EPISODE_RETURN} holds its undiscounted return). */
export const EPISODE_LENGTH = 'episode/length';

/**
 * Sums rewards and counts steps per episode (Gymnasium's RecordEpisodeStatistics): on the step that ends an
 * episode (terminated or truncated) the info holds `episode/return` and `episode/length`, and both join the
 * queues of the last `bufferLength` episodes. Put it inside reward normalization to record raw returns (CleanRL).
 */
export class RecordEpisodeStatistics extends Wrapper {
  readonly kind = 'RecordEpisodeStatistics';
  episodeReturn = 0;
  episodeLength = 0;
  /** Episodes finished since construction. */
  episodeCount = 0;
  /** Returns and lengths of the last `bufferLength` episodes, oldest first. */
  returnQueue: number[] = [];
  lengthQueue: number[] = [];

  constructor(
    env: Env,
    readonly bufferLength = 100,
  ) {
    super(env);
    if (!Number.isInteger(bufferLength) || bufferLength < 1) throw new Error(`RecordEpisodeStatistics: bufferLength = ${bufferLength} is not allowed: an integer >= 1`);
  }

  override reset(rng?: Rng): Float64Array {
    this.episodeReturn = 0;
    this.episodeLength = 0;
    return this.env.reset(rng);
  }

  override step(action: Action): StepResult {
    const r = this.env.step(action);
    this.episodeReturn += r.reward;
    this.episodeLength++;
    if (!r.terminated && !r.truncated) return r;
    if (r.info && EPISODE_RETURN in r.info) throw new Error('RecordEpisodeStatistics: the info already holds episode statistics (wrapped twice?)');
    const ret = this.episodeReturn, len = this.episodeLength;
    this.returnQueue.push(ret);
    this.lengthQueue.push(len);
    if (this.returnQueue.length > this.bufferLength) {
      this.returnQueue.shift();
      this.lengthQueue.shift();
    }
    this.episodeCount++;
    // Counters restart here, not only at reset: stepping on after the end (a vector env resets right after) starts a new sum.
    this.episodeReturn = 0;
    this.episodeLength = 0;
    // Built key by key: spreading with computed keys takes V8's slow path (a third of the step time in profiles).
    const info: Record<string, number> = {};
    if (r.info) for (const k of Object.keys(r.info)) info[k] = r.info[k]!;
    info[EPISODE_RETURN] = ret;
    info[EPISODE_LENGTH] = len;
    return stepResult(r.obs, r.reward, r.terminated, r.truncated, info);
  }

  protected override ownState(): unknown {
    return { episodeReturn: this.episodeReturn, episodeLength: this.episodeLength, episodeCount: this.episodeCount, returnQueue: [...this.returnQueue], lengthQueue: [...this.lengthQueue] };
  }

  protected override setOwnState(own: unknown): void {
    const s = own as { episodeReturn: number; episodeLength: number; episodeCount: number; returnQueue: number[]; lengthQueue: number[] };
    this.episodeReturn = s.episodeReturn;
    this.episodeLength = s.episodeLength;
    this.episodeCount = s.episodeCount;
    this.returnQueue = [...s.returnQueue];
    this.lengthQueue = [...s.lengthQueue];
  }
}
