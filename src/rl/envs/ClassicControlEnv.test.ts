import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../tensor/Rng.js';
import { Acrobot } from './Acrobot.js';
import { CartPole } from './CartPole.js';
import type { ClassicControlEnv } from './ClassicControlEnv.js';
import type { Action } from './Env.js';
import { MountainCar } from './MountainCar.js';
import { Pendulum } from './Pendulum.js';

const makers: Record<string, (rng?: Rng) => ClassicControlEnv<string>> = {
  'CartPole-v1': (r) => new CartPole(r),
  'Acrobot-v1': (r) => new Acrobot(r),
  'MountainCar-v0': (r) => new MountainCar(r),
  'Pendulum-v1': (r) => new Pendulum(r),
};

/** A fixed action sequence for any of the four envs (drawn from its own stream). */
function actionsFor(env: ClassicControlEnv<string>, n: number, seed: number): Action[] {
  const rng = Rng.seeded(seed);
  const s = env.actionSpace;
  return Array.from({ length: n }, () => (s.kind === 'discrete' ? rng.int(s.n) : Float64Array.of(rng.uniform(-3, 3))));
}

/** Runs actions from a reset, restarting after termination; returns every observation and reward. */
function rollout(env: ClassicControlEnv<string>, actions: Action[]): number[] {
  const out: number[] = [];
  for (const a of actions) {
    const r = env.step(a);
    out.push(...r.obs, r.reward, r.terminated ? 1 : 0);
    if (r.terminated) out.push(...env.reset());
  }
  return out;
}

for (const [id, make] of Object.entries(makers)) {
  test(`${id}: the same seed gives the same trajectory, another seed another start`, () => {
    const a = make(), b = make(), c = make();
    const actions = actionsFor(a, 300, 7);
    const sa = Array.from(a.reset(Rng.seeded(3)));
    const sb = Array.from(b.reset(Rng.seeded(3)));
    const sc = Array.from(c.reset(Rng.seeded(4)));
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
    assert.deepEqual(rollout(a, actions), rollout(b, actions));
    assert.equal(a.id, id);
  });

  test(`${id}: getState/setState continues bit for bit (JSON round trip, random stream included)`, () => {
    const env = make();
    env.reset(Rng.seeded(11));
    const actions = actionsFor(env, 400, 2);
    rollout(env, actions.slice(0, 150));
    const saved = JSON.parse(JSON.stringify(env.getState())) as unknown;
    const rest = rollout(env, actions.slice(150));
    const other = make(Rng.seeded(99));
    other.setState(saved);
    assert.deepEqual(rollout(other, actions.slice(150)), rest);
  });

  test(`${id}: reset draws from Gymnasium's start distribution`, () => {
    const env = make();
    const rng = Rng.seeded(5);
    for (let i = 0; i < 200; i++) {
      env.reset(i === 0 ? rng : undefined);
      const s = env.state;
      if (id === 'CartPole-v1') assert.ok(s.every((v) => v >= -0.05 && v < 0.05));
      if (id === 'Acrobot-v1') assert.ok(s.every((v) => v >= -0.1 && v <= 0.1 && Math.fround(v) === v));
      if (id === 'MountainCar-v0') assert.ok(s[0]! >= -0.6 && s[0]! < -0.4 && s[1] === 0);
      if (id === 'Pendulum-v1') assert.ok(s[0]! >= -Math.PI && s[0]! < Math.PI && s[1]! >= -1 && s[1]! < 1);
    }
  });

  test(`${id}: unknown or bad parameters are refused, naming the parameter and the known ones; nothing changes`, () => {
    const env = make();
    const before = env.params();
    assert.throws(() => env.setParams({ gravty: 1 }), (e: Error) => e.message.includes(`${id}: unknown parameter 'gravty'; known: `) && e.message.includes('gravity'));
    assert.throws(() => env.setParams({ gravity: Number.NaN }), /parameter 'gravity' = NaN is not allowed: a finite number/);
    const massName = Object.keys(before).find((k) => /mass|force/i.test(k))!;
    assert.throws(() => env.setParams({ gravity: 3, [massName]: -1 }), new RegExp(`parameter '${massName}' = -1 is not allowed: must be >=? 0`));
    assert.deepEqual(env.params(), before, 'a refused set changes nothing');
    assert.throws(() => env.step(0), /step\(\) before reset\(\)/);
  });
}

