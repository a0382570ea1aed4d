import type { Rng } from '../../tensor/Rng.js';
import type { BoxSpace, Env, Space } from './Env.js';
import type { ParamChange, ParamSchedule, ParamScheduleState } from './ParamSchedule.js';

/**
 * What a vector step returns. The typed arrays are the vector env's buffers, rewritten by the next step or
 * reset: copy what must outlive it.
 */
export interface VectorStepResult {
  /** Observations, [num x obsSize]: row i is copy i's observation; after an episode ended there, the first of the next one. */
  readonly obs: Float64Array;
  readonly rewards: Float64Array;
  /** 1 where copy i's episode terminated at this step. */
  readonly terminated: Uint8Array;
  /** 1 where copy i's episode was truncated at this step (time limit): bootstrap from `finalObs[i]`. */
  readonly truncated: Uint8Array;
  /** For each copy whose episode ended at this step, its last observation (a copy); null elsewhere. */
  readonly finalObs: readonly (Float64Array | null)[];
  /** For each copy whose episode ended at this step, that step's info (episode statistics...); null elsewhere. */
  readonly finalInfo: readonly (Readonly<Record<string, number>> | null)[];
  /** Each copy's info of this step (undefined where the env gives none). */
  readonly infos: readonly (Readonly<Record<string, number>> | undefined)[];
  /** The parameter change applied to every copy before this step, if one was due. */
  readonly change: ParamChange | null;
}

/** A SyncVectorEnv's checkpoint (plain JSON). */
export interface SyncVectorEnvState {
  readonly envs: unknown[];
  readonly totalSteps: number;
  readonly started: boolean;
  /** The observations of the last reset or step (wrapped envs' outputs such as normalized observations cannot be recomputed). */
  readonly obs: number[];
  readonly schedule: ParamScheduleState | null;
  readonly lastChange: ParamChange | null;
}

/**
 * N copies of an environment stepped together on this thread (Gymnasium's SyncVectorEnv, as of gymnasium
 * 0.29 which CleanRL's ppo.py and ppo_continuous_action.py pin): same-step autoreset, so when copy i's
 * episode ends the returned row is already the reset observation of its next episode, and the last one is in
 * `finalObs[i]` (CleanRL's PPO treats done as the episode boundary; an agent may bootstrap truncated
 * episodes from `finalObs`). reset(rng) seeds copy i with rng.split(i); autoresets continue each copy's
 * own stream. A ParamSchedule given here counts the steps of all copies and changes every copy at once.
 */
export class SyncVectorEnv {
  readonly envs: readonly Env[];
  readonly num: number;
  readonly singleObservationSpace: BoxSpace;
  readonly singleActionSpace: Space;
  /** Values per observation / per action (1 for a discrete action). */
  readonly obsSize: number;
  readonly actionSize: number;
  /** Environment steps taken by all copies together. */
  totalSteps = 0;
  lastChange: ParamChange | null = null;
  private started = false;
  private readonly obs: Float64Array;
  private readonly rewards: Float64Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;
  private readonly finalObs: (Float64Array | null)[];
  private readonly finalInfo: (Readonly<Record<string, number>> | null)[];
  private readonly infos: (Readonly<Record<string, number>> | undefined)[];
  private readonly actionBufs: Float64Array[];

  constructor(
    envs: readonly Env[],
    readonly schedule: ParamSchedule | null = null,
  ) {
    if (envs.length < 1) throw new Error('SyncVectorEnv: at least one env');
    this.envs = envs;
    this.num = envs.length;
    const first = envs[0]!;
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    this.obsSize = first.observationSpace.low.length;
    this.actionSize = first.actionSpace.kind === 'box' ? first.actionSpace.low.length : 1;
    for (const [i, e] of envs.entries()) {
      if (e.id !== first.id || e.observationSpace.low.length !== this.obsSize || e.actionSpace.kind !== first.actionSpace.kind) {
        throw new Error(`SyncVectorEnv: copy ${i} (${e.id}) differs from copy 0 (${first.id}) in id or spaces`);
      }
    }
    schedule?.checkNames(first.params(), first.id);
    this.obs = new Float64Array(this.num * this.obsSize);
    this.rewards = new Float64Array(this.num);
    this.terminated = new Uint8Array(this.num);
    this.truncated = new Uint8Array(this.num);
    this.finalObs = new Array<Float64Array | null>(this.num).fill(null);
    this.finalInfo = new Array<Readonly<Record<string, number>> | null>(this.num).fill(null);
    this.infos = new Array<Readonly<Record<string, number>> | undefined>(this.num).fill(undefined);
    this.actionBufs = envs.map(() => new Float64Array(this.actionSize));
  }

