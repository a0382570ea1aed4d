import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../tensor/Rng.js';
import { z } from 'zod';
import { Registry } from '../../config/Registry.js';
import { environmentRegistry as reg, makeEnv, makeEnvSync } from './envRegistry.js';
import type { EnvSpec } from './EnvSpec.js';
import { makeVectorEnv } from './makeVectorEnv.js';
import { NormalizeObservation } from './NormalizeObservation.js';
import { findWrapper } from './Wrapper.js';
import { cleanrlWrappers } from './wrapperConfig.js';

test('envRegistry: the four classic ids with Gymnasium time limits and options checked', async () => {
  assert.deepEqual(reg.names().slice(0, 4), ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'Pendulum-v1']);
  const limits: Record<string, number> = { 'CartPole-v1': 500, 'Acrobot-v1': 500, 'MountainCar-v0': 200, 'Pendulum-v1': 200 };
  for (const [id, limit] of Object.entries(limits)) {
    const env = await makeEnv(id);
    env.reset(Rng.seeded(1));
    let steps = 0;
    for (let done = false; !done; steps++) {
      const r = env.step(env.actionSpace.kind === 'discrete' ? 1 : Float64Array.of(0));
      done = r.terminated || r.truncated;
      if (r.truncated) assert.equal(steps + 1, limit);
    }
    assert.ok(steps <= limit);
  }
  const cp = makeEnvSync('CartPole-v1', { maxEpisodeSteps: 7, params: { gravity: 12 } });
  assert.equal(cp.params().gravity, 12);
  assert.throws(() => makeEnvSync('CartPole-v1', { params: { gravty: 1 } }), /'params.gravty' is not an option; known keys: gravity, massCart/);
  assert.throws(() => makeEnvSync('CartPole-v1', { params: { massPole: 0 } }), /params.massPole = 0 is not allowed: must be > 0/);
  assert.throws(() => makeEnvSync('Cartpole-v1'), /unknown environment 'Cartpole-v1'; known: CartPole-v1, Acrobot-v1/);
  assert.throws(() => reg.register(reg.get('CartPole-v1')), /'CartPole-v1' is already registered/);
  const other = new Registry<EnvSpec>('environment', { namePattern: { pattern: /-v\d+$/, description: 'versioned' } });
  assert.throws(() => other.register({ ...reg.get('CartPole-v1'), name: 'cartpole' }), /'cartpole' is not a valid name: versioned/);
  const needsOption: EnvSpec = { name: 'Needs-v0', description: '', schema: z.strictObject({ size: z.number() }), create: () => makeEnvSync('CartPole-v1') };
  assert.throws(() => reg.register(needsOption), /environment Needs-v0 \(its default options\): size = missing/);
});

test('makeVectorEnv: copies with CleanRL continuous wrappers and a schedule, from config', async () => {
  const v = await makeVectorEnv({ id: 'Pendulum-v1', num: 4, wrappers: cleanrlWrappers(true, 0.99), schedule: { every: 8, changes: [{ params: 'gravity', draw: { kind: 'log-uniform', low: 5, high: 20 } }] } }, Rng.seeded(3));
  assert.equal(v.num, 4);
  assert.ok(findWrapper(v.envs[0]!, NormalizeObservation));
  v.reset(Rng.seeded(4));
  let changed = 0;
  for (let t = 0; t < 4; t++) if (v.step(new Float64Array(4).fill(5)).change) changed++;
  assert.equal(changed, 1);
  const g = v.params().gravity!;
  assert.ok(g >= 5 && g <= 20 && v.envs.every((e) => e.params().gravity === g));
  await assert.rejects(makeVectorEnv({ id: 'CartPole-v1', num: 0 }, Rng.seeded(1)), /num = 0 is not allowed: must be >= 1/);
});
