import type { Rng } from '../../tensor/Rng.js';

/** A box of real values (Gymnasium's Box): `shape`, and bounds per element (±Infinity where unbounded). */
export interface BoxSpace {
  readonly kind: 'box';
  readonly shape: readonly number[];
  readonly low: Float64Array;
  readonly high: Float64Array;
}

/** n choices 0..n-1 (Gymnasium's Discrete). */
export interface DiscreteSpace {
  readonly kind: 'discrete';
  readonly n: number;
}

/** The observation or action space of an env: a box of reals or a discrete set of choices. */
export type Space = BoxSpace | DiscreteSpace;

/** An action: an index for a discrete space, a vector (float64, shaped like the space) for a box. */
export type Action = number | Float64Array;

/**
 * What one step returns (Gymnasium's 5-tuple without the info dict's free form). `obs` is a view the
 * environment reuses: copy it if it must outlive the next step or reset.
 */
export interface StepResult {
  readonly obs: Float64Array;
  readonly reward: number;
  /** The MDP ended (a terminal state: the pole fell, the ant flipped): no bootstrapping from `obs`. */
  readonly terminated: boolean;
  /** Cut short from outside the MDP (a time limit): bootstrap from `obs`. */
  readonly truncated: boolean;
  /** Named scalars of this step (reward terms, x position ...); may be reused by the next step. */
  readonly info?: Readonly<Record<string, number>>;
}

/**
 * An environment, as Gymnasium defines one: `reset` then `step` until terminated or truncated. All randomness
 * comes from the Rng given to `reset` (the env keeps its own stream after that), so a seed fixes an episode.
 * Physical parameters (gravity, masses, friction) are named numbers that a schedule of change may set between
 * steps (`setParams`); the state is plain JSON for checkpoints.
 */
export interface Env {
  /** The registered name ('CartPole-v1', 'Ant-v3'). */
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  /** Starts an episode; `rng` (when given) replaces the env's random stream, as Gymnasium's reset(seed). */
  reset(rng?: Rng): Float64Array;
  /**
   * Advances the started episode by one step with `action` (an index for a discrete space, a float64 vector for a
   * box) and returns the observation, reward and end flags; throws if `reset` has not been called or the action is
   * not in the action space.
   */
  step(action: Action): StepResult;
  /** The parameters a schedule may change, with their current values. */
  params(): Readonly<Record<string, number>>;
  /** Sets some parameters (names from `params()`; an unknown name is an error naming the known ones). */
  setParams(values: Readonly<Record<string, number>>): void;
  /** Everything needed to continue exactly: physics state, random stream, parameters (JSON). */
  getState(): unknown;
  /**
   * Restores a `getState()` checkpoint of an env built the same way (same id, same wrapper stack); throws if the
   * checkpoint is of another kind.
   */
  setState(state: unknown): void;
  /** Releases native or WASM resources (MuJoCo models); the env is unusable after. */
  close?(): void;
}
