import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { getBackend } from '../src/backend/selectBackend.js';
import { Rng } from '../src/tensor/Rng.js';
import { allBenchmarks, registerBenchmark } from '../src/benchmarks/index.js';
import type { Benchmark, BenchmarkContext, Stream } from '../src/benchmarks/Benchmark.js';
import { knownKeys, parseConfig } from '../src/config/parseConfig.js';
import { modelSchema, buildModelSpec } from '../src/nn/modelConfig.js';
import { optimizerSchema, buildOptimizer } from '../src/optim/optimizerConfig.js';
import { Model } from '../src/nn/Model.js';
import { Learner } from '../src/learn/Learner.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { meanSquaredError } from '../src/losses/meanSquaredError.js';
import { initialLoopState, trainLoop, type LoopState, type MetricRecord } from '../src/experiment/trainLoop.js';
import type { Batch } from '../src/learn/Batch.js';
import { scratchDir } from './helpers/scratchDir.js';

const data = { cacheDir: scratchDir('supple-cache-'), download: false };
const ctx = (seed: number): BenchmarkContext => ({ backend: getBackend('ts'), rng: Rng.seeded(seed), data });

/** A cut-down run of any benchmark: two tasks, few examples, the shipped digits set, one or two epochs. */
function small(b: Benchmark): Record<string, unknown> {
  const keys = knownKeys(b.schema);
  const cut: Record<string, unknown> = { tasks: 2 };
  const set = (k: string, v: unknown) => { if (keys.includes(k)) cut[k] = v; };
  set('dataset', 'digits');
  set('examplesPerTask', b.name === 'continual-binary' ? 12 : b.name === 'class-incremental' ? 8 : 40);
  set('testFromTrain', 10);
  set('stepsPerTask', 7);
  set('batchSize', 4);
  set('epochs', 2);
  set('maxEpochs', 2);
  set('valPerClass', 3);
  return cut;
}

/**
 * By hand, from the cut-down settings: per task [examples per epoch, batches per epoch, seen data (warm-start),
 * eval sets]. The shipped digits set has 1437 training and 360 test images (36 per class in the test split).
 */
const expectedTasks: Record<string, Array<[number, number, number | null, string]>> = {
  'permuted-mnist': [[40, 10, null, ''], [40, 10, null, '']], // 40 images, batches of 4
  'slowly-changing-regression': [[40, 40, null, ''], [40, 40, null, '']], // T = 40, batch 1
  'random-labels': [[28, 7, null, 'train:40'], [28, 7, null, 'train:40']], // 7 steps of 4; the memorized 40
  'class-incremental': [[40, 10, null, 'val:15,test:180'], [80, 20, null, 'val:30,test:360']], // 5 then 10 classes x 8; 3 val, 36 test each
  'continual-binary': [[24, 6, null, 'test:20'], [24, 6, null, 'test:20']], // 2 classes x 12; 10 test each
  'warm-start': [[40, 10, 40, 'test:360'], [80, 20, 80, 'test:360']], // chunks of 40 accumulate
};

const snapshot = (s: Stream, t: number, from?: { position: number }, limit = Infinity) => {
  const c = s.task(t).epoch(0, from);
  const out: { x: number[]; y: number[]; shape: number[] }[] = [];
  for (let b: Batch | null; out.length < limit && (b = c.next()); ) out.push({ x: Array.from(b.x.data), y: Array.from(b.y), shape: [...b.x.shape] });
  return { batches: out, state: c.getState() };
};

test('the registry refuses a second benchmark with a taken name', () => {
  assert.throws(() => registerBenchmark(allBenchmarks()[0]!), /already registered/);
});

