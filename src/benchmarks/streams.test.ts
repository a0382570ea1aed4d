import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import type { BenchmarkContext, Stream } from './Benchmark.js';
import { createStream } from './index.js';
import { loadImageSet } from './data/datasets.js';
import type { Batch } from '../learn/Batch.js';
import { scratchDir } from '../../test/helpers/scratchDir.js';

const data = { cacheDir: scratchDir('supple-cache-'), download: false };
const ctx = (seed = 1): BenchmarkContext => ({ backend: getBackend('ts'), rng: Rng.seeded(seed), data });
const labelsOf = (s: Stream, t: number) => {
  const out: number[] = [];
  const c = s.task(t).epoch(0);
  for (let b: Batch | null; (b = c.next()); ) out.push(...Array.from(b.y));
  return out;
};

test('class-incremental: k new classes per task, labels by arrival, head growth, validation held out, early stopping on it', async () => {
  const set = await loadImageSet('digits', { source: data });
  const { stream } = await createStream('class-incremental', { dataset: 'digits', tasks: 3, classesPerTask: 3, valPerClass: 4, epochs: 7 }, ctx());
  assert.equal(stream.outputs, 3);
  const order = (stream.provenance.classOrder as number[]);
  assert.equal(order.length, 9);
  for (let t = 0; t < 3; t++) {
    const task = stream.task(t);
    assert.deepEqual(task.start, t === 0 ? {} : { growHead: 3 });
    assert.deepEqual(task.earlyStopping, { on: 'val', patience: 7 });
    assert.deepEqual(task.schedule, { kind: 'epochs', epochs: 7 });
    const labels = labelsOf(stream, t);
    assert.deepEqual([...new Set(labels)].sort((a, b) => a - b), Array.from({ length: 3 * (t + 1) }, (_, i) => i));
    // Training on every class seen so far, minus 4 validation images per class.
    const perClass = order.slice(0, 3 * (t + 1)).map((c) => set.train.labels.filter((y) => y === c).length - 4);
    assert.equal(task.size, perClass.reduce((a, b) => a + b, 0));
    const val = task.evalSets.find((e) => e.name === 'val')!;
    assert.equal(val.size, 4 * 3 * (t + 1));
  }
});

test('continual-binary: consecutive pairs of a seeded class order, labels 0/1, head reset, test from the class pool', async () => {
  const { stream } = await createStream('continual-binary', { dataset: 'digits', tasks: 7, examplesPerTask: 30, testFromTrain: 20, epochs: 3 }, ctx(2));
  const order = stream.provenance.classOrder as number[];
  assert.deepEqual([...order].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (let t = 0; t < 7; t++) {
    const task = stream.task(t);
    assert.equal(task.label, `classes ${order[(2 * t) % 10]} vs ${order[(2 * t + 1) % 10]}`, 'the order repeats when used up');
    assert.deepEqual(task.start, { resetHead: 'zero', resetHeadOptimizer: false });
    assert.equal(task.size, 60);
    assert.deepEqual(labelsOf(stream, t).sort(), [...Array(30).fill(0), ...Array(30).fill(1)]);
    assert.equal(task.evalSets[0]!.size, 40);
  }
  assert.equal(stream.outputs, 2);
  await assert.rejects(createStream('continual-binary', { dataset: 'digits', tasks: 2, examplesPerTask: 150, testFromTrain: 100 }, ctx()), /examplesPerTask = 150/);
});

test('warm-start: chunks accumulate, data growth after the first, trained to a target accuracy, seen data is all chunks so far', async () => {
  const { stream } = await createStream('warm-start', { dataset: 'digits', tasks: 4, examplesPerTask: 50, maxEpochs: 9, targetAccuracy: 0.99 }, ctx(3));
  const seen: number[] = [];
  for (let t = 0; t < 4; t++) {
    const task = stream.task(t);
    assert.equal(task.size, 50 * (t + 1));
    assert.deepEqual(task.start, t === 0 ? {} : { dataGrowth: true, newExamples: 50 });
    assert.deepEqual(task.schedule, { kind: 'until-train-accuracy', target: 0.99, maxEpochs: 9 });
    assert.equal(task.seenData!().size, 50 * (t + 1));
    // Seen data of task t starts with the seen data of task t-1 (a union that only grows).
    const ys: number[] = [];
    for (const b of task.seenData!().batches(17)) ys.push(...Array.from(b.y));
    assert.deepEqual(ys.slice(0, seen.length), seen);
    seen.splice(0, seen.length, ...ys);
  }
});

test('random-labels: the same images each task, labels redrawn per task, K updates per task, memorization evaluated', async () => {
  const { stream } = await createStream('random-labels', { dataset: 'digits', tasks: 3, examplesPerTask: 40, stepsPerTask: 25, batchSize: 4 }, ctx(4));
  const a = stream.task(0), b = stream.task(1);
  assert.equal(a.size, 100);
  assert.equal(a.evalSets[0]!.name, 'train');
  const memo = (t: number) => { const y: number[] = []; for (const x of stream.task(t).evalSets[0]!.batches(40)) y.push(...Array.from(x.y)); return y; };
  const la = memo(0), lb = memo(1);
  assert.notDeepEqual(la, lb);
  const xs = (t: number) => { const out: number[] = []; for (const x of stream.task(t).evalSets[0]!.batches(40)) out.push(...Array.from(x.x.data)); return out; };
  assert.deepEqual(xs(0), xs(1));
  void b;
});
