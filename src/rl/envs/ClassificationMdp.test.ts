import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageSet } from '../../benchmarks/data/ImageSet.js';
import { Rng } from '../../tensor/Rng.js';
import { ClassificationMdp, classificationTables } from './ClassificationMdp.js';
import { makeEnv } from './envRegistry.js';

/** Six 1x1x2 "images" of 3 classes: pixel values 0..11 (max 12), labels 0, 1, 2, 0, 1, 2. */
const fake: ImageSet = {
  name: 'fake',
  shape: [1, 1, 2],
  classes: 3,
  maxValue: 12,
  train: { images: Uint8Array.from({ length: 12 }, (_, i) => i), labels: Int32Array.from([0, 1, 2, 0, 1, 2]), count: 6 },
  test: { images: new Uint8Array(0), labels: new Int32Array(0), count: 0 },
  provenance: {},
};
const opts = { images: 6, rewards: 'labels' as const, rewardClasses: 2, labelSeed: 0 };

test('classification MDP: reward 1 for the paying class, next state uniform, never terminal; truncated at the episode length', () => {
  const env = new ClassificationMdp(classificationTables(fake, opts), 4, Rng.seeded(1));
  const obs = env.reset();
  let s = env.current;
  assert.deepEqual(Array.from(obs), [(2 * s) / 12, (2 * s + 1) / 12]);
  const visits = new Array<number>(6).fill(0);
  let paid = 0;
  for (let k = 0; k < 600; k++) {
    const label = [0, 1, 2, 0, 1, 2][s]!;
    assert.equal(env.expertAction(), label);
    const a = k % 2 === 0 ? label : (label + 1) % 3;
    const r = env.step(a);
    assert.equal(r.reward, a === label ? 1 : 0);
    paid += r.reward;
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, (k + 1) % 4 === 0, 'truncated every 4 steps (the loop resets)');
    if (r.truncated) env.reset();
    s = env.current;
    visits[s]!++;
  }
  assert.equal(paid, 300);
  assert.ok(visits.every((v) => v > 60), `every state is drawn (visits ${visits.join(', ')})`);
  const copy = new ClassificationMdp(classificationTables(fake, opts), 4, Rng.seeded(9));
  copy.setState(env.getState());
  assert.deepEqual(Array.from(copy.step(0).obs), Array.from(env.step(0).obs));
  assert.throws(() => env.step(3), /action = 3 is not allowed: an integer in \[0, 2\]/);
  assert.throws(() => env.setParams({ gravity: 1 }), /parameter 'gravity' is unknown/);
});

test('classification MDP variants: random labels fixed by their seed; subset rewards only the first classes', () => {
  const r1 = classificationTables(fake, { ...opts, rewards: 'random-labels', labelSeed: 3 });
  const r2 = classificationTables(fake, { ...opts, rewards: 'random-labels', labelSeed: 3 });
  const r3 = classificationTables(fake, { ...opts, rewards: 'random-labels', labelSeed: 4 });
  assert.deepEqual(r1.target, r2.target);
  assert.notDeepEqual(r1.target, r3.target);
  assert.ok(r1.target.every((y) => y >= 0 && y < 3));
  assert.deepEqual(Array.from(classificationTables(fake, { ...opts, rewards: 'subset' }).target), [0, 1, -1, 0, 1, -1]);
  assert.equal(classificationTables(fake, { ...opts, images: 4 }).count, 4);
});

test('ClassificationMdp-v0 from the registry reads the shipped digits (64 pixels in [0, 1], 10 actions)', async () => {
  const env = await makeEnv('ClassificationMdp-v0', { images: 50 }, Rng.seeded(2));
  assert.equal(env.observationSpace.low.length, 64);
  assert.deepEqual(env.actionSpace, { kind: 'discrete', n: 10 });
  const o = env.reset();
  assert.ok(o.every((v) => v >= 0 && v <= 1) && o.some((v) => v > 0));
});
