import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MjData, MjModel, MjOption } from 'mujoco';
import { Rng, type RngState } from '../../../tensor/Rng.js';
import type { Action, BoxSpace, Env, StepResult } from '../Env.js';
import { loadMujoco, type LoadMujocoOptions, type MujocoModule } from '../mujoco/loadMujoco.js';
import { modelFromXml } from '../mujoco/modelFromXml.js';

/** gym's Ant XML as shipped in supple's data/ folder (MIT, OpenAI; see data/mujoco-ant/README.md). */
export const antXmlPath = fileURLToPath(new URL('../../../../../data/mujoco-ant/ant.xml', import.meta.url));

/**
 * Where cfrc_ext (the external force on each body, 14 x 6 numbers, in the observation and the contact cost) comes from.
 * - `post-constraint`: computed by mj_rnePostConstraint after every step and reset. This is Ant-v3 as defined and as it ran
 *   on MuJoCo 1.5 (mujoco-py 1.50, where mj_forward computed it), and Gymnasium's Ant-v4/v5 with contact forces (which call
 *   mj_rnePostConstraint after each step; their reset observation has zeros there).
 * - `zero`: always 0 (no contact cost, 84 zeros in the observation). This is what Ant-v3 gave on MuJoCo 2.x through
 *   mujoco-py 2.x (gym issue 1541): the setup of Dohare et al.'s slippery Ant (gym 0.23.1, free-mujoco-py 2.1.6).
 */
export type AntContactForces = 'post-constraint' | 'zero';

/** The options of gym's Ant-v3 constructor (same defaults), plus supple's. */
export interface AntOptions {
  /** An MJCF file; default: the shipped gym ant.xml. */
  readonly xmlFile?: string;
  readonly ctrlCostWeight?: number;
  readonly contactCostWeight?: number;
  readonly healthyReward?: number;
  readonly terminateWhenUnhealthy?: boolean;
  readonly healthyZRange?: readonly [number, number];
  readonly contactForceRange?: readonly [number, number];
  readonly resetNoiseScale?: number;
  readonly excludeCurrentPositionsFromObservation?: boolean;
  /** Physics steps per env step (gym: 5, so dt = 0.05 s). */
  readonly frameSkip?: number;
  /** Default `post-constraint`. */
  readonly contactForces?: AntContactForces;
  /**
   * Contact forces in the observation and the contact cost in the reward (default true: Ant-v3). false is Gymnasium's Ant-v4
   * default (`use_contact_forces=False`, what CleanRL's Ant-v4 runs): a 27-value observation (qpos[2:], qvel) and no contact
   * cost; `contactForces` is then unused.
   */
  readonly useContactForces?: boolean;
  /** Seed of the env's own random stream, used until `reset(rng)` gives another (default 0). */
  readonly seed?: number;
  /** Initial values of the parameters (`friction`, `gravity`); default: the XML's (1 and 9.81). */
  readonly params?: Readonly<Record<string, number>>;
}

/** What a registry and the TimeLimit wrapper need to know about an env id. */
export interface AntSpec {
  readonly id: 'Ant-v3';
  /** gym registers Ant-v3 with max_episode_steps = 1000 (the TimeLimit wrapper applies it). */
  readonly maxEpisodeSteps: number;
  readonly rewardThreshold: number;
}

/** gym's registration of Ant-v3. */
export const antV3Spec: AntSpec = { id: 'Ant-v3', maxEpisodeSteps: 1000, rewardThreshold: 6000 };

/** The JSON state of an AntEnv (getState/setState); float arrays are base64 of their float64 bytes, so resume is bit for bit. */
export interface AntState {
  readonly env: 'Ant-v3';
  readonly time: number;
  readonly qpos: string;
  readonly qvel: string;
  readonly act: string;
  readonly ctrl: string;
  readonly qaccWarmstart: string;
  readonly cfrcExt: string;
  readonly torsoXy: string;
  readonly rng: RngState;
  readonly params: Record<string, number>;
  readonly started: boolean;
}

