import type { Rng } from '../../src/tensor/Rng.js';
import type { Action, Env, StepResult } from '../../src/rl/envs/Env.js';
import { boxSpace, discreteSpace } from '../../src/rl/envs/spaces.js';

/** One scripted step: the observation, reward and flags the env returns. */
export interface ScriptedStep {
  obs: number[];
  reward: number;
  terminated?: boolean;
  truncated?: boolean;
}

/**
 * An Env for wrapper tests: reset returns `start`, step k returns script[k] (cycling), and the actions it got
 * are kept in `actions`. One parameter 'scale' (default 1) multiplies rewards, so parameter changes show.
 */
export class ScriptedEnv implements Env {
  readonly id = 'Scripted-v0';
  readonly observationSpace;
  readonly actionSpace;
  readonly actions: Action[] = [];
  k = 0;
  resets = 0;
  scale = 1;
  private readonly obs: Float64Array;

  constructor(
    readonly start: number[],
    readonly script: ScriptedStep[],
    continuous = false,
  ) {
    this.observationSpace = boxSpace(start.map(() => -5), start.map(() => 5));
    this.actionSpace = continuous ? boxSpace([-1, -2], [1, 2]) : discreteSpace(2);
    this.obs = new Float64Array(start.length);
  }

  reset(_rng?: Rng): Float64Array {
    this.resets++;
    this.obs.set(this.start);
    return this.obs;
  }

  step(action: Action): StepResult {
    this.actions.push(typeof action === 'number' ? action : Float64Array.from(action));
    const s = this.script[this.k % this.script.length]!;
    this.k++;
    this.obs.set(s.obs);
    return { obs: this.obs, reward: s.reward * this.scale, terminated: s.terminated ?? false, truncated: s.truncated ?? false, info: { k: this.k } };
  }

  params(): Readonly<Record<string, number>> {
    return { scale: this.scale };
  }

  setParams(values: Readonly<Record<string, number>>): void {
    for (const [n, v] of Object.entries(values)) {
      if (n !== 'scale') throw new Error(`${this.id}: unknown parameter '${n}'; known: scale`);
      this.scale = v;
    }
  }

  getState(): unknown {
    return { k: this.k, scale: this.scale, obs: [...this.obs] };
  }

  setState(state: unknown): void {
    const s = state as { k: number; scale: number; obs: number[] };
    this.k = s.k;
    this.scale = s.scale;
    this.obs.set(s.obs);
  }
}
