import { Rng, type RngState } from '../../tensor/Rng.js';
import type { Action, BoxSpace, Env, Space, StepResult } from './Env.js';
import { ParamTable, type ParamSpec } from './ParamTable.js';

/** The checkpoint of a classic-control environment (plain JSON). */
export interface ClassicControlState {
  readonly id: string;
  /** The physics state vector (float64, Gymnasium's `self.state` order). */
  readonly state: number[];
  readonly rng: RngState;
  readonly params: Record<string, number>;
  readonly started: boolean;
  /** The episode already returned terminated (CartPole then gives reward 0, as Gymnasium's steps_beyond_terminated). */
  readonly terminated: boolean;
}

/**
 * What the four classic-control environments share: a float64 physics state, an observation view rewritten
 * from it after each reset and step, a random stream used only by reset (and Acrobot's torque noise), named
 * parameters, and a JSON checkpoint. Observations are float64 (Gymnasium casts to float32; the values agree
 * to float32 rounding, below 1e-5). The state itself stays float64 as in Gymnasium, so dynamics match exactly.
 * Without a time limit these never truncate: the registry wraps them in TimeLimit as gymnasium.make does.
 */
export abstract class ClassicControlEnv<K extends string> implements Env {
  abstract readonly observationSpace: BoxSpace;
  abstract readonly actionSpace: Space;
  /** Physics state (float64): CartPole [x, x_dot, theta, theta_dot] and so on, as Gymnasium's `state`. */
  readonly state: Float64Array;
  protected readonly obs: Float64Array;
  protected readonly table: ParamTable<K>;
  /** The current parameter values (read in step). */
  protected readonly p: Record<K, number>;
  protected rng: Rng;
  protected started = false;
  protected terminatedAlready = false;

  constructor(
    readonly id: string,
    specs: Readonly<Record<K, ParamSpec>>,
    stateSize: number,
    obsSize: number,
    rng?: Rng,
  ) {
    this.table = new ParamTable(id, specs);
    this.p = this.table.values;
    this.state = new Float64Array(stateSize);
    this.obs = new Float64Array(obsSize);
    // Without a reset seed the stream is seed 0's: library code never draws from Math.random.
    this.rng = rng ?? Rng.seeded(0);
  }

  /** Draws the start state (Gymnasium's reset distribution) into `out`. */
  protected abstract drawStart(rng: Rng, out: Float64Array): void;
  /** Writes the observation of `state` into `obs`. */
  protected abstract observe(): void;
  abstract step(action: Action): StepResult;

  reset(rng?: Rng): Float64Array {
    if (rng) this.rng = rng;
    this.drawStart(this.rng, this.state);
    return this.begin();
  }

  /** Starts an episode from an explicit physics state (Gymnasium: `env.unwrapped.state = s` after reset). */
  resetTo(state: ArrayLike<number>): Float64Array {
    if (state.length !== this.state.length) throw new Error(`${this.id}: resetTo takes ${this.state.length} state values, got ${state.length}`);
    for (let i = 0; i < state.length; i++) {
      const v = state[i]!;
      if (!Number.isFinite(v)) throw new Error(`${this.id}: resetTo: state[${i}] = ${v} is not finite`);
      this.state[i] = v;
    }
    return this.begin();
  }

  private begin(): Float64Array {
    this.started = true;
    this.terminatedAlready = false;
    this.observe();
    return this.obs;
  }

  /** Throws unless an episode was started (reset or resetTo); the subclasses' `step` calls it first. */
  protected assertStarted(): void {
    if (!this.started) throw new Error(`${this.id}: step() before reset()`);
  }

  params(): Readonly<Record<string, number>> {
    return this.table.get();
  }

  setParams(values: Readonly<Record<string, number>>): void {
    this.table.set(values);
    this.paramsChanged();
  }

  /** Hook for envs whose spaces depend on parameters (Pendulum's max torque). */
  protected paramsChanged(): void {}

  getState(): ClassicControlState {
    return { id: this.id, state: [...this.state], rng: this.rng.getState(), params: this.table.get(), started: this.started, terminated: this.terminatedAlready };
  }

  setState(s: unknown): void {
    const st = s as ClassicControlState;
    if (!st || typeof st !== 'object' || st.id !== this.id) throw new Error(`${this.id}: setState: not a checkpoint of ${this.id} (id ${JSON.stringify((st as { id?: unknown } | null)?.id)})`);
    if (!Array.isArray(st.state) || st.state.length !== this.state.length) throw new Error(`${this.id}: setState: state must hold ${this.state.length} numbers`);
    this.setParams(st.params);
    this.state.set(st.state);
    this.rng = Rng.fromState(st.rng);
    this.started = st.started;
    this.terminatedAlready = st.terminated;
    if (this.started) this.observe();
  }
}