  /** N copies made by `make(i)`. */
  static of(num: number, make: (index: number) => Env, schedule: ParamSchedule | null = null): SyncVectorEnv {
    if (!Number.isInteger(num) || num < 1) throw new Error(`SyncVectorEnv: num = ${num} is not allowed: an integer >= 1`);
    return new SyncVectorEnv(Array.from({ length: num }, (_, i) => make(i)), schedule);
  }

  get id(): string {
    return this.envs[0]!.id;
  }

  /** Resets every copy (copy i with rng.split(i) when `rng` is given) and returns the observations [num x obsSize]. */
  reset(rng?: Rng): Float64Array {
    for (let i = 0; i < this.num; i++) this.obs.set(this.envs[i]!.reset(rng?.split(i)), i * this.obsSize);
    this.started = true;
    return this.obs;
  }

  /**
   * Steps every copy: `actions` holds one index per copy (discrete) or num x actionSize values (box).
   */
  step(actions: ArrayLike<number>): VectorStepResult {
    if (!this.started) throw new Error(`SyncVectorEnv(${this.id}): step() before reset()`);
    const n = this.num, box = this.singleActionSpace.kind === 'box', as = this.actionSize;
    if (actions.length !== n * as) throw new Error(`SyncVectorEnv(${this.id}): ${actions.length} action values given, ${n} copies need ${n * as}`);
    let change: ParamChange | null = null;
    if (this.schedule) {
      change = this.schedule.poll();
      if (change) {
        for (const e of this.envs) e.setParams(change.values);
        this.lastChange = change;
      }
    }
    for (let i = 0; i < n; i++) {
      const env = this.envs[i]!;
      let a: number | Float64Array;
      if (box) {
        const buf = this.actionBufs[i]!;
        for (let j = 0; j < as; j++) buf[j] = actions[i * as + j]!;
        a = buf;
      } else a = actions[i]!;
      const r = env.step(a);
      this.rewards[i] = r.reward;
      this.terminated[i] = r.terminated ? 1 : 0;
      this.truncated[i] = r.truncated ? 1 : 0;
      this.infos[i] = r.info;
      if (r.terminated || r.truncated) {
        this.finalObs[i] = Float64Array.from(r.obs);
        this.finalInfo[i] = r.info ? { ...r.info } : {};
        this.obs.set(env.reset(), i * this.obsSize);
      } else {
        this.finalObs[i] = null;
        this.finalInfo[i] = null;
        this.obs.set(r.obs, i * this.obsSize);
      }
    }
    this.totalSteps += n;
    this.schedule?.advance(n);
    return { obs: this.obs, rewards: this.rewards, terminated: this.terminated, truncated: this.truncated, finalObs: this.finalObs, finalInfo: this.finalInfo, infos: this.infos, change };
  }

  /** Copy 0's parameters (all copies share them unless set one by one through `envs`). */
  params(): Readonly<Record<string, number>> {
    return this.envs[0]!.params();
  }

  /** Sets parameters on every copy. */
  setParams(values: Readonly<Record<string, number>>): void {
    for (const e of this.envs) e.setParams(values);
  }

  /** A checkpoint of every copy, the step count, the current observations and the schedule (plain JSON). */
  getState(): SyncVectorEnvState {
    return { envs: this.envs.map((e) => e.getState()), totalSteps: this.totalSteps, started: this.started, obs: [...this.obs], schedule: this.schedule?.getState() ?? null, lastChange: this.lastChange };
  }

  /**
   * Restores what `getState` returned; throws if the checkpoint has a different number of copies, or has a schedule
   * where this env has none (or the reverse).
   */
  setState(s: SyncVectorEnvState): void {
    if (!s || !Array.isArray(s.envs) || s.envs.length !== this.num) throw new Error(`SyncVectorEnv(${this.id}): setState: the checkpoint holds ${s?.envs?.length} copies, this has ${this.num}`);
    if ((s.schedule === null) !== (this.schedule === null)) throw new Error(`SyncVectorEnv(${this.id}): setState: the checkpoint ${s.schedule ? 'has' : 'has no'} schedule, this env ${this.schedule ? 'has' : 'has none'}`);
    s.envs.forEach((e, i) => this.envs[i]!.setState(e));
    this.totalSteps = s.totalSteps;
    this.started = s.started;
    this.obs.set(s.obs);
    if (this.schedule && s.schedule) this.schedule.setState(s.schedule);
    this.lastChange = s.lastChange;
  }

  /** The current observations [num x obsSize] (as the last reset or step left them). */
  observations(): Float64Array {
    return this.obs;
  }

  /** Releases every copy's native or WASM resources; the vector env is unusable after. */
  close(): void {
    for (const e of this.envs) e.close?.();
  }
}
