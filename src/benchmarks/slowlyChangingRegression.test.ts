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
  const target = drawLtuTarget(Rng.seeded(seed).split('target'), 20, 100, 0.7, 'reference-code');
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
        // The reference code's S: (m - sum of input weights + bias weight) / 2.
        const row = Array.from(target.weights.subarray(u * 21, u * 21 + 21));
        if (s > 21 * 0.7 - (20 - row.slice(0, 20).reduce((a, w) => a + w, 0) + row[20]!) / 2) y += target.readout[u]!;
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

/**
 * P(an LTU fires) for one unit of a target, exactly: with k of its m input weights +1 and inputs uniform bits, the
 * LTU input is bias + a - c with a ~ Bin(k, 1/2), c ~ Bin(m - k, 1/2).
 */
function firingProbability(t: LtuTarget, u: number): number {
  const m = t.inputs;
  const row = t.weights.subarray(u * (m + 1), (u + 1) * (m + 1));
  let k = 0;
  for (let j = 0; j < m; j++) if (row[j]! > 0) k++;
  const binom = (n: number): number[] => {
    let p = [1];
    for (let i = 0; i < n; i++) p = [...p, 0].map((v, j) => (v + (j > 0 ? p[j - 1]! : 0)) / 2);
    return p;
  };
  const pa = binom(k), pc = binom(m - k);
  let p = 0;
  pa.forEach((qa, a) => pc.forEach((qc, c) => { if (row[m]! + a - c > t.thresholds[u]!) p += qa * qc; }));
  return p;
}

test("target variance: 1 + 100 P(fire), by hand 3.947 for the reference code's thresholds (the default) and 4.918 for the text's", async () => {
  // Readout weights and bias are independent +-1, so E[y] = 0 and Var y = 1 + sum_i P(LTU i fires). Summing the
  // closed form over k ~ Bin(20, 1/2) and the bias sign (m = 20, beta = 0.7): P = 0.0294738 (reference code,
  // S = (m - sum w + b) / 2) and 0.0391769 (S = number of -1 weights, bias included). Over 300 drawn targets
  // (30000 units) the mean has a standard error near 0.0002 (Var y: 0.02); tolerance 0.1.
  assert.equal(parseConfig(slowlyChangingRegressionSchema, {}, 'test').thresholds, 'reference-code');
  for (const [rule, expected] of [['reference-code', 3.947378], ['paper', 4.917694]] as const) {
    let sum = 0;
    for (let s = 0; s < 300; s++) {
      const t = drawLtuTarget(Rng.seeded(1000 + s), 20, 100, 0.7, rule);
      for (let u = 0; u < 100; u++) sum += firingProbability(t, u);
    }
    const variance = 1 + sum / 300;
    assert.ok(Math.abs(variance - expected) < 0.1, `${rule}: ${variance} vs ${expected}`);
  }
});