/** Live views into the WebAssembly heap; rebuilt when the heap grows (a grown heap detaches the old views). */
interface Views {
  qpos: Float64Array;
  qvel: Float64Array;
  act: Float64Array;
  ctrl: Float64Array;
  qaccWarmstart: Float64Array;
  xpos: Float64Array;
  cfrcExt: Float64Array;
  geomFriction: Float64Array;
  gravity: Float64Array;
}

/** The parameters a schedule may set: default (gym's ant.xml), lower bound and meaning (the shape of rl/envs' ParamSpec). */
export const antParamSpecs = {
  friction: { default: 1, min: 0, exclusive: true, doc: "sliding friction of every geom (geom_friction[:, 0]; the slippery Ant's default-class friction)" },
  gravity: { default: 9.81, doc: 'magnitude g of the gravity (0, 0, -g), m/s^2' },
} as const;

const paramNames = Object.keys(antParamSpecs) as (keyof typeof antParamSpecs)[];

/**
 * gym's Ant-v3 (openai/gym 0.23.1, gym/envs/mujoco/ant_v3.py and mujoco_env.py) on MuJoCo's official WebAssembly build.
 * reward = healthy_reward + forward_reward - ctrl_cost - contact_cost, where forward_reward = (x_after - x_before) / dt of
 * the torso's body frame (data.xpos), dt = timestep * frameSkip = 0.05; healthy_reward = 1 when healthy or when
 * terminating on unhealthy (so the terminal step also gets it, as in gym); ctrl_cost = 0.5 * sum(a^2) of the action as given
 * (MuJoCo clamps the control to [-1, 1], the cost does not); contact_cost = 5e-4 * sum(clip(cfrc_ext, -1, 1)^2). Healthy:
 * qpos and qvel finite and 0.2 <= z <= 1.0. Observation (111): qpos[2:] (13), qvel (14), clipped cfrc_ext (84). With
 * `useContactForces: false` it is Gymnasium's Ant-v4 as made by default (gymnasium/envs/mujoco/ant_v4.py, use_contact_forces=
 * False): observation qpos[2:] and qvel (27), no contact cost; dynamics, the other reward terms and termination as v3. Reset:
 * mj_resetData, qpos = qpos0 + U(-0.1, 0.1), qvel = 0.1 * N(0, 1), mj_forward.
 *
 * Parameters: `friction` is the sliding friction of every geom, `model.geom_friction[g][0]` for all g (the slippery Ant
 * rewrites the default geom class's friction, which every geom of ant.xml inherits; torsional and rolling friction stay
 * 0.5); `gravity` is the magnitude g of model.opt.gravity = (0, 0, -g).
 *
 * MuJoCo version: npm `mujoco` 3.1.16 runs MuJoCo 3.5.1. Checked against native MuJoCo 2.2.2 (Debian libmujoco) on the same
 * start and actions: equal to ~1e-15 until the first foot-floor contact, different after it (the two versions put that first
 * contact at different distances). Statistics agree: over 100k env steps of the same random actions (reset on z out of
 * range or 1000 steps), mean episode length 180.2 (2.2.2) vs 178.9 (3.5.1), mean torso z 0.470 vs 0.478.
 * Memory: each env's MjData takes the model's default arena (about 14 MB), and a thread's module holds at most 2 GiB.
 */
export class AntEnv implements Env {
  readonly id = 'Ant-v3';
  readonly spec: AntSpec = antV3Spec;
  /** The time limit gym registers (applied by the TimeLimit wrapper, not here). */
  readonly maxEpisodeSteps = antV3Spec.maxEpisodeSteps;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  /** Seconds of simulated time per step: timestep * frameSkip. */
  readonly dt: number;

  private readonly mj: MujocoModule;
  private model: MjModel | null;
  private data: MjData | null;
  /** The model's options (a handle: gravity is a view into it); freed by close(). */
  private opt: MjOption | null;
  private v: Views;
  private readonly nq: number;
  private readonly nv: number;
  private readonly nu: number;
  private readonly nbody: number;
  private readonly torso: number;
  private readonly initQpos: Float64Array;
  private readonly initQvel: Float64Array;
  private readonly obs: Float64Array;
  private readonly info: Record<string, number> = {};
  private readonly opts: Required<Omit<AntOptions, 'xmlFile' | 'seed' | 'params'>>;
  private rng: Rng;
  private readonly paramValues: Record<string, number>;
  private started = false;
  private readonly torsoXy = new Float64Array(2);

