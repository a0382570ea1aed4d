import { test } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { Rng } from '../../../tensor/Rng.js';
import { loadMujoco, mujocoUnavailable, type MujocoModule } from '../mujoco/loadMujoco.js';
import { AntEnv, antV3Spec, antXmlPath, type AntOptions } from './AntEnv.js';
import { removeScratchDir, scratchDir } from '../../../../test/helpers/scratchDir.js';

const unavailable = await mujocoUnavailable();
if (unavailable) console.log(`# Ant-v3 tests skipped: ${unavailable}`);
const skip = unavailable ?? false;
const mj: MujocoModule | null = unavailable ? null : await loadMujoco();

/** An env that is closed when the test ends. */
function ant(t: { after(fn: () => void): void }, options: AntOptions = {}): AntEnv {
  const env = new AntEnv(mj!, options);
  t.after(() => env.close());
  return env;
}

const qpos0 = [0, 0, 0.75, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const zeros = (n: number): number[] => new Array<number>(n).fill(0);
const filled = (v: number): Float64Array => new Float64Array(8).fill(v);

/** Lets the ant drop onto its legs with zero torque, so that it stands in contact with the floor. */
function settle(env: AntEnv, steps = 20): void {
  env.setJointState(qpos0, zeros(14));
  for (let i = 0; i < steps; i++) env.step(filled(0));
}

test('Ant-v3: spaces, spec and the observation layout (qpos[2:], qvel, clipped cfrc_ext)', { skip }, (t) => {
  const env = ant(t);
  assert.deepEqual(env.observationSpace.shape, [111]);
  assert.deepEqual(env.actionSpace.kind === 'box' && env.actionSpace.shape, [8]);
  assert.deepEqual(
    env.actionSpace.kind === 'box' && Array.from(env.actionSpace.low),
    zeros(8).map(() => -1),
  );
  assert.deepEqual(
    env.actionSpace.kind === 'box' && Array.from(env.actionSpace.high),
    zeros(8).map(() => 1),
  );
  assert.equal(env.maxEpisodeSteps, 1000);
  assert.equal(antV3Spec.maxEpisodeSteps, 1000);
  assert.equal(env.dt, 0.05);
  const obs = env.reset(Rng.seeded(3));
  assert.equal(obs.length, 111);
  const q = env.qpos();
  const v = env.qvel();
  assert.deepEqual(Array.from(obs.subarray(0, 13)), Array.from(q.subarray(2)));
  assert.deepEqual(Array.from(obs.subarray(13, 27)), Array.from(v));
  settle(env);
  const o = env.observe();
  const contact = Array.from(o.subarray(27));
  assert.equal(contact.length, 14 * 6);
  assert.ok(
    contact.every((f) => f >= -1 && f <= 1),
    'contact forces clipped to [-1, 1]',
  );
  assert.ok(
    contact.some((f) => f !== 0),
    'a standing ant has contact forces',
  );
  // The world body (first 6) never has an external force.
  assert.deepEqual(contact.slice(0, 6), zeros(6));

  const full = ant(t, { excludeCurrentPositionsFromObservation: false });
  const o2 = full.reset(Rng.seeded(3));
  assert.equal(o2.length, 113);
  assert.deepEqual(Array.from(o2.subarray(0, 15)), Array.from(full.qpos()));
});

test('Ant-v3: reset is qpos0 + U(-0.1, 0.1) and 0.1 * N(0, 1), qpos0 from the model (not the XML custom init_qpos)', { skip }, (t) => {
  const quiet = ant(t, { resetNoiseScale: 0 });
  quiet.reset(Rng.seeded(1));
  assert.deepEqual(Array.from(quiet.qpos()), qpos0);
  assert.deepEqual(Array.from(quiet.qvel()), zeros(14));
  const env = ant(t);
  env.reset(Rng.seeded(1));
  const dq = Array.from(env.qpos()).map((x, i) => x - qpos0[i]!);
  assert.ok(
    dq.every((d) => Math.abs(d) <= 0.1 + 1e-15),
    'uniform noise within +-0.1',
  );
  assert.ok(dq.some((d) => d !== 0));
  const v = Array.from(env.qvel());
  assert.ok(
    v.some((x) => Math.abs(x) > 0.1 / 4),
    'velocity noise has scale 0.1',
  );
  assert.ok(v.every((x) => Math.abs(x) < 0.1 * 6));
});

test('Ant-v3: forward reward is the torso x difference over dt, reward = forward + healthy - ctrl - contact', { skip }, (t) => {
  const env = ant(t);
  env.reset(Rng.seeded(5));
  const start = [...qpos0];
  start[0] = 0.3;
  start[1] = -0.2;
  const vel = zeros(14);
  vel[0] = 2; // moving forward along x
  env.setJointState(start, vel);
  const xBefore = env.qpos()[0]!;
  const a = new Float64Array([0.5, -0.5, 0.25, -0.25, 0, 1, -1, 0.1]);
  const r = env.step(a);
  const info = r.info!;
  assert.equal(info.reward_forward, (info.x_position! - xBefore) / 0.05);
  assert.equal(info.x_velocity, info.reward_forward);
  assert.equal(info.y_velocity, (info.y_position! - -0.2) / 0.05);
  // The torso frame moves with qpos[0]; gym reads xpos after the last RK4 stage, so they agree closely, not exactly.
  const xAfter = env.qpos()[0]!;
  assert.ok(Math.abs(info.reward_forward! - (xAfter - xBefore) / 0.05) < 0.05, `${info.reward_forward} vs ${(xAfter - xBefore) / 0.05}`);
  assert.ok(info.reward_forward! > 1 && info.reward_forward! < 2.1, 'a torso launched at 2 m/s moves forward');
  const ctrl = 0.5 * Array.from(a).reduce((s, x) => s + x * x, 0);
  assert.equal(info.reward_ctrl, -ctrl);
  assert.equal(info.reward_survive, 1);
  assert.equal(r.reward, info.reward_forward! + 1 - (ctrl + -info.reward_contact!));
  assert.equal(r.terminated, false);
  assert.equal(r.truncated, false);
});

test('Ant-v3: control cost uses the action as given, MuJoCo clamps the control to [-1, 1]', { skip }, (t) => {
  const a = ant(t);
  const b = ant(t);
  a.setJointState(qpos0, zeros(14));
  b.setJointState(qpos0, zeros(14));
  const ra = a.step(filled(0.5));
  assert.equal(ra.info!.reward_ctrl, -1); // 0.5 * 8 * 0.25
  const one = a.step(filled(1));
  const two = b.step(filled(0.5)) && b.step(filled(2));
  assert.equal(one.info!.reward_ctrl, -4);
  assert.equal(two.info!.reward_ctrl, -16);
  assert.deepEqual(Array.from(b.qpos()), Array.from(a.qpos()), 'an action of 2 moves the ant as an action of 1');
  assert.equal(two.reward - one.reward, -12);
});

test('Ant-v3: healthy z range [0.2, 1.0] and finite state; termination and the healthy reward', { skip }, (t) => {
  const env = ant(t);
  const at = (z: number, vel = zeros(14)): boolean => {
    const q = [...qpos0];
    q[2] = z;
    env.setJointState(q, vel);
    return env.isHealthy();
  };
  assert.equal(at(0.75), true);
  assert.equal(at(0.2), true);
  assert.equal(at(1.0), true);
  assert.equal(at(0.19), false);
  assert.equal(at(1.01), false);
  const nan = zeros(14);
  nan[5] = Number.NaN;
  assert.equal(at(0.75, nan), false);

  // Held at 1.5 m (legs within their joint limits), the torso is still above 1.0 after 0.05 s: unhealthy, so the episode
  // terminates, and gym still pays the healthy reward on that step (healthy_reward is 1 when is_healthy or terminate_when_unhealthy).
  const high = [0, 0, 1.5, 1, 0, 0, 0, 0, 0.9, 0, -0.9, 0, -0.9, 0, 0.9];
  env.setJointState(high, zeros(14));
  const r = env.step(filled(0));
  assert.equal(r.terminated, true);
  assert.equal(r.info!.reward_survive, 1);
  assert.ok(env.qpos()[2]! > 1 && env.qpos()[2]! < 1.5, `z = ${env.qpos()[2]}`);

  const keepGoing = ant(t, { terminateWhenUnhealthy: false });
  keepGoing.setJointState(high, zeros(14));
  const r2 = keepGoing.step(filled(0));
  assert.equal(r2.terminated, false);
  assert.equal(r2.info!.reward_survive, 0);

  const standing = ant(t);
  standing.setJointState(qpos0, zeros(14));
  const r3 = standing.step(filled(0));
  assert.equal(r3.terminated, false);
  assert.equal(r3.info!.reward_survive, 1);
});

test('Ant-v3: contact cost is 5e-4 * sum(clip(cfrc_ext)^2); contactForces zero gives gym-on-mujoco-py-2 behaviour', { skip }, (t) => {
  const post = ant(t);
  const zero = ant(t, { contactForces: 'zero' });
  settle(post);
  settle(zero);
  assert.deepEqual(Array.from(zero.qpos()), Array.from(post.qpos()), 'the contact-force mode does not change the physics');
  const a = new Float64Array([0.1, 0.1, -0.1, -0.1, 0.1, -0.1, 0.1, -0.1]);
  const rp = post.step(a);
  const contact = Array.from(rp.obs.subarray(27));
  assert.ok(contact.some((f) => f !== 0));
  const cost = 5e-4 * contact.reduce((s, f) => s + f * f, 0);
  assert.equal(rp.info!.reward_contact, -cost);
  assert.ok(cost > 0);
  const rz = zero.step(a);
  assert.deepEqual(Array.from(rz.obs.subarray(27)), zeros(84));
  assert.ok(rz.info!.reward_contact === 0);
  assert.ok(Math.abs(rz.reward - rp.reward - cost) < 1e-12);
  assert.throws(() => new AntEnv(mj!, { contactForces: 'sometimes' as never }), /contactForces 'sometimes' is not allowed/);
});

test('Ant-v3: the same seed and actions give the same episode; another seed another start', { skip }, (t) => {
  const run = (seed: number): number[] => {
    const env = ant(t);
    const out = Array.from(env.reset(Rng.seeded(seed)));
    const acts = Rng.seeded(99);
    const a = new Float64Array(8);
    for (let i = 0; i < 40; i++) {
      acts.fillUniform(a, -1, 1);
      const r = env.step(a);
      out.push(r.reward, ...r.obs);
      if (r.terminated) out.push(...env.reset());
    }
    return out;
  };
  const a = run(11);
  assert.deepEqual(run(11), a);
  const b = run(12);
  assert.notDeepEqual(b.slice(0, 111), a.slice(0, 111));
  // Without an Rng, reset continues the env's own stream (seeded by options.seed): two resets differ.
  const env = ant(t, { seed: 4 });
  const first = Array.from(env.reset());
  assert.notDeepEqual(Array.from(env.reset()), first);
  assert.deepEqual(Array.from(ant(t, { seed: 4 }).reset()), first);
  // An Rng given to the constructor is the initial stream (copied: the caller's does not advance).
  const given = Rng.seeded(8);
  const before = given.getState();
  const e1 = new AntEnv(mj!, {}, given);
  t.after(() => e1.close());
  assert.deepEqual(given.getState(), before);
  assert.deepEqual(Array.from(e1.reset()), Array.from(ant(t).reset(Rng.seeded(8))));
});

test('Ant-v3: getState/setState (JSON) resumes bit for bit, random stream and parameters included', { skip }, (t) => {
  const env = ant(t);
  env.reset(Rng.seeded(21));
  env.setParams({ friction: 0.3, gravity: 9 });
  const acts = Rng.seeded(5);
  const a = new Float64Array(8);
  for (let i = 0; i < 30; i++) {
    acts.fillUniform(a, -1, 1);
    if (env.step(a).terminated) env.reset();
  }
  const saved = JSON.parse(JSON.stringify(env.getState())) as unknown;
  const actsState = acts.getState();
  const tail = (e: AntEnv, r: Rng): number[] => {
    const out: number[] = [];
    for (let i = 0; i < 40; i++) {
      r.fillUniform(a, -1, 1);
      const s = e.step(a);
      out.push(s.reward, ...s.obs, s.terminated ? 1 : 0);
      if (s.terminated) out.push(...e.reset());
    }
    out.push(...e.reset());
    return out;
  };
  const expected = tail(env, acts);
  const other = ant(t, { seed: 77 });
  other.reset();
  other.step(filled(0.3));
  other.setState(saved);
  assert.deepEqual(other.params(), { friction: 0.3, gravity: 9 });
  const got = tail(other, Rng.fromState(actsState));
  assert.equal(got.length, expected.length);
  for (let i = 0; i < got.length; i++) assert.ok(Object.is(got[i], expected[i]), `value ${i}: ${got[i]} vs ${expected[i]}`);
  assert.throws(() => other.setState({ env: 'CartPole-v1' }), /setState needs a state from AntEnv.getState/);
});

test('Ant-v3: friction (every geom) changes the dynamics: a pushed ant slides further on ice', { skip }, (t) => {
  const slide = (friction: number): number => {
    const env = ant(t, { params: { friction } });
    settle(env);
    const q = env.qpos();
    const v = env.qvel();
    v[0] = 3; // a push along x
    env.setJointState(q, v);
    for (let i = 0; i < 10; i++) env.step(filled(0));
    return env.qpos()[0]! - q[0]!;
  };
  const ice = slide(0.02);
  const rubber = slide(2);
  assert.ok(ice > rubber + 0.3, `slid ${ice} m at friction 0.02, ${rubber} m at 2`);
  const env = ant(t);
  assert.deepEqual(env.params(), { friction: 1, gravity: 9.81 });
  env.setParams({ friction: 0.05 });
  assert.equal(env.params().friction, 0.05);
  // The same model as the slippery Ant's rewritten XML (<default><geom friction="0.05 0.5 0.5">): compare with it compiled.
  const dir = scratchDir('supple-ant-');
  t.after(() => removeScratchDir(dir));
  const xml = readFileSync(antXmlPath, 'utf8');
  const slippery = xml.replace('friction="1 0.5 0.5"', 'friction="0.05 0.5 0.5"');
  assert.notEqual(slippery, xml);
  writeFileSync(join(dir, 'slippery_ant.xml'), slippery);
  const xmlEnv = ant(t, { xmlFile: join(dir, 'slippery_ant.xml') });
  assert.equal(xmlEnv.params().friction, 0.05);
  const run = (e: AntEnv): number[] => {
    e.setJointState(qpos0, zeros(14));
    for (let i = 0; i < 15; i++) e.step(filled(0.7));
    return Array.from(e.qpos());
  };
  assert.deepEqual(run(env), run(xmlEnv));
});

test('Ant-v3: gravity is a parameter; unknown names and bad values are errors', { skip }, (t) => {
  const fall = (gravity: number): number => {
    const env = ant(t, { params: { gravity } });
    env.setJointState([0, 0, 0.9, 1, 0, 0, 0, 0, 0.6, 0, -0.6, 0, -0.6, 0, 0.6], zeros(14));
    for (let i = 0; i < 4; i++) env.step(filled(0));
    return env.qpos()[2]!;
  };
  const floating = fall(0);
  const falling = fall(9.81);
  assert.ok(floating > falling + 0.05, `z ${floating} without gravity, ${falling} with`);
  const env = ant(t);
  assert.throws(() => env.setParams({ mass: 2 }), /parameter 'mass' is not known; known: friction, gravity/);
  assert.throws(() => env.setParams({ friction: 0 }), /friction = 0 is not allowed/);
  assert.throws(() => env.setParams({ gravity: Number.NaN }), /gravity = NaN is not allowed/);
});

test('Ant-v3: errors for misuse, and close() releases the model', { skip }, () => {
  const env = new AntEnv(mj!);
  assert.throws(() => env.step(filled(0)), /step\(\) before reset\(\)/);
  env.reset();
  assert.throws(() => env.step(new Float64Array(3)), /action must be a Float64Array of 8 values, got 3 values/);
  assert.throws(() => env.step(2), /got a number/);
  assert.throws(() => new AntEnv(mj!, { xmlFile: '/nonexistent/ant.xml' }), /cannot read the model file xmlFile '\/nonexistent\/ant.xml'/);
  env.close();
  assert.throws(() => env.step(filled(0)), /the env is closed/);
  env.close(); // twice is harmless
});

test('loadMujoco: a missing WebAssembly package is an error that says what to install', async () => {
  await assert.rejects(loadMujoco({ specifier: 'supple-no-such-mujoco' }), /'supple-no-such-mujoco' is not installed.*npm install supple-no-such-mujoco/);
});

test("Ant-v4 (useContactForces false, Gymnasium's default): 27 observations, no contact cost, the same dynamics as v3", { skip }, (t) => {
  const v3 = ant(t);
  const v4 = ant(t, { useContactForces: false });
  assert.deepEqual(v4.observationSpace.shape, [27]);
  const o3 = v3.reset(Rng.seeded(9));
  const o4 = v4.reset(Rng.seeded(9));
  assert.deepEqual(Array.from(o4), Array.from(o3.subarray(0, 27)), 'qpos[2:] and qvel, as v3 starts them');
  const r = Rng.seeded(10);
  let contact = 0;
  for (let i = 0; i < 60; i++) {
    const a = Float64Array.from({ length: 8 }, () => r.uniform(-1, 1));
    const s3 = v3.step(a), s4 = v4.step(a);
    assert.deepEqual(Array.from(s4.obs), Array.from(s3.obs.subarray(0, 27)), `step ${i}: the same state`);
    assert.equal(s4.terminated, s3.terminated);
    // v4: forward + healthy - ctrl; v3 also subtracts the contact cost.
    assert.equal(s4.reward, s3.info!.reward_forward! + s3.info!.reward_survive! + s3.info!.reward_ctrl!);
    assert.ok(Math.abs(s4.reward - (s3.reward - s3.info!.reward_contact!)) < 1e-12);
    assert.ok(s4.info!.reward_contact === 0);
    contact += -s3.info!.reward_contact!;
    if (s3.terminated) break;
  }
  assert.ok(contact > 0, 'the v3 twin paid a contact cost on the way (the two rewards differ)');
});
