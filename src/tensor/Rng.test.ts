import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from './Rng.js';

test('the same seed gives the same stream; different seeds differ', () => {
  const a = Rng.seeded(42), b = Rng.seeded(42), c = Rng.seeded(43);
  const xs = Array.from({ length: 8 }, () => a.nextU32());
  assert.deepEqual(xs, Array.from({ length: 8 }, () => b.nextU32()));
  assert.notDeepEqual(xs, Array.from({ length: 8 }, () => c.nextU32()));
});

test('split depends on the key and the label, not on draws already made', () => {
  const a = Rng.seeded(1);
  const before = a.split('init').nextU32();
  for (let i = 0; i < 100; i++) a.nextU32();
  assert.equal(a.split('init').nextU32(), before);
  assert.notEqual(a.split('data').nextU32(), before);
  assert.notEqual(a.split('init').split('x').nextU32(), a.split('init').nextU32());
});

test('uniform floats are in [0, 1) with the right mean and spread', () => {
  const r = Rng.seeded(3);
  let s = 0, ss = 0, min = 1, max = 0;
  const n = 100000;
  for (let i = 0; i < n; i++) {
    const u = r.float();
    s += u; ss += u * u; min = Math.min(min, u); max = Math.max(max, u);
  }
  assert.ok(min >= 0 && max < 1);
  assert.ok(Math.abs(s / n - 0.5) < 0.01);
  assert.ok(Math.abs(ss / n - s * s / n / n - 1 / 12) < 0.005);
});

test('normals have mean 0 and variance 1', () => {
  const r = Rng.seeded(4);
  let s = 0, ss = 0;
  const n = 100000;
  for (let i = 0; i < n; i++) { const z = r.normal(); s += z; ss += z * z; }
  assert.ok(Math.abs(s / n) < 0.02);
  assert.ok(Math.abs(ss / n - 1) < 0.02);
});

test('int(n) is unbiased over small ranges and permutation is a permutation', () => {
  const r = Rng.seeded(5);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70000; i++) counts[r.int(7)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 500, `count ${c}`);
  const p = r.permutation(1000);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  const s = r.sample(50, 10);
  assert.equal(new Set(s).size, 10);
});

test('state round-trips, including a pending normal', () => {
  const a = Rng.seeded(9);
  a.normal();
  const st = a.getState();
  const b = Rng.fromState(JSON.parse(JSON.stringify(st)));
  for (let i = 0; i < 5; i++) assert.equal(a.normal(), b.normal());
  const c = Rng.seeded(10);
  c.setState(st);
  assert.equal(c.split('x').nextU32(), a.split('x').nextU32());
});

test('bad seeds are rejected with the allowed range', () => {
  assert.throws(() => Rng.seeded(-1), /seed: -1 is not allowed/);
  assert.throws(() => Rng.seeded(1.5), /integer in \[0, 2\^53\)/);
});

test('fillUniform gives exactly the numbers of uniform() one by one', () => {
  const a = Rng.seeded(21), b = Rng.seeded(21);
  const out = new Float64Array(1000);
  a.fillUniform(out, -0.3, 0.7, 10, 990);
  for (let i = 10; i < 990; i++) assert.equal(out[i], b.uniform(-0.3, 0.7));
  assert.equal(a.nextU32(), b.nextU32());
});