  /**
   * A sync constructor for a loaded module (`await loadMujoco()` once); `makeAnt` does both. `rng`, when given, is the env's
   * initial random stream (a copy of its state; otherwise `Rng.seeded(options.seed ?? 0)`).
   */
  constructor(mujoco: MujocoModule, options: AntOptions = {}, rng?: Rng) {
    this.mj = mujoco;
    this.opts = {
      ctrlCostWeight: options.ctrlCostWeight ?? 0.5,
      contactCostWeight: options.contactCostWeight ?? 5e-4,
      healthyReward: options.healthyReward ?? 1.0,
      terminateWhenUnhealthy: options.terminateWhenUnhealthy ?? true,
      healthyZRange: options.healthyZRange ?? [0.2, 1.0],
      contactForceRange: options.contactForceRange ?? [-1.0, 1.0],
      resetNoiseScale: options.resetNoiseScale ?? 0.1,
      excludeCurrentPositionsFromObservation: options.excludeCurrentPositionsFromObservation ?? true,
      frameSkip: options.frameSkip ?? 5,
      contactForces: options.contactForces ?? 'post-constraint',
      useContactForces: options.useContactForces ?? true,
    };
    const o = this.opts;
    if (o.contactForces !== 'post-constraint' && o.contactForces !== 'zero') {
      throw new Error(`Ant-v3: contactForces '${String(o.contactForces)}' is not allowed; allowed: 'post-constraint', 'zero'`);
    }
    if (!Number.isInteger(o.frameSkip) || o.frameSkip < 1) throw new Error(`Ant-v3: frameSkip ${o.frameSkip} is not allowed; it is an integer >= 1`);
    if (!(o.resetNoiseScale >= 0)) throw new Error(`Ant-v3: resetNoiseScale ${o.resetNoiseScale} is not allowed; it is >= 0`);
    const xmlFile = options.xmlFile ?? antXmlPath;
    let xml: string;
    try {
      xml = readFileSync(xmlFile, 'utf8');
    } catch (e) {
      throw new Error(`Ant-v3: cannot read the model file xmlFile '${xmlFile}': ${(e as Error).message}`);
    }
    const model = modelFromXml(mujoco, xml, `'${xmlFile}'`);
    this.model = model;
    this.data = new mujoco.MjData(model);
    this.opt = model.opt;
    this.nq = model.nq;
    this.nv = model.nv;
    this.nu = model.nu;
    this.nbody = model.nbody;
    this.torso = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY.value, 'torso');
    if (this.torso < 0) {
      this.close();
      throw new Error(`Ant-v3: the model '${xmlFile}' has no body named 'torso'`);
    }
    this.dt = this.opt.timestep * o.frameSkip;
    this.v = this.makeViews();
    // gym takes init_qpos / init_qvel from the freshly made data (qpos0; the XML's custom init_qpos is not used).
    this.initQpos = Float64Array.from(this.v.qpos);
    this.initQvel = Float64Array.from(this.v.qvel);

    const ctrlRange = model.actuator_ctrlrange as Float64Array;
    const low = new Float64Array(this.nu);
    const high = new Float64Array(this.nu);
    for (let i = 0; i < this.nu; i++) {
      low[i] = ctrlRange[2 * i]!;
      high[i] = ctrlRange[2 * i + 1]!;
    }
    this.actionSpace = { kind: 'box', shape: [this.nu], low, high };
    const nObs = (o.excludeCurrentPositionsFromObservation ? this.nq - 2 : this.nq) + this.nv + (o.useContactForces ? this.nbody * 6 : 0);
    this.observationSpace = { kind: 'box', shape: [nObs], low: new Float64Array(nObs).fill(-Infinity), high: new Float64Array(nObs).fill(Infinity) };
    this.obs = new Float64Array(nObs);

