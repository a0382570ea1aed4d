import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { parseConfig } from '../config/parseConfig.js';
import { drawLtuTarget, ltuTargetValue, slowlyChangingRegression, slowlyChangingRegressionSchema, type LtuTarget } from './slowlyChangingRegression.js';
import type { Batch } from '../learn/Batch.js';

const create = (seed: number, o: object) => slowlyChangingRegression.create(parseConfig(slowlyChangingRegressionSchema, o, 'test'), { backend: getBackend('ts'), rng: Rng.seeded(seed), data: { cacheDir: '/nonexistent', download: false } });

test('LTU target by hand: thresholds (m+1)beta - S_i and the output of a small net', () => {
  // m = 3 inputs, 2 units. Unit 0 weights (+1, -1, +1 | bias -1): S = 2 negatives, theta = 4 * 0.5 - 2 = 0.
  // Unit 1 weights (-1, -1, -1 | bias +1): S = 3, theta = 2 - 3 = -1. Readout (+1, -1), readout bias +1.
  const t: LtuTarget = { inputs: 3, units: 2, weights: Int8Array.from([1, -1, 1, -1, -1, -1, -1, 1]), thresholds: Float64Array.from([0, -1]), readout: Int8Array.from([1, -1]), readoutBias: 1 };
  // x = (1, 0, 1): unit 0 input 1 + 1 - 1 = 1 > 0 fires; unit 1 input -1 - 1 + 1 = -1, not > -1. y = 1 + 1 = 2.
  assert.equal(ltuTargetValue(t, [1, 0, 1]), 2);
  // x = (0, 1, 0): unit 0: -1 - 1 = -2 no; unit 1: -1 + 1 = 0 > -1 fires. y = -1 + 1 = 0.
  assert.equal(ltuTargetValue(t, [0, 1, 0]), 0);
  // x = (0, 0, 0): unit 0: -1 no; unit 1: 1 > -1 fires: y = 0.
  assert.equal(ltuTargetValue(t, [0, 0, 0]), 0);
  const drawn = drawLtuTarget(Rng.seeded(4), 20, 100, 0.7, 'paper');
  for (let u = 0; u < 100; u++) {
    const row = Array.from(drawn.weights.subarray(u * 21, (u + 1) * 21));
    assert.ok(row.every((w) => w === 1 || w === -1));
    assert.ok(Math.abs(drawn.thresholds[u]! - (21 * 0.7 - row.filter((w) => w < 0).length)) < 1e-12);
  }
  const ref = drawLtuTarget(Rng.seeded(4), 20, 100, 0.7, 'reference-code');
  const row0 = Array.from(ref.weights.subarray(0, 21));
  const sum = row0.slice(0, 20).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(ref.thresholds[0]! - (21 * 0.7 - (20 - sum + row0[20]!) / 2)) < 1e-12);
});

test('slowly-changing regression: targets computed by hand, slow bits fixed for T examples, one flips per period', async () => {
  const T = 50;
  const seed = 9;
  const stream = await create(seed, { tasks: 4, examplesPerTask: T });
  const target = drawLtuTarget(Rng.seeded(seed).split('target'), 20, 100, 0.7, 'paper');
  assert.deepEqual(stream.inputShape, [20]);
  assert.equal(stream.loss, 'mse');
  assert.equal(stream.bin, 40000);
  assert.equal(stream.taskSignal, false);
  let prevSlow: number[] | null = null;
  const fastSeen = new Set<string>();
  for (let t = 0; t < 4; t++) {
    const c = stream.task(t).epoch(0);
    let slow: number[] | null = null;
    let n = 0;
    for (let b: Batch | null; (b = c.next()); n++) {
      const x = Array.from(b.x.data.subarray(0, 20));
      assert.ok(x.every((v) => v === 0 || v === 1));
      if (!slow) slow = x.slice(0, 15);
      assert.deepEqual(x.slice(0, 15), slow, 'slow bits constant within a period');
      fastSeen.add(x.slice(15).join(''));
      // By hand: bias bit 1, LTU fires when its input exceeds theta, readout +-1 plus the readout bias.
      let y = target.readoutBias;
      for (let u = 0; u < 100; u++) {
        let s = target.weights[u * 21 + 20]!;
        for (let j = 0; j < 20; j++) s += target.weights[u * 21 + j]! * x[j]!;
        if (s > 21 * 0.7 - Array.from(target.weights.subarray(u * 21, u * 21 + 21)).filter((w) => w < 0).length) y += target.readout[u]!;
      }
      assert.equal(b.y[0], y);
    }
    assert.equal(n, T);
    if (prevSlow) assert.equal(slow!.filter((v, j) => v !== prevSlow![j]).length, 1, 'flip-one: exactly one slow bit changes');
    prevSlow = slow;
  }
  assert.ok(fastSeen.size > 16, 'the 5 fast bits are drawn per example');
});

test('slowly-changing regression: paper lengths, the redraw variant, the bias bit input', async () => {
  const d = parseConfig(slowlyChangingRegressionSchema, {}, 'test');
  assert.equal((await create(1, {})).numTasks, 300);
  assert.equal((await create(1, { variant: 'redraw' })).numTasks, 100);
  assert.equal((await create(1, { steps: 25000 })).task(2).size, 5000);
  assert.deepEqual(slowlyChangingRegression.defaults(d).model, { arch: 'mlp', hidden: [5], activation: 'relu' });
  const redraw = await create(2, { variant: 'redraw', tasks: 6, examplesPerTask: 3 });
  const slow = [0, 1, 2, 3, 4, 5].map((t) => Array.from(redraw.task(t).epoch(0).next()!.x.data.subarray(0, 15)));
  assert.ok(slow.some((s, t) => t > 0 && s.filter((v, j) => v !== slow[t - 1]![j]).length > 1), 'redraw changes several bits at once');
  const biased = await create(2, { tasks: 1, examplesPerTask: 5, biasInput: true });
  assert.deepEqual(biased.inputShape, [21]);
  assert.equal(biased.task(0).epoch(0).next()!.x.data[20], 1);
});
