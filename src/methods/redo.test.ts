import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activation, conv2d, linear, sequential } from '../nn/LayerSpec.js';
import { applyEdits } from '../nn/applyEdits.js';
import type { Task } from '../benchmarks/Benchmark.js';
import { batch, fixedTask, setupMethod, stepInfo } from '../../test/helpers/methodTest.js';
import type { RedoState } from './redo.js';

const net3 = sequential(linear(3), activation('relu'), linear(2));

function withKnownUnits(config: Record<string, unknown>) {
  const s = setupMethod('redo', config, net3, [2]);
  // h(x) = relu(W x): on x1 = [1, 0] and x2 = [0, 1]: unit 0 -> [1, 1], unit 1 -> [0.05, 0], unit 2 -> [0, 0].
  s.model.param('fc1.weight').data.set([1, 1, 0.05, 0, 0, -1]);
  s.model.param('fc1.bias').data.fill(0);
  return s;
}

test('redo resets units whose score mean|h_i| / mean_k mean|h_k| is <= tau, scored on a batch drawn from the task', () => {
  // mean |h| = [1, 0.025, 0], layer mean 1.025 / 3: scores [2.93, 0.073, 0].
  for (const [tau, expected] of [[0.1, [1, 2]], [0.07, [2]], [0, [2]], [-1, []]] as const) {
    const s = withKnownUnits({ tau, period: 5 });
    const probe = batch(s.backend, [1, 0, 0, 1], [2, 2], [0, 1]);
    const edits = s.inst.afterUpdate!(stepInfo(10, fixedTask(probe)));
    assert.deepEqual(edits, expected.length ? [{ kind: 'reinitUnits', group: 'h1', units: [...expected], outgoing: 'zero', reason: 'redo' }] : [], `tau ${tau}`);
    assert.equal((s.inst.state as RedoState).dormant['h1'], expected.length / 3);
  }
});

test('redo acts every period steps only, and with scoreBatch 0 scores the step\'s own activations', () => {
  const s = withKnownUnits({ tau: 0.1, period: 5, scoreBatch: 0 });
  const noProbe = { ...fixedTask(null as never), probe: () => assert.fail('scoreBatch 0 must not draw a batch') } as Task;
  s.model.forward(batch(s.backend, [1, 0, 0, 1], [2, 2], [0, 1]).x, true);
  assert.deepEqual(s.inst.afterUpdate!(stepInfo(7, noProbe)), []);
  const edits = s.inst.afterUpdate!(stepInfo(15, noProbe));
  assert.deepEqual((edits[0] as { units: readonly number[] }).units, [1, 2]);
  applyEdits(edits, { model: s.model, states: [s.learner.optState, s.inst.state] }, s.rng);
  // Outgoing weights of the reset units are zero, incoming rows redrawn.
  const w2 = s.model.param('fc2.weight').data;
  assert.deepEqual([w2[1], w2[2], w2[4], w2[5]], [0, 0, 0, 0]);
  assert.notEqual(s.model.param('fc1.weight').data[5], -1);
  assert.equal((s.inst.state as RedoState).reset['h1'], 2);
});

test('redo on conv units: the score averages over batch and space', () => {
  const s = setupMethod('redo', { tau: 0.5, period: 1 }, sequential(conv2d(3, 1, { bias: false }), activation('relu'), conv2d(1, 1)), [1, 2, 2]);
  s.model.param('conv1.weight').data.set([1, 0.1, -1]);
  // x = [1, 2, -1, 4]: channel 0 -> [1, 2, 0, 4] (mean 1.75), channel 1 -> [0.1, 0.2, 0, 0.4] (0.175), channel 2 -> [0, 0, 1, 0] (0.25).
  const probe = batch(s.backend, [1, 2, -1, 4], [1, 1, 2, 2], [0]);
  const edits = s.inst.afterUpdate!(stepInfo(1, fixedTask(probe)));
  // layer mean 2.175 / 3 = 0.725: scores 2.41, 0.241, 0.345.
  assert.deepEqual((edits[0] as { units: readonly number[] }).units, [1, 2]);
});

test('a layer whose units are all silent scores 0: every unit is dormant', () => {
  const s = withKnownUnits({ tau: 0, period: 1 });
  s.model.param('fc1.weight').data.fill(0);
  const edits = s.inst.afterUpdate!(stepInfo(1, fixedTask(batch(s.backend, [1, 0], [1, 2], [0]))));
  assert.deepEqual((edits[0] as { units: readonly number[] }).units, [0, 1, 2]);
});