    this.paramValues = { friction: this.v.geomFriction[0]!, gravity: -this.v.gravity[2]! };
    this.rng = rng ? Rng.fromState(rng.getState()) : Rng.seeded(options.seed ?? 0);
    if (options.params) this.setParams(options.params);
  }

  /** The module's handles; an error once closed. */
  private handles(): { model: MjModel; data: MjData; opt: MjOption } {
    if (!this.model || !this.data || !this.opt) throw new Error('Ant-v3: the env is closed');
    return { model: this.model, data: this.data, opt: this.opt };
  }

  private makeViews(): Views {
    const { model, data, opt } = this.handles();
    return {
      qpos: data.qpos as Float64Array,
      qvel: data.qvel as Float64Array,
      act: data.act as Float64Array,
      ctrl: data.ctrl as Float64Array,
      qaccWarmstart: data.qacc_warmstart as Float64Array,
      xpos: data.xpos as Float64Array,
      cfrcExt: data.cfrc_ext as Float64Array,
      geomFriction: model.geom_friction as Float64Array,
      gravity: opt.gravity as Float64Array,
    };
  }

  /** The views, rebuilt if another model's allocation grew (and so detached) the heap. */
  private views(): Views {
    this.handles();
    if (this.v.qpos.length === 0) this.v = this.makeViews();
    return this.v;
  }

  /**
   * gym's reset: mj_resetData, then qpos0 + U(-s, s) (all nq, quaternion included, as gym) and s * N(0, 1) on the
   * velocities (s = resetNoiseScale), mj_forward. `rng` replaces the env's stream by a copy of its state (the caller's
   * Rng does not advance); without it the env continues its own stream.
   */
  reset(rng?: Rng): Float64Array {
    if (rng) this.rng = Rng.fromState(rng.getState());
    const { model, data } = this.handles();
    this.mj.mj_resetData(model, data);
    const v = this.views();
    const s = this.opts.resetNoiseScale;
    const qpos = new Float64Array(this.nq);
    const qvel = new Float64Array(this.nv);
    // gym draws all nq uniforms, then all nv normals.
    for (let i = 0; i < this.nq; i++) qpos[i] = this.initQpos[i]! + this.rng.uniform(-s, s);
    for (let i = 0; i < this.nv; i++) qvel[i] = this.initQvel[i]! + s * this.rng.normal();
    v.qpos.set(qpos);
    v.qvel.set(qvel);
    this.forward();
    this.started = true;
    return this.observe();
  }

  /**
   * Sets the joint positions and velocities and recomputes the derived quantities (gym's `set_state`: time, act and the
   * controls are kept). For hand-set states in tests and for scripted starts; `step` continues from here.
   */
  setJointState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): Float64Array {
    if (qpos.length !== this.nq) throw new Error(`Ant-v3: qpos has ${qpos.length} values; the model has nq = ${this.nq}`);
    if (qvel.length !== this.nv) throw new Error(`Ant-v3: qvel has ${qvel.length} values; the model has nv = ${this.nv}`);
    const v = this.views();
    v.qpos.set(qpos);
    v.qvel.set(qvel);
    this.forward();
    this.started = true;
    return this.observe();
  }

  /** mj_forward, the contact forces when asked for, and the torso's position for the next forward reward. */
  private forward(): void {
    const { model, data } = this.handles();
    this.mj.mj_forward(model, data);
    if (this.computesContactForces()) this.mj.mj_rnePostConstraint(model, data);
    const v = this.views();
    this.torsoXy[0] = v.xpos[3 * this.torso]!;
    this.torsoXy[1] = v.xpos[3 * this.torso + 1]!;
  }

  /**
   * One env step: the action as the control (MuJoCo clamps it), frameSkip physics steps, then gym's reward terms (in
   * `info`: reward_forward, reward_ctrl, reward_contact, reward_survive, x/y_position, distance_from_origin, x/y_velocity).
   * `truncated` is always false here (the time limit is the TimeLimit wrapper's).
   */
  step(action: Action): StepResult {
    if (!this.started) throw new Error('Ant-v3: step() before reset(); call reset() first');
    if (typeof action === 'number' || action.length !== this.nu) {
      throw new Error(`Ant-v3: action must be a Float64Array of ${this.nu} values, got ${typeof action === 'number' ? 'a number' : `${action.length} values`}`);
    }
    const { model, data } = this.handles();
    const v = this.views();
    const xBefore = this.torsoXy[0]!;
    const yBefore = this.torsoXy[1]!;
    v.ctrl.set(action);
    for (let k = 0; k < this.opts.frameSkip; k++) this.mj.mj_step(model, data);
    if (this.computesContactForces()) this.mj.mj_rnePostConstraint(model, data);
    const xAfter = v.xpos[3 * this.torso]!;
    const yAfter = v.xpos[3 * this.torso + 1]!;
    this.torsoXy[0] = xAfter;
    this.torsoXy[1] = yAfter;

    const o = this.opts;
    const xVelocity = (xAfter - xBefore) / this.dt;
    const yVelocity = (yAfter - yBefore) / this.dt;
    let sq = 0;
    for (let i = 0; i < this.nu; i++) sq += action[i]! * action[i]!;
    const ctrlCost = o.ctrlCostWeight * sq;
    const obs = this.observe();
    let contactSq = 0;
    if (this.computesContactForces()) {
      const c0 = obs.length - this.nbody * 6;
      for (let i = c0; i < obs.length; i++) contactSq += obs[i]! * obs[i]!;
    }
    const contactCost = o.contactCostWeight * contactSq;
    const healthy = this.isHealthy();
    const healthyReward = healthy || o.terminateWhenUnhealthy ? o.healthyReward : 0;
    const forwardReward = xVelocity;
    const reward = forwardReward + healthyReward - (ctrlCost + contactCost);
    const terminated = o.terminateWhenUnhealthy ? !healthy : false;

    const info = this.info;
    info.reward_forward = forwardReward;
    info.reward_ctrl = -ctrlCost;
    info.reward_contact = -contactCost;
    info.reward_survive = healthyReward;
    info.x_position = xAfter;
    info.y_position = yAfter;
    info.distance_from_origin = Math.hypot(xAfter, yAfter);
    info.x_velocity = xVelocity;
    info.y_velocity = yVelocity;
    return { obs, reward, terminated, truncated: false, info };
  }

  /** True when cfrc_ext is computed (mj_rnePostConstraint after each step and reset): used in the observation and the cost. */
  private computesContactForces(): boolean {
    return this.opts.useContactForces && this.opts.contactForces === 'post-constraint';
  }

  /** gym's is_healthy: every qpos and qvel finite, and the torso's z within healthyZRange (closed). */
  isHealthy(): boolean {
    const v = this.views();
    for (let i = 0; i < this.nq; i++) if (!Number.isFinite(v.qpos[i]!)) return false;
    for (let i = 0; i < this.nv; i++) if (!Number.isFinite(v.qvel[i]!)) return false;
    const z = v.qpos[2]!;
    const [lo, hi] = this.opts.healthyZRange;
    return lo <= z && z <= hi;
  }

  /** The current observation (a view reused by the next call): qpos[2:] (or all of qpos), qvel, clipped cfrc_ext (unless useContactForces is false). */
  observe(): Float64Array {
    const v = this.views();
    const obs = this.obs;
    let j = 0;
    for (let i = this.opts.excludeCurrentPositionsFromObservation ? 2 : 0; i < this.nq; i++) obs[j++] = v.qpos[i]!;
    for (let i = 0; i < this.nv; i++) obs[j++] = v.qvel[i]!;
    if (!this.opts.useContactForces) return obs;
    const n = this.nbody * 6;
    if (this.opts.contactForces === 'zero') {
      obs.fill(0, j, j + n);
    } else {
      const [lo, hi] = this.opts.contactForceRange;
      for (let i = 0; i < n; i++) {
        const f = v.cfrcExt[i]!;
        obs[j++] = Math.min(Math.max(f, lo), hi);
      }
    }
    return obs;
  }

  /** The joint positions (a copy). */
  qpos(): Float64Array {
    return Float64Array.from(this.views().qpos);
  }

  /** The joint velocities (a copy). */
  qvel(): Float64Array {
    return Float64Array.from(this.views().qvel);
  }

  params(): Readonly<Record<string, number>> {
    return { ...this.paramValues };
  }

  setParams(values: Readonly<Record<string, number>>): void {
    for (const [name, value] of Object.entries(values)) {
      if (!(paramNames as readonly string[]).includes(name)) {
        throw new Error(`Ant-v3: parameter '${name}' is not known; known: ${paramNames.join(', ')}`);
      }
      if (!Number.isFinite(value)) throw new Error(`Ant-v3: parameter ${name} = ${value} is not allowed; it is a finite number`);
      if (name === 'friction' && !(value > 0))
        throw new Error(`Ant-v3: friction = ${value} is not allowed; it is > 0 (the slippery Ant draws it in [0.02, 2])`);
    }
    const v = this.views();
    for (const [name, value] of Object.entries(values)) {
      if (name === 'friction') {
        for (let g = 0; g < v.geomFriction.length; g += 3) v.geomFriction[g] = value;
      } else {
        v.gravity[0] = 0;
        v.gravity[1] = 0;
        v.gravity[2] = -value;
      }
      this.paramValues[name] = value;
    }
  }

  /** Everything needed to continue bit for bit, as JSON (float arrays as base64 of their float64 bytes). */
  getState(): AntState {
    const v = this.views();
    const { data } = this.handles();
    return {
      env: 'Ant-v3',
      time: data.time,
      qpos: b64(v.qpos),
      qvel: b64(v.qvel),
      act: b64(v.act),
      ctrl: b64(v.ctrl),
      qaccWarmstart: b64(v.qaccWarmstart),
      cfrcExt: b64(v.cfrcExt),
      torsoXy: b64(this.torsoXy),
      rng: this.rng.getState(),
      params: { ...this.paramValues },
      started: this.started,
    };
  }

  /** Continues exactly from a `getState()` snapshot (physics, warm start, torso position, random stream, parameters). */
  setState(state: unknown): void {
    const s = state as Partial<AntState> | null;
    if (s?.env !== 'Ant-v3' || typeof s.time !== 'number' || !s.rng || !s.params) {
      throw new Error(
        `Ant-v3: setState needs a state from AntEnv.getState() (env 'Ant-v3', time, qpos, qvel, ..., rng, params), got ${JSON.stringify(state)?.slice(0, 80)}`,
      );
    }
    this.setParams(s.params);
    const v = this.views();
    const { data } = this.handles();
    unb64(s.qpos, v.qpos, 'qpos');
    unb64(s.qvel, v.qvel, 'qvel');
    unb64(s.act, v.act, 'act');
    unb64(s.ctrl, v.ctrl, 'ctrl');
    unb64(s.qaccWarmstart, v.qaccWarmstart, 'qaccWarmstart');
    unb64(s.cfrcExt, v.cfrcExt, 'cfrcExt');
    unb64(s.torsoXy, this.torsoXy, 'torsoXy');
    data.time = s.time;
    this.rng = Rng.fromState(s.rng);
    this.started = s.started === true;
  }

  close(): void {
    this.data?.delete();
    this.opt?.delete();
    this.model?.delete();
    this.data = null;
    this.opt = null;
    this.model = null;
  }
}

/** Loads MuJoCo (once per thread) and makes an Ant-v3 (`rng`: its initial random stream, as the constructor's). */
export async function makeAnt(options: AntOptions = {}, rng?: Rng, load: LoadMujocoOptions = {}): Promise<AntEnv> {
  return new AntEnv(await loadMujoco(load), options, rng);
}

function b64(a: Float64Array): string {
  // Copy out of the WebAssembly heap first: the heap's buffer may be shared or larger than the view.
  const c = Float64Array.from(a);
  return Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('base64');
}

function unb64(text: unknown, out: Float64Array, field: string): void {
  if (typeof text !== 'string') throw new Error(`Ant-v3: setState field ${field} is missing (base64 of ${out.length} float64)`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== out.length * 8) {
    throw new Error(`Ant-v3: setState field ${field} holds ${bytes.length / 8} float64; this model needs ${out.length}`);
  }
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  out.set(new Float64Array(copy.buffer));
}
