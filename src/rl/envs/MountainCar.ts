import type { Rng } from '../../tensor/Rng.js';
import type { Action, StepResult } from './Env.js';
import { ClassicControlEnv } from './ClassicControlEnv.js';
import type { ParamSpec } from './ParamTable.js';
import { boxSpace, discreteSpace } from './spaces.js';
import { stepResult } from './stepResult.js';

/** MountainCar's physical parameters. */
export type MountainCarParam = 'force' | 'gravity';

/** MountainCar-v0's parameters with Gymnasium's defaults. */
export const mountainCarParamSpecs: Record<MountainCarParam, ParamSpec> = {
  force: { default: 0.001, min: 0, doc: "the engine's push per step" },
  gravity: { default: 0.0025, doc: "gravity's pull along the hill per step" },
};

const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;

/**
 * MountainCar-v0 as Gymnasium (gymnasium/envs/classic_control/mountain_car.py, v1.x): Moore's car in a valley,
 * velocity += (action - 1) force - cos(3 position) gravity, clipped to +-0.07; position += velocity, clipped to
 * [-1.2, 0.6] (velocity set to 0 when it hits the left wall moving left). Reward -1 per step; terminated when
 * position >= 0.5 and velocity >= goalVelocity (0). Observation [position, velocity]; actions 0, 1, 2 = push
 * left, none, right; start position uniform in [-0.6, -0.4), velocity 0. The 200-step limit is the registry's.
 */
export class MountainCar extends ClassicControlEnv<MountainCarParam> {
  readonly observationSpace = boxSpace([MIN_POSITION, -MAX_SPEED].map(Math.fround), [MAX_POSITION, MAX_SPEED].map(Math.fround));
  readonly actionSpace = discreteSpace(3);

  constructor(
    rng?: Rng,
    /** Gymnasium's goal_velocity option. */
    readonly goalVelocity = 0,
  ) {
    super('MountainCar-v0', mountainCarParamSpecs, 2, 2, rng);
  }

  protected drawStart(rng: Rng, out: Float64Array): void {
    out[0] = rng.uniform(-0.6, -0.4);
    out[1] = 0;
  }

  protected observe(): void {
    this.obs.set(this.state);
  }

  step(action: Action): StepResult {
    this.assertStarted();
    if (action !== 0 && action !== 1 && action !== 2) throw new Error(`${this.id}: action ${String(action)} is not allowed: 0, 1 or 2`);
    const s = this.state;
    let position = s[0]!, velocity = s[1]!;
    velocity += (action - 1) * this.p.force + Math.cos(3 * position) * -this.p.gravity;
    velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
    position += velocity;
    position = Math.min(Math.max(position, MIN_POSITION), MAX_POSITION);
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    const terminated = position >= GOAL_POSITION && velocity >= this.goalVelocity;
    s[0] = position;
    s[1] = velocity;
    this.observe();
    return stepResult(this.obs, -1.0, terminated, false, undefined);
  }
}
