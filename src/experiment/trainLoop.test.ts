import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Model } from '../nn/Model.js';
import { mlp } from '../nn/models/mlp.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { sgd } from '../optim/optimizers.js';
import { Learner } from '../learn/Learner.js';
import { initialLoopState, trainLoop, type MetricRecord, type LoopState } from './trainLoop.js';
import { tinyStream } from '../../test/helpers/tinyStream.js';
import type { MethodInstance } from '../learn/Method.js';

function setup(seed = 1) {
  const backend = getBackend('ts');
  const stream = tinyStream(backend, { inputShape: [5], classes: 3, tasks: 3, examplesPerTask: 40, batchSize: 4, epochs: 2, start: (t) => (t === 2 ? { growHead: 2 } : {}) });
  const model = Model.build(mlp({ hidden: [8], outputs: 3 }), { inputShape: [5], backend, rng: Rng.seeded(seed) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.05 }), loss: crossEntropy });
  return { stream, model, learner };
}

test('the loop trains every task and epoch, grows the head, calls hooks and records metrics', () => {
  const { stream, learner } = setup();
  const calls: string[] = [];
  const method: MethodInstance = {
    state: {},
    afterUpdate: () => { calls.push('after'); return []; },
    atTaskBoundary: ({ task }) => { calls.push(`boundary${task.index}`); return []; },
    metrics: () => ({ 'method/x': 1 }),
  };
  const records: MetricRecord[] = [];
  const done = trainLoop({ stream, learner, methods: [{ name: 'm', instance: method, rng: Rng.seeded(2) }], rng: Rng.seeded(3), record: (r) => records.push(r) });
  assert.equal(done, true);
  assert.equal(learner.step, 3 * 2 * 10);
  assert.equal(calls.filter((c) => c === 'after').length, 60);
  assert.deepEqual(calls.filter((c) => c.startsWith('boundary')), ['boundary1', 'boundary2']);
  assert.deepEqual(learner.model.outputShape, [5]);
  const taskEnds = records.filter((r) => 'online/accuracy' in r);
  assert.equal(taskEnds.length, 3);
  assert.equal(records.filter((r) => 'eval/test/accuracy' in r).length, 6);
  assert.equal(taskEnds[0]!['method/x'], 1);
});

test('a loop stopped mid-task and continued from its state gives the same records', () => {
  const full: MetricRecord[] = [];
  {
    const { stream, learner } = setup();
    trainLoop({ stream, learner, methods: [], rng: Rng.seeded(3), record: (r) => full.push(r) });
  }
  const parts: MetricRecord[] = [];
  const { stream, learner, model } = setup();
  let saved: { loop: LoopState; model: ReturnType<typeof model.getState>; step: number } | null = null;
  let n = 0;
  const first = trainLoop({
    stream, learner, methods: [], rng: Rng.seeded(3), record: (r) => parts.push(r),
    checkpoint: (s) => { saved = { loop: structuredClone(s), model: model.getState(), step: learner.step }; },
    shouldStop: () => ++n === 27,
  }, initialLoopState());
  assert.equal(first, false);
  // A fresh process: rebuild everything, restore, continue (plain SGD has no optimizer state).
  const again = setup();
  again.model.setState(saved!.model);
  again.learner.step = saved!.step;
  trainLoop({ stream: again.stream, learner: again.learner, methods: [], rng: Rng.seeded(3), record: (r) => parts.push(r) }, saved!.loop);
  assert.deepEqual(parts, full);
});
