import type { Action, Env, Space, StepResult } from './Env.js';
import { boxSpace } from './spaces.js';
import { Wrapper } from './Wrapper.js';

/**
 * Continuous actions clipped to the wrapped env's box before stepping (Gymnasium's ClipAction): the policy may
 * output any real vector, so this wrapper's action space is unbounded. The caller's array is not changed.
 */
export class ClipAction extends Wrapper {
  readonly kind = 'ClipAction';
  private readonly buf: Float64Array;
  private readonly space: Space;

  constructor(env: Env) {
    super(env);
    const s = env.actionSpace;
    if (s.kind !== 'box') throw new Error(`ClipAction: ${env.id} has a discrete action space; clipping needs a box`);
    this.buf = new Float64Array(s.low.length);
    this.space = boxSpace(new Float64Array(s.low.length).fill(-Infinity), new Float64Array(s.low.length).fill(Infinity), s.shape);
  }

  override get actionSpace(): Space {
    return this.space;
  }

  override step(action: Action): StepResult {
    const s = this.env.actionSpace;
    if (!(action instanceof Float64Array) || action.length !== this.buf.length || s.kind !== 'box') {
      throw new Error(`ClipAction: ${this.id}: an action is a Float64Array of ${this.buf.length} values`);
    }
    // Bounds read at each step: a parameter change (Pendulum's maxTorque) may move them.
    for (let i = 0; i < this.buf.length; i++) this.buf[i] = Math.min(Math.max(action[i]!, s.low[i]!), s.high[i]!);
    return this.env.step(this.buf);
  }
}
