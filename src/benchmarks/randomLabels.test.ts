import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import type { BenchmarkContext, Stream } from './Benchmark.js';
import { createStream } from './index.js';
import { scratchDir } from '../../test/helpers/scratchDir.js';

const data = { cacheDir: scratchDir('supple-cache-'), download: false };
const ctx = (seed: number): BenchmarkContext => ({ backend: getBackend('ts'), rng: Rng.seeded(seed), data });
const small = { dataset: 'digits', tasks: 3, examplesPerTask: 40, stepsPerTask: 25, batchSize: 4 };
/** The memorized subset of task t, in order: its targets and its pixels. */
const memo = (s: Stream, t: number) => {
  const y: number[] = [], x: number[] = [];
  for (const b of s.task(t).evalSets[0]!.batches(40)) {
    y.push(...Array.from(b.y));
    x.push(...Array.from(b.x.data));
  }
  return { y, x };
};

test('random-labels targets=regression: a real target per image, uniform in [-targetScale, targetScale], the same per seed, redrawn per draw', async () => {
  const make = async (seed: number, extra: Record<string, unknown> = {}) => (await createStream('random-labels', { ...small, targets: 'regression', ...extra }, ctx(seed))).stream;
  const a = await make(4), again = await make(4), other = await make(5);
  assert.equal(a.loss, 'mse');
  assert.equal(a.outputs, 1);
  assert.equal(a.valueHead, undefined, 'the scalar head is plain MSE');
  assert.equal(a.task(0).label, 'targets 0');
  const t0 = memo(a, 0), t1 = memo(a, 1);
  assert.equal(t0.y.length, 40);
  assert.deepEqual(memo(again, 0).y, t0.y, 'the same seed draws the same targets');
  assert.deepEqual(memo(again, 2).y, memo(a, 2).y);
  assert.notDeepEqual(memo(other, 0).y, t0.y, 'another seed draws others');
  assert.ok(t0.y.every((v, i) => v !== t1.y[i]), 'every target is redrawn at the next draw');
  assert.deepEqual(t0.x, t1.x, 'on the same images');
  assert.ok(t0.y.every((v) => v >= -1 && v <= 1) && t0.y.some((v) => v < -0.5) && t0.y.some((v) => v > 0.5), `targets ${t0.y.slice(0, 5).join(', ')}`);
  assert.ok(t0.y.some((v) => !Number.isInteger(v)), 'real values, not classes');
  // Training batches carry the same targets as the evaluation of memorization.
  const trained = new Set<number>();
  const c = a.task(0).epoch(0);
  for (let b = c.next(); b; b = c.next()) for (const v of b.y) trained.add(v);
  assert.deepEqual([...trained].sort(), [...new Set(t0.y)].sort());
  const wide = await make(4, { targetScale: 5 });
  assert.ok(memo(wide, 0).y.every((v) => Math.abs(v) <= 5) && memo(wide, 0).y.some((v) => Math.abs(v) > 1));
  // A categorical head: one output per atom, the head handed to the runner; the support defaults to [-1, 1].
  const cat = await make(4, { valueHead: { kind: 'hl-gauss' } });
  assert.equal(cat.outputs, 51);
  assert.deepEqual(cat.valueHead, { kind: 'hl-gauss', bins: 51, min: -1, max: 1, sigmaRatio: 0.75 });
  assert.deepEqual(memo(cat, 0).y, t0.y, 'the head does not change the targets: MSE and cross-entropy fit the same run');
});

test('random-labels: classes stay the default (integer labels, cross-entropy, no value head)', async () => {
  const { stream } = await createStream('random-labels', small, ctx(4));
  assert.equal(stream.loss, 'cross-entropy');
  assert.equal(stream.outputs, 10);
  assert.equal(stream.valueHead, undefined);
  assert.ok(memo(stream, 0).y.every((v) => Number.isInteger(v) && v >= 0 && v < 10));
});

test('random-labels: bad targets, scales and heads are refused, naming the field', async () => {
  const bad = (o: Record<string, unknown>) => createStream('random-labels', { ...small, ...o }, ctx(1));
  await assert.rejects(bad({ targets: 'regress' }), /targets = "regress" is not allowed: allowed: "classes", "regression"/);
  await assert.rejects(bad({ targets: 'regression', targetScale: 0 }), /targetScale = 0 is not allowed/);
  await assert.rejects(bad({ valueHead: { kind: 'two-hot' } }), /valueHead\.kind = "two-hot" is not allowed: a categorical value head needs targets = 'regression'/);
  await assert.rejects(
    bad({ targets: 'regression', targetScale: 2, valueHead: { kind: 'two-hot' } }),
    /valueHead = .* is not allowed: its support \[-1, 1\] must hold the targets' range \[-2, 2\]/,
  );
  await assert.rejects(bad({ targets: 'regression', valueHead: { kind: 'hl-gauss', min: 1, max: -1 } }), /max must be greater than min/);
  await assert.rejects(bad({ targets: 'regression', valueHead: { kind: 'quantile' } }), /valueHead\.kind = "quantile" is not allowed/);
});
