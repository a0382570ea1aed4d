import type { Rng } from '../../tensor/Rng.js';
import type { Action, BoxSpace, Env, Space, StepResult } from './Env.js';

/** A wrapper's checkpoint: its own state under its kind, and the wrapped env's. */
export interface WrapperState {
  readonly wrapper: string;
  readonly own: unknown;
  readonly env: unknown;
}

/**
 * An Env around an Env (Gymnasium's Wrapper): everything passes through unless overridden. A subclass with
 * state (counters, running statistics) returns it from `ownState` and takes it back in `setOwnState`, so the
 * whole stack checkpoints as one JSON tree.
 */
export abstract class Wrapper implements Env {
  /** The kind written in checkpoints ('TimeLimit', 'NormalizeObservation'); setState checks it. */
  abstract readonly kind: string;

  constructor(readonly env: Env) {}

  get id(): string {
    return this.env.id;
  }

  get observationSpace(): BoxSpace {
    return this.env.observationSpace;
  }

  get actionSpace(): Space {
    return this.env.actionSpace;
  }

  /** The innermost environment. */
  get unwrapped(): Env {
    let e: Env = this.env;
    while (e instanceof Wrapper) e = e.env;
    return e;
  }

  reset(rng?: Rng): Float64Array {
    return this.env.reset(rng);
  }

  step(action: Action): StepResult {
    return this.env.step(action);
  }

  params(): Readonly<Record<string, number>> {
    return this.env.params();
  }

  setParams(values: Readonly<Record<string, number>>): void {
    this.env.setParams(values);
  }

  /** This wrapper's own checkpoint (counters, running statistics) as JSON; null for a stateless wrapper. */
  protected ownState(): unknown {
    return null;
  }

  /** Takes back what `ownState` returned (after the wrapped env's state is restored). */
  protected setOwnState(_own: unknown): void {}

  getState(): WrapperState {
    return { wrapper: this.kind, own: this.ownState(), env: this.env.getState() };
  }

  setState(state: unknown): void {
    const s = state as WrapperState | null;
    if (!s || typeof s !== 'object' || s.wrapper !== this.kind) {
      throw new Error(`${this.kind}: setState: the checkpoint is of ${JSON.stringify(s?.wrapper ?? null)}, not ${this.kind} (wrappers must be stacked as when it was saved)`);
    }
    this.env.setState(s.env);
    this.setOwnState(s.own);
  }

  close(): void {
    this.env.close?.();
  }
}

/** The first wrapper of class `cls` in the stack around `env` (outermost first), or null. */
export function findWrapper<W extends Wrapper>(env: Env, cls: abstract new (...args: never[]) => W): W | null {
  let e: Env = env;
  while (e instanceof Wrapper) {
    if (e instanceof cls) return e;
    e = e.env;
  }
  return null;
}
