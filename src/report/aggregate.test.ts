import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateSeeds, binByWidth, commonX, finalValue, meanAndSe, unionX } from './aggregate.js';

const close = (a: number | null, b: number, eps = 1e-12) => assert.ok(a !== null && Math.abs(a - b) < eps, `${a} != ${b}`);
const curve = (values: readonly number[], from = 0) => new Map(values.map((v, i) => [from + i, v]));

test('mean and standard error over seeds, by hand', () => {
  // 0.9, 0.8, 0.7: mean 0.8, sample sd 0.1, SE 0.1/sqrt(3).
  const r = meanAndSe([0.9, 0.8, 0.7]);
  close(r.mean, 0.8);
  close(r.se, 0.1 / Math.sqrt(3));
  assert.equal(r.n, 3);
  // 1, 2, 3, 6: mean 3, squared deviations 4+1+0+9 = 14, variance 14/3, SE sqrt(14/3/4).
  close(meanAndSe([1, 2, 3, 6]).se, Math.sqrt(14 / 3 / 4));
  assert.deepEqual(meanAndSe([0.5]), { mean: 0.5, se: null, n: 1 });
  assert.equal(meanAndSe([]).n, 0);
});

test('tasks are binned per seed, each bin at its center', () => {
  const b = binByWidth(curve([1, 3, 5, 7, 9]), 2);
  assert.deepEqual([...b], [[0.5, 2], [2.5, 6], [4.5, 9]]);
  assert.deepEqual([...binByWidth(curve([1, 3]), 1)], [[0, 1], [1, 3]]);
  const four = binByWidth(curve([0, 0, 0, 4, 8, 8, 8, 8]), 4);
  assert.deepEqual([...four], [[1.5, 1], [5.5, 8]]);
});

test('only the x values every seed reached, or every x with its n', () => {
  const a = curve([0.9, 0.8, 0.7, 0.6]);
  const b = curve([0.7, 0.6, 0.5]); // a seed stopped after three tasks
  assert.deepEqual(commonX([a, b]), [0, 1, 2]);
  assert.deepEqual(unionX([a, b]), [0, 1, 2, 3]);
  const all = aggregateSeeds([a, b]).points;
  assert.equal(all.length, 3);
  close(all[0]!.mean, 0.8);
  close(all[0]!.se, 0.1); // two seeds 0.2 apart: sd = 0.2/sqrt(2), SE = sd/sqrt(2) = 0.1
  const any = aggregateSeeds([a, b], { points: 'any-seed' }).points;
  assert.equal(any.length, 4);
  assert.deepEqual([any[3]!.x, any[3]!.n, any[3]!.se], [3, 1, null]);
  close(any[3]!.mean, 0.6);
  assert.equal(any[2]!.n, 2);
});

test('long curves are thinned by averaging consecutive points per seed', () => {
  const a = curve([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const b = curve([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const r = aggregateSeeds([a, b], { maxPoints: 5 });
  assert.equal(r.groupSize, 2);
  assert.equal(r.points.length, 5);
  // First group: x 0 and 1 (x = 0.5); seed a mean 1.5, seed b mean 3.5: mean 2.5, SE 1.
  assert.equal(r.points[0]!.x, 0.5);
  close(r.points[0]!.mean, 2.5);
  close(r.points[0]!.se, 1);
  assert.equal(aggregateSeeds([a, b], { maxPoints: 10 }).groupSize, 1);
});

test('final value: each seed averaged over the last fraction of the common x, then over seeds', () => {
  const a = curve([0.9, 0.8, 0.7, 0.6]);
  const b = curve([0.8, 0.8, 0.6, 0.5]);
  const c = curve([0.7, 0.5, 0.5, 0.4]);
  const last = finalValue([a, b, c], 0.25)!;
  assert.deepEqual([last.from, last.to, last.count, last.n], [3, 3, 1, 3]);
  close(last.mean, 0.5);
  close(last.se, 0.1 / Math.sqrt(3));
  // Last half: per seed 0.65, 0.55, 0.45 -> mean 0.55, SE 0.1/sqrt(3).
  const half = finalValue([a, b, c], 0.5)!;
  assert.deepEqual([half.from, half.to, half.count], [2, 3, 2]);
  close(half.mean, 0.55);
  close(half.se, 0.1 / Math.sqrt(3));
  // At least one point, and only where every seed has one.
  assert.equal(finalValue([a, curve([1, 1])], 0.01)!.to, 1);
  assert.equal(finalValue([curve([1], 0), curve([1], 5)], 0.1), null);
});