for (const b of allBenchmarks()) {
  test(`${b.name}: schema defaults parse, every field is documented, the paper's learner is a valid model and optimizer`, () => {
    const config = parseConfig(b.schema, {}, b.name) as Record<string, unknown>;
    for (const k of ['tasks', 'examplesPerTask', 'steps']) assert.ok(k in config, `${b.name} has the common option ${k}`);
    const shape = (b.schema as unknown as { shape: Record<string, z.ZodType> }).shape;
    for (const [k, f] of Object.entries(shape)) assert.ok(f.description && f.description.length > 10, `${b.name}.${k} has a description`);
    assert.throws(() => parseConfig(b.schema, { notAnOption: 1 }, `benchmark ${b.name}`), /'notAnOption' is not an option/);
    assert.throws(() => parseConfig(b.schema, { tasks: -1 }, `benchmark ${b.name}`), /tasks = -1/);
    const d = b.defaults(config);
    const model = parseConfig(modelSchema, d.model, 'model');
    buildOptimizer(parseConfig(optimizerSchema, d.optimizer, 'optimizer'));
    assert.ok(model.arch);
    assert.ok(b.description.length > 10);
  });

  test(`${b.name}: a cut-down stream yields batches of the declared shapes, deterministically by seed`, async () => {
    const config = parseConfig(b.schema, small(b), b.name);
    const [s, again, other] = await Promise.all([b.create(config, ctx(3)), b.create(config, ctx(3)), b.create(config, ctx(4))]);
    assert.equal(s.numTasks, 2);
    for (let t = 0; t < s.numTasks; t++) {
      const task = s.task(t);
      assert.equal(task.index, t);
      const { batches } = snapshot(s, t);
      assert.equal(batches.reduce((a, x) => a + x.shape[0]!, 0), task.size, 'an epoch has task.size examples');
      const want = expectedTasks[b.name]?.[t];
      if (want) {
        assert.deepEqual([task.size, batches.length, task.seenData ? task.seenData().size : null, task.evalSets.map((e) => `${e.name}:${e.size}`).join(',')], want, `${b.name} task ${t} by hand`);
      }
      for (const batch of batches) {
        assert.deepEqual(batch.shape.slice(1), [...s.inputShape]);
        assert.ok(batch.shape[0]! <= task.batchSize);
        assert.ok(batch.x.every(Number.isFinite));
        if (s.loss === 'cross-entropy') {
          const heads = s.outputs + (s.task(t).start.growHead ? t * s.task(t).start.growHead! : 0);
          assert.ok(batch.y.every((y) => Number.isInteger(y) && y >= 0 && y < heads), 'labels are class indices of the head');
        } else assert.equal(batch.y.length, batch.shape[0]! * s.outputs);
      }
      assert.deepEqual(snapshot(again, t).batches, batches, 'same seed, same batches');
      if (t === 0) assert.notDeepEqual(snapshot(other, t).batches, batches, 'another seed, other batches');
    }
  });

  test(`${b.name}: a cursor's state continues an epoch exactly; eval sets, probes and seen data work`, async () => {
    const config = parseConfig(b.schema, small(b), b.name);
    const s = await b.create(config, ctx(5));
    const whole = snapshot(s, 1).batches;
    const head = snapshot(s, 1, undefined, 2);
    const fresh = await b.create(config, ctx(5));
    const rest = snapshot(fresh, 1, head.state).batches;
    assert.deepEqual([...head.batches, ...rest], whole);
    const task = s.task(1);
    for (const e of task.evalSets) {
      let n = 0;
      for (const batch of e.batches(5)) {
        assert.deepEqual(batch.x.shape.slice(1), [...s.inputShape]);
        n += batch.x.shape[0]!;
      }
      assert.equal(n, e.size, `eval set ${e.name} yields all its examples`);
    }
    const p1 = task.probe(6, Rng.seeded(1));
    const x1 = Array.from(p1.x.data);
    assert.equal(p1.x.shape[0], Math.min(6, task.size));
    assert.deepEqual(Array.from(task.probe(6, Rng.seeded(1)).x.data), x1, 'a probe is a function of its rng');
    assert.deepEqual(snapshot(s, 1).batches, whole, 'probing never changes the stream');
    // Seen data: all chunks so far (warm-start: 2 x 40 at task 1), the training set of the task itself.
    if (task.seenData) assert.equal(task.seenData().size, b.name === 'warm-start' ? 80 : task.size);
  });

  test(`${b.name}: runs through the training loop, and a run stopped mid-epoch and resumed gives the same records`, async () => {
    const config = parseConfig(b.schema, small(b), b.name);
    const setup = async () => {
      const stream = await b.create(config, ctx(8));
      const spec = buildModelSpec(parseConfig(modelSchema, { arch: 'mlp', hidden: [6] }, 'model'), stream.inputShape, stream.outputs);
      const model = Model.build(spec, { inputShape: stream.inputShape, backend: getBackend('ts'), rng: Rng.seeded(2) });
      const learner = new Learner({ model, optimizer: buildOptimizer(parseConfig(optimizerSchema, { lr: 0.01 }, 'o')), loss: stream.loss === 'mse' ? meanSquaredError : crossEntropy });
      return { stream, model, learner };
    };
    const full: MetricRecord[] = [];
    {
      const { stream, learner } = await setup();
      assert.equal(trainLoop({ stream, learner, methods: [], rng: Rng.seeded(9), record: (r) => full.push(r), bestParams: { state: null } }), true);
    }
    assert.equal(full.filter((r) => 'online/loss' in r).length, 2, 'one task-end record per task');
    // Stop after 3 steps (inside the first epoch of task 0; plain SGD has no optimizer state), then continue in a fresh stream.
    const parts: MetricRecord[] = [];
    let saved: { loop: LoopState; model: ReturnType<Model['getState']>; step: number } | null = null;
    {
      const { stream, learner, model } = await setup();
      let n = 0;
      const done = trainLoop({
        stream, learner, methods: [], rng: Rng.seeded(9), record: (r) => parts.push(r), bestParams: { state: null },
        checkpoint: (st) => { saved = { loop: structuredClone(st), model: model.getState(), step: learner.step }; },
        shouldStop: () => ++n === 3,
      }, initialLoopState());
      assert.equal(done, false);
    }
    const s = saved as unknown as { loop: LoopState; model: ReturnType<Model['getState']>; step: number };
    assert.equal(s.loop.task, 0);
    assert.equal(s.loop.cursor?.position, 3 * Math.min(4, (await setup()).stream.task(0).batchSize));
    const again = await setup();
    again.model.setState(s.model);
    again.learner.step = s.step;
    trainLoop({ stream: again.stream, learner: again.learner, methods: [], rng: Rng.seeded(9), record: (r) => parts.push(r), bestParams: { state: null } }, s.loop);
    assert.deepEqual(parts, full);
  });
}
