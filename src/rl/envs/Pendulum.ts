import type { Rng } from '../../tensor/Rng.js';
import type { Action, StepResult } from './Env.js';
import { ClassicControlEnv } from './ClassicControlEnv.js';
import type { ParamSpec } from './ParamTable.js';
import { boxSpace } from './spaces.js';
import { stepResult } from './stepResult.js';

/** Pendulum's physical parameters (Gymnasium's g, m, l, dt, max_speed, max_torque). */
export type PendulumParam = 'gravity' | 'mass' | 'length' | 'dt' | 'maxSpeed' | 'maxTorque';

/** Pendulum-v1's parameters with Gymnasium's defaults. */
export const pendulumParamSpecs: Record<PendulumParam, ParamSpec> = {
  gravity: { default: 10.0, doc: 'gravity (m/s^2; Gymnasium\'s g)' },
  mass: { default: 1.0, min: 0, exclusive: true, doc: 'mass of the pendulum (kg)' },
  length: { default: 1.0, min: 0, exclusive: true, doc: 'length of the pendulum (m)' },
  dt: { default: 0.05, min: 0, exclusive: true, doc: 'seconds per step' },
  maxSpeed: { default: 8, min: 0, doc: 'angular velocity bound (rad/s)' },
  maxTorque: { default: 2.0, min: 0, doc: 'torque bound; the action space is [-maxTorque, maxTorque]' },
};

/**
 * Pendulum-v1 as Gymnasium (gymnasium/envs/classic_control/pendulum.py, v1.x): the torque is clipped to
 * [-2, 2]; reward -(normalized angle^2 + 0.1 thdot^2 + 0.001 u^2) of the state before the step; semi-implicit
 * Euler: thdot += (3 g / (2 l) sin th + 3 / (m l^2) u) dt, clipped to +-8, then th += thdot dt. Never
 * terminates; the 200-step limit is the registry's. Observation [cos th, sin th, thdot]; start th uniform in
 * [-pi, pi), thdot in [-1, 1). Actions are float64 (Gymnasium takes float32 actions; that rounding is below 1e-6).
 */
export class Pendulum extends ClassicControlEnv<PendulumParam> {
  readonly observationSpace = boxSpace([-1, -1, -8], [1, 1, 8]);
  readonly actionSpace = boxSpace([-2], [2]);

  constructor(rng?: Rng) {
    super('Pendulum-v1', pendulumParamSpecs, 2, 3, rng);
  }

  protected override paramsChanged(): void {
    this.actionSpace.low[0] = -this.p.maxTorque;
    this.actionSpace.high[0] = this.p.maxTorque;
    this.observationSpace.low[2] = -this.p.maxSpeed;
    this.observationSpace.high[2] = this.p.maxSpeed;
  }

  protected drawStart(rng: Rng, out: Float64Array): void {
    out[0] = rng.uniform(-Math.PI, Math.PI);
    out[1] = rng.uniform(-1, 1);
  }

  protected observe(): void {
    const th = this.state[0]!;
    this.obs[0] = Math.cos(th);
    this.obs[1] = Math.sin(th);
    this.obs[2] = this.state[1]!;
  }

  step(action: Action): StepResult {
    this.assertStarted();
    if (!(action instanceof Float64Array) || action.length !== 1) throw new Error(`${this.id}: action must be a Float64Array of 1 value (the torque)`);
    const p = this.p;
    const th = this.state[0]!, thdot = this.state[1]!;
    const u = Math.min(Math.max(action[0]!, -p.maxTorque), p.maxTorque);
    if (Number.isNaN(u)) throw new Error(`${this.id}: action [NaN] is not allowed: a torque in [${-p.maxTorque}, ${p.maxTorque}]`);
    const costs = angleNormalize(th) ** 2 + 0.1 * thdot ** 2 + 0.001 * u ** 2;
    let newThdot = thdot + ((3 * p.gravity) / (2 * p.length) * Math.sin(th) + (3.0 / (p.mass * p.length ** 2)) * u) * p.dt;
    newThdot = Math.min(Math.max(newThdot, -p.maxSpeed), p.maxSpeed);
    const newTh = th + newThdot * p.dt;
    this.state[0] = newTh;
    this.state[1] = newThdot;
    this.observe();
    return stepResult(this.obs, -costs, false, false, undefined);
  }
}

/** ((x + pi) mod 2 pi) - pi with Python's floored modulo. */
function angleNormalize(x: number): number {
  const b = 2 * Math.PI;
  let r = (x + Math.PI) % b;
  if (r !== 0 && r < 0) r += b;
  return r - Math.PI;
}
