// Classic-control trajectories equal Gymnasium's for fixed actions: fixtures recorded by an independent NumPy
// implementation of Gymnasium 1.x's published equations (test/fixtures/gym_classic_control.py), tolerance 1e-5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/benchmarks/data/packageRoot.js';
import { Acrobot } from '../src/rl/envs/Acrobot.js';
import { CartPole } from '../src/rl/envs/CartPole.js';
import type { ClassicControlEnv } from '../src/rl/envs/ClassicControlEnv.js';
import { MountainCar } from '../src/rl/envs/MountainCar.js';
import { Pendulum } from '../src/rl/envs/Pendulum.js';
import { removeScratchDir, scratchDir } from './helpers/scratchDir.js';

interface Episode {
  start: number[];
  params: Record<string, number>;
  actions: (number | number[])[];
  obs: number[][];
  rewards: number[];
  terminated: boolean[];
}

const TOL = 1e-5;
const envs: Record<string, () => ClassicControlEnv<string>> = {
  'CartPole-v1': () => new CartPole(),
  'Acrobot-v1': () => new Acrobot(),
  'MountainCar-v0': () => new MountainCar(),
  'Pendulum-v1': () => new Pendulum(),
};

for (const [id, make] of Object.entries(envs)) {
  test(`${id}: trajectories equal the published equations' fixtures within 1e-5`, () => {
    const fixture = JSON.parse(readFileSync(join(packageRoot(), 'test', 'fixtures', 'classic-control', `${id}.json`), 'utf8')) as { episodes: Episode[] };
    assert.ok(fixture.episodes.some((e) => e.terminated.includes(true)) || id === 'Pendulum-v1', 'the fixture includes a termination');
    let steps = 0;
    for (const [k, ep] of fixture.episodes.entries()) {
      const env = make();
      env.setParams(ep.params);
      env.resetTo(ep.start);
      for (let t = 0; t < ep.actions.length; t++) {
        const a = ep.actions[t]!;
        const r = env.step(typeof a === 'number' ? a : Float64Array.from(a));
        const want = ep.obs[t]!;
        assert.equal(r.obs.length, want.length);
        for (let i = 0; i < want.length; i++) {
          // Gymnasium's float32 observations: absolute 1e-5, relative for the few values above 1 (Acrobot's velocities).
          const err = Math.abs(r.obs[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
          assert.ok(err <= TOL, `${id} episode ${k} step ${t} obs[${i}]: ${r.obs[i]} vs ${want[i]}`);
        }
        assert.ok(Math.abs(r.reward - ep.rewards[t]!) <= TOL * Math.max(1, Math.abs(ep.rewards[t]!)), `${id} episode ${k} step ${t} reward ${r.reward} vs ${ep.rewards[t]}`);
        assert.equal(r.terminated, ep.terminated[t], `${id} episode ${k} step ${t} terminated`);
        assert.equal(r.truncated, false);
        steps++;
      }
    }
    assert.ok(steps >= 150, `${steps} steps checked`);
  });
}

const python = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0);
// NumPy versions differ by an ulp in sin/cos (so by a float32 ulp after rounding, now and then): numbers agree to 1e-6.
function closeTree(a: unknown, b: unknown, path: string): void {
  if (typeof a === 'number' && typeof b === 'number') assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${path}: ${a} vs ${b}`);
  else if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, `${path}: length`);
    a.forEach((v, i) => closeTree(v, b[i], `${path}[${i}]`));
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${path}: keys`);
    for (const k of Object.keys(a)) closeTree((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
  } else assert.equal(a, b, path);
}

test('the fixtures are what test/fixtures/gym_classic_control.py writes', { skip: python ? false : 'python3 with numpy not found' }, () => {
  const dir = scratchDir('supple-gym-');
  try {
    const r = spawnSync(python!, [join(packageRoot(), 'test', 'fixtures', 'gym_classic_control.py')], { env: { ...process.env, GYM_FIXTURE_OUT: dir }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const id of Object.keys(envs)) {
      const fresh = JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')) as unknown;
      closeTree(fresh, JSON.parse(readFileSync(join(packageRoot(), 'test', 'fixtures', 'classic-control', `${id}.json`), 'utf8')), id);
    }
  } finally {
    removeScratchDir(dir);
  }
});
