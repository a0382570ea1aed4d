import type { Rng } from '../../tensor/Rng.js';
import type { Action, StepResult } from './Env.js';
import { ClassicControlEnv } from './ClassicControlEnv.js';
import type { ParamSpec } from './ParamTable.js';
import { boxSpace, discreteSpace } from './spaces.js';
import { stepResult } from './stepResult.js';

/** CartPole's physical parameters (Gymnasium's attribute names in camelCase). */
export type CartPoleParam = 'gravity' | 'massCart' | 'massPole' | 'length' | 'forceMag' | 'tau';

/** CartPole-v1's parameters with Gymnasium's defaults. */
export const cartPoleParamSpecs: Record<CartPoleParam, ParamSpec> = {
  gravity: { default: 9.8, doc: 'gravity (m/s^2)' },
  massCart: { default: 1.0, min: 0, exclusive: true, doc: 'mass of the cart (kg)' },
  massPole: { default: 0.1, min: 0, exclusive: true, doc: 'mass of the pole (kg)' },
  length: { default: 0.5, min: 0, exclusive: true, doc: "half the pole's length (m)" },
  forceMag: { default: 10.0, min: 0, doc: 'magnitude of the push (N)' },
  tau: { default: 0.02, min: 0, exclusive: true, doc: 'seconds between state updates' },
};

const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;
const F32_MAX = 3.4028234663852886e38;

/**
 * CartPole-v1 as Gymnasium (gymnasium/envs/classic_control/cartpole.py, v1.x): Barto, Sutton and Anderson's
 * cart-pole with the Florian (2005) equations, explicit Euler integration, reward 1 per step (the terminating
 * step included; 0 for steps taken after termination), terminated when |x| > 2.4 or |theta| > 12 degrees.
 * Observation [x, x_dot, theta, theta_dot]; actions 0 (push left), 1 (push right); start uniform in (-0.05, 0.05)^4.
 * The 500-step limit is the registry's TimeLimit. `suttonBartoReward` (Gymnasium's sutton_barto_reward) gives
 * 0 per step and -1 on and after termination instead.
 */
export class CartPole extends ClassicControlEnv<CartPoleParam> {
  readonly observationSpace = boxSpace([-X_THRESHOLD * 2, -F32_MAX, -THETA_THRESHOLD * 2, -F32_MAX], [X_THRESHOLD * 2, F32_MAX, THETA_THRESHOLD * 2, F32_MAX]);
  readonly actionSpace = discreteSpace(2);

  constructor(
    rng?: Rng,
    readonly suttonBartoReward = false,
  ) {
    super('CartPole-v1', cartPoleParamSpecs, 4, 4, rng);
  }

  protected drawStart(rng: Rng, out: Float64Array): void {
    for (let i = 0; i < 4; i++) out[i] = rng.uniform(-0.05, 0.05);
  }

  protected observe(): void {
    this.obs.set(this.state);
  }

  step(action: Action): StepResult {
    this.assertStarted();
    if (action !== 0 && action !== 1) throw new Error(`${this.id}: action ${String(action)} is not allowed: 0 or 1`);
    const p = this.p;
    const s = this.state;
    let x = s[0]!, xDot = s[1]!, theta = s[2]!, thetaDot = s[3]!;
    const totalMass = p.massPole + p.massCart;
    const poleMassLength = p.massPole * p.length;
    const force = action === 1 ? p.forceMag : -p.forceMag;
    const cosTheta = Math.cos(theta);
    const sinTheta = Math.sin(theta);
    const temp = (force + poleMassLength * thetaDot ** 2 * sinTheta) / totalMass;
    const thetaAcc = (p.gravity * sinTheta - cosTheta * temp) / (p.length * (4.0 / 3.0 - (p.massPole * cosTheta ** 2) / totalMass));
    const xAcc = temp - (poleMassLength * thetaAcc * cosTheta) / totalMass;
    const tau = p.tau;
    x = x + tau * xDot;
    xDot = xDot + tau * xAcc;
    theta = theta + tau * thetaDot;
    thetaDot = thetaDot + tau * thetaAcc;
    s[0] = x;
    s[1] = xDot;
    s[2] = theta;
    s[3] = thetaDot;
    const terminated = x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD;
    let reward = this.suttonBartoReward ? 0.0 : 1.0;
    if (terminated) {
      if (this.suttonBartoReward) reward = -1.0;
      else if (this.terminatedAlready) reward = 0.0;
      this.terminatedAlready = true;
    }
    this.observe();
    return stepResult(this.obs, reward, terminated, false, undefined);
  }
}
