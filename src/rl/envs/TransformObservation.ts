import type { Rng } from '../../tensor/Rng.js';
import type { Action, BoxSpace, Env, StepResult } from './Env.js';
import { Wrapper } from './Wrapper.js';
import { stepResult } from './stepResult.js';

/**
 * Observations passed through a function (Gymnasium's TransformObservation). `fn` may write into and return
 * the array it is given (the wrapped env's view) or return its own buffer; it must be deterministic and
 * stateless, since it is not part of checkpoints. `space` is the transformed observation space (default: unchanged).
 */
export class TransformObservation extends Wrapper {
  readonly kind = 'TransformObservation';

  constructor(
    env: Env,
    /** Maps each observation (after reset and every step) to the one returned; deterministic and stateless. */
    readonly fn: (obs: Float64Array) => Float64Array,
    private readonly space?: BoxSpace,
  ) {
    super(env);
  }

  override get observationSpace(): BoxSpace {
    return this.space ?? this.env.observationSpace;
  }

  override reset(rng?: Rng): Float64Array {
    return this.fn(this.env.reset(rng));
  }

  override step(action: Action): StepResult {
    const r = this.env.step(action);
    return stepResult(this.fn(r.obs), r.reward, r.terminated, r.truncated, r.info);
  }
}
