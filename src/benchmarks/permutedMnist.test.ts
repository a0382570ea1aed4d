import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import type { BenchmarkContext, Stream } from './Benchmark.js';
import { permutedMnist, permutedMnistSchema, type PermutedTask } from './permutedMnist.js';
import { loadImageSet } from './data/datasets.js';
import { parseConfig } from '../config/parseConfig.js';
import type { Batch } from '../learn/Batch.js';
import { scratchDir } from '../../test/helpers/scratchDir.js';

const data = { cacheDir: scratchDir('supple-cache-'), download: false };
const ctx = (seed: number): BenchmarkContext => ({ backend: getBackend('ts'), rng: Rng.seeded(seed), data });
const make = (seed: number, options: object = {}) => permutedMnist.create(parseConfig(permutedMnistSchema, { dataset: 'digits', tasks: 3, ...options }, 'test'), ctx(seed));
const epoch = (s: Stream, t: number) => {
  const xs: number[][] = [], ys: number[] = [];
  const c = s.task(t).epoch(0);
  for (let b: Batch | null; (b = c.next()); ) {
    const per = b.x.perExample;
    for (let k = 0; k < b.x.batch; k++) { xs.push(Array.from(b.x.data.subarray(k * per, (k + 1) * per))); ys.push(b.y[k]!); }
  }
  return { xs, ys };
};

test('permuted-mnist: each task is one pass over the same images under its own pixel permutation', async () => {
  const set = await loadImageSet('digits', { source: data });
  const stream = await make(5);
  const key = (bytes: ArrayLike<number>, label: number) => `${label}:${Array.from(bytes).join(',')}`;
  const perms: Int32Array[] = [];
  for (let t = 0; t < 3; t++) {
    const task = stream.task(t) as PermutedTask;
    const p = task.permutation;
    assert.deepEqual(Array.from(p).sort((a, b) => a - b), Array.from({ length: 64 }, (_, i) => i), 'a permutation of the 64 pixels');
    perms.push(p);
    // Every example, un-permuted, is a training image with its label; every training image appears exactly once.
    const remaining = new Map<string, number>();
    for (let i = 0; i < set.train.count; i++) {
      const k = key(set.train.images.subarray(i * 64, (i + 1) * 64), set.train.labels[i]!);
      remaining.set(k, (remaining.get(k) ?? 0) + 1);
    }
    const { xs, ys } = epoch(stream, t);
    assert.equal(xs.length, set.train.count);
    xs.forEach((x, n) => {
      const orig = new Array<number>(64);
      for (let j = 0; j < 64; j++) orig[p[j]!] = Math.round(x[j]! * 16);
      const k = key(orig, ys[n]!);
      assert.ok((remaining.get(k) ?? 0) > 0, `example ${n} of task ${t} is not an unused training image`);
      remaining.set(k, remaining.get(k)! - 1);
    });
    assert.ok([...remaining.values()].every((v) => v === 0));
  }
  assert.notDeepEqual(Array.from(perms[0]!), Array.from(perms[1]!));
  assert.notDeepEqual(Array.from(perms[1]!), Array.from(perms[2]!));
});

test('permuted-mnist: the same seed gives the same permutations and order; another seed does not', async () => {
  const [a, b, c] = await Promise.all([make(11), make(11), make(12)]);
  assert.deepEqual((a.task(1) as PermutedTask).permutation, (b.task(1) as PermutedTask).permutation);
  assert.deepEqual(epoch(a, 1), epoch(b, 1));
  assert.notDeepEqual(Array.from((a.task(1) as PermutedTask).permutation), Array.from((c.task(1) as PermutedTask).permutation));
  assert.notDeepEqual(epoch(a, 0).ys, epoch(c, 0).ys);
});

test('permuted-mnist: paper defaults, examplesPerTask subsets and a steps cap', async () => {
  const d = parseConfig(permutedMnistSchema, {}, 'test');
  assert.equal(d.tasks, 800);
  assert.equal(d.batchSize, 1);
  assert.deepEqual(permutedMnist.defaults(d), { model: { arch: 'mlp', hidden: [100, 100, 100], activation: 'relu' }, optimizer: { name: 'sgd', lr: 0.003 } });
  const s = await make(3, { tasks: 10, examplesPerTask: 100, steps: 250 });
  assert.equal(s.numTasks, 3);
  assert.deepEqual([0, 1, 2].map((t) => s.task(t).size), [100, 100, 50]);
  assert.equal(s.taskSignal, false);
  assert.throws(() => parseConfig(permutedMnistSchema, { steps: 10, epochs: 2 }, 'benchmark permuted-mnist'), /steps.*epochs = 1/);
});