test('parameter changes take effect on the next step', () => {
  const run = (make: () => ClassicControlEnv<string>, params: Record<string, number> | null, start: number[], action: Action) => {
    const env = make();
    env.resetTo(start);
    if (params) env.setParams(params);
    return Array.from(env.step(action).obs);
  };
  // CartPole: a heavier gravity makes the tilted pole fall faster (theta_dot grows more).
  const cp = [0, 0, 0.1, 0];
  assert.ok(run(() => new CartPole(), { gravity: 20 }, cp, 1)[3]! > run(() => new CartPole(), null, cp, 1)[3]!);
  // No push: forceMag 0 makes both actions the same.
  assert.deepEqual(run(() => new CartPole(), { forceMag: 0 }, cp, 0), run(() => new CartPole(), { forceMag: 0 }, cp, 1));
  // Acrobot: heavier second link changes the step.
  assert.notDeepEqual(run(() => new Acrobot(), { linkMass2: 2 }, [0.3, 0.2, 0, 0], 2), run(() => new Acrobot(), null, [0.3, 0.2, 0, 0], 2));
  // MountainCar: velocity = (a - 1) force - cos(3 p) gravity, by hand at p = -0.5 with a = 2.
  const mc = run(() => new MountainCar(), { force: 0.002, gravity: 0.001 }, [-0.5, 0], 2);
  assert.ok(Math.abs(mc[1]! - (0.002 - Math.cos(-1.5) * 0.001)) < 1e-15);
  // Pendulum: thdot' = thdot + (3 g / (2 l) sin th + 3 / (m l^2) u) dt by hand, with u clipped to maxTorque.
  const pd = run(() => new Pendulum(), { gravity: 9, mass: 2, length: 0.5, maxTorque: 1, dt: 0.1 }, [0.4, 0.2], Float64Array.of(5));
  assert.ok(Math.abs(pd[2]! - (0.2 + ((3 * 9) / (2 * 0.5) * Math.sin(0.4) + (3 / (2 * 0.25)) * 1) * 0.1)) < 1e-12);
});

test('Pendulum: maxTorque moves the action space bounds', () => {
  const env = new Pendulum();
  const space = env.actionSpace;
  assert.equal(space.kind, 'box');
  env.setParams({ maxTorque: 1.25 });
  assert.deepEqual(space.kind === 'box' ? [space.low[0], space.high[0]] : [], [-1.25, 1.25]);
});

test('CartPole: reward 1 on the terminating step, 0 for steps after it (Gymnasium steps_beyond_terminated)', () => {
  const env = new CartPole();
  env.resetTo([0, 0, 0.21, 0]);
  const r1 = env.step(0);
  assert.equal(r1.terminated, true, 'theta 0.21 is past 12 degrees (0.2094)');
  assert.equal(r1.reward, 1);
  const r2 = env.step(0);
  assert.equal(r2.terminated, true);
  assert.equal(r2.reward, 0);
  env.resetTo([0, 0, 0, 0]);
  assert.equal(env.step(1).reward, 1);
  const sb = new CartPole(undefined, true);
  sb.resetTo([0, 0, 0, 0]);
  assert.equal(sb.step(1).reward, 0);
  sb.resetTo([0, 0, 0.21, 0]);
  assert.deepEqual([sb.step(0).reward, sb.step(0).reward], [-1, -1]);
});

test('MountainCar: hitting the left wall moving left zeroes the velocity', () => {
  const env = new MountainCar();
  env.resetTo([-1.19, -0.05]);
  const r = env.step(0);
  assert.deepEqual(Array.from(r.obs), [-1.2, 0]);
});

test('Acrobot: torque noise draws from the env stream (deterministic per seed, different from no noise)', () => {
  const run = (noise: number, seed: number) => {
    const env = new Acrobot();
    env.setParams({ torqueNoiseMax: noise });
    env.reset(Rng.seeded(seed));
    return Array.from(env.step(2).obs);
  };
  assert.deepEqual(run(0.5, 1), run(0.5, 1));
  assert.notDeepEqual(run(0.5, 1), run(0, 1));
});
