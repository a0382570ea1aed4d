import type { Rng } from '../../tensor/Rng.js';
import type { Action, StepResult } from './Env.js';
import { ClassicControlEnv } from './ClassicControlEnv.js';
import type { ParamSpec } from './ParamTable.js';
import { boxSpace, discreteSpace } from './spaces.js';
import { stepResult } from './stepResult.js';

/**
 * Acrobot's physical parameters. Gymnasium's LINK_LENGTH_2 is left out: only rendering reads it (the dynamics
 * use the second link's centre of mass, and the goal height assumes unit links as in Gymnasium).
 */
export type AcrobotParam = 'gravity' | 'linkLength1' | 'linkMass1' | 'linkMass2' | 'linkComPos1' | 'linkComPos2' | 'linkMoi' | 'torqueNoiseMax' | 'dt';

/** Acrobot-v1's parameters with Gymnasium's defaults. */
export const acrobotParamSpecs: Record<AcrobotParam, ParamSpec> = {
  gravity: { default: 9.8, doc: 'gravity (m/s^2)' },
  linkLength1: { default: 1.0, min: 0, exclusive: true, doc: 'length of the first link (m)' },
  linkMass1: { default: 1.0, min: 0, exclusive: true, doc: 'mass of the first link (kg)' },
  linkMass2: { default: 1.0, min: 0, exclusive: true, doc: 'mass of the second link (kg)' },
  linkComPos1: { default: 0.5, min: 0, doc: 'position of the centre of mass of the first link (m)' },
  linkComPos2: { default: 0.5, min: 0, doc: 'position of the centre of mass of the second link (m)' },
  linkMoi: { default: 1.0, min: 0, exclusive: true, doc: 'moment of inertia of both links' },
  torqueNoiseMax: { default: 0.0, min: 0, doc: 'torque noise, uniform in [-max, max] (0 in Acrobot-v1)' },
  dt: { default: 0.2, min: 0, exclusive: true, doc: 'seconds per step (one RK4 step)' },
};

const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
const TORQUES = [-1.0, 0.0, 1.0];

/**
 * Acrobot-v1 as Gymnasium (gymnasium/envs/classic_control/acrobot.py, v1.x): Sutton's two-link underactuated
 * pendulum with the book dynamics, one 4th-order Runge-Kutta step of dt = 0.2 s per action, joint angles
 * wrapped to [-pi, pi] and velocities bounded by 4 pi and 9 pi after the step. Reward -1 per step, 0 on the
 * step reaching the goal (-cos(t1) - cos(t1 + t2) > 1), which terminates. Observation [cos t1, sin t1, cos t2,
 * sin t2, dt1, dt2]; actions 0, 1, 2 = torque -1, 0, +1. The start state is uniform in (-0.1, 0.1)^4 rounded to
 * float32, as Gymnasium stores it. The 500-step limit is the registry's TimeLimit.
 */
export class Acrobot extends ClassicControlEnv<AcrobotParam> {
  readonly observationSpace = boxSpace([-1, -1, -1, -1, -Math.fround(MAX_VEL_1), -Math.fround(MAX_VEL_2)], [1, 1, 1, 1, Math.fround(MAX_VEL_1), Math.fround(MAX_VEL_2)]);
  readonly actionSpace = discreteSpace(3);
  // RK4 scratch: the augmented state is (t1, t2, dt1, dt2, torque); the torque's derivative is 0.
  private readonly y = new Float64Array(5);
  private readonly k1 = new Float64Array(5);
  private readonly k2 = new Float64Array(5);
  private readonly k3 = new Float64Array(5);
  private readonly k4 = new Float64Array(5);
  private readonly tmp = new Float64Array(5);

  constructor(rng?: Rng) {
    super('Acrobot-v1', acrobotParamSpecs, 4, 6, rng);
  }

  protected drawStart(rng: Rng, out: Float64Array): void {
    for (let i = 0; i < 4; i++) out[i] = Math.fround(rng.uniform(-0.1, 0.1));
  }

  protected observe(): void {
    const s = this.state, o = this.obs;
    o[0] = Math.cos(s[0]!);
    o[1] = Math.sin(s[0]!);
    o[2] = Math.cos(s[1]!);
    o[3] = Math.sin(s[1]!);
    o[4] = s[2]!;
    o[5] = s[3]!;
  }

  step(action: Action): StepResult {
    this.assertStarted();
    if (action !== 0 && action !== 1 && action !== 2) throw new Error(`${this.id}: action ${String(action)} is not allowed: 0, 1 or 2`);
    let torque = TORQUES[action]!;
    if (this.p.torqueNoiseMax > 0) torque += this.rng.uniform(-this.p.torqueNoiseMax, this.p.torqueNoiseMax);
    const s = this.state, y = this.y, k1 = this.k1, k2 = this.k2, k3 = this.k3, k4 = this.k4, tmp = this.tmp;
    for (let i = 0; i < 4; i++) y[i] = s[i]!;
    y[4] = torque;
    const dt = this.p.dt;
    const dt2 = dt / 2.0;
    this.derivs(y, k1);
    for (let i = 0; i < 5; i++) tmp[i] = y[i]! + dt2 * k1[i]!;
    this.derivs(tmp, k2);
    for (let i = 0; i < 5; i++) tmp[i] = y[i]! + dt2 * k2[i]!;
    this.derivs(tmp, k3);
    for (let i = 0; i < 5; i++) tmp[i] = y[i]! + dt * k3[i]!;
    this.derivs(tmp, k4);
    const h = dt / 6.0;
    for (let i = 0; i < 4; i++) s[i] = y[i]! + h * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!);
    s[0] = wrap(s[0]!, -Math.PI, Math.PI);
    s[1] = wrap(s[1]!, -Math.PI, Math.PI);
    s[2] = Math.min(Math.max(s[2]!, -MAX_VEL_1), MAX_VEL_1);
    s[3] = Math.min(Math.max(s[3]!, -MAX_VEL_2), MAX_VEL_2);
    const terminated = -Math.cos(s[0]!) - Math.cos(s[1]! + s[0]!) > 1.0;
    this.observe();
    return stepResult(this.obs, terminated ? 0.0 : -1.0, terminated, false, undefined);
  }

  /** The book dynamics (Sutton and Barto; Gymnasium's _dsdt with book_or_nips = 'book'). */
  private derivs(y: Float64Array, out: Float64Array): void {
    const p = this.p;
    const m1 = p.linkMass1, m2 = p.linkMass2, l1 = p.linkLength1, lc1 = p.linkComPos1, lc2 = p.linkComPos2;
    const I1 = p.linkMoi, I2 = p.linkMoi, g = p.gravity;
    const a = y[4]!;
    const theta1 = y[0]!, theta2 = y[1]!, dtheta1 = y[2]!, dtheta2 = y[3]!;
    const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
    const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
    const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2.0);
    const phi1 =
      -m2 * l1 * lc2 * dtheta2 ** 2 * Math.sin(theta2) - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) + (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) + phi2;
    const ddtheta2 = (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 ** 2 * Math.sin(theta2) - phi2) / (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1);
    const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    out[0] = dtheta1;
    out[1] = dtheta2;
    out[2] = ddtheta1;
    out[3] = ddtheta2;
    out[4] = 0.0;
  }
}

/** x wrapped into [m, M] by whole turns (Gymnasium's acrobot `wrap`). */
function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}
