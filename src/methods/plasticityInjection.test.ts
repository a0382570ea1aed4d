import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activation, conv2d, flatten, linear, maxPool2d, sequential } from '../nn/LayerSpec.js';
import { applyEdits } from '../nn/applyEdits.js';
import { collectSlots, type ParamSlots } from '../nn/Slots.js';
import { Model } from '../nn/Model.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { adam, sgd } from '../optim/optimizers.js';
import { Tensor } from '../tensor/Tensor.js';
import type { Param } from '../nn/Param.js';
import { batch, setupMethod } from '../../test/helpers/methodTest.js';
import { configureMethod, getMethod } from './index.js';

const mlp3 = sequential(linear(6), activation('relu'), linear(5), activation('tanh'), linear(3));
const xs = [0.3, -0.1, 0.8, 0.5, -0.6, 0.2, 0.9, 0.1];
const labels = [2, 0];
const at = (step: number) => ({ step, task: null as never });

function inject(s: ReturnType<typeof setupMethod>, step = 5) {
  const edits = s.inst.atTaskBoundary!(at(step));
  applyEdits(edits, { model: s.model, states: [s.learner.optState, s.inst.state] }, s.rng);
  return edits;
}

test('injection leaves the output unchanged, bit for bit, for one- and two-layer heads and a conv net', () => {
  const cases = [
    { spec: mlp3, shape: [2, 4], input: [4], layers: 1 },
    { spec: mlp3, shape: [2, 4], input: [4], layers: 2 },
    { spec: sequential(conv2d(2, 3), activation('relu'), maxPool2d(2), flatten(), linear(4), activation('relu'), linear(3)), shape: [2, 1, 4, 4], input: [1, 4, 4], layers: 2 },
  ];
  for (const c of cases) {
    const s = setupMethod('plasticity-injection', { layers: c.layers }, c.spec, c.input, { optimizer: adam({ lr: 0.01 }) });
    const x = new Tensor(s.backend.alloc(c.shape.reduce((a, b) => a * b, 1)), c.shape);
    x.data.forEach((_, i) => (x.data[i] = Math.sin(i + 1)));
    const y = batch(s.backend, [], [0], labels).y;
    for (let i = 0; i < 3; i++) s.learner.trainStep(x, y);
    const before = [...s.model.forward(x, false).data];
    const edits = inject(s);
    assert.deepEqual(edits, [{ kind: 'injectHead', layers: c.layers, reason: 'plasticity-injection' }]);
    assert.deepEqual([...s.model.forward(x, false).data], before);
    assert.deepEqual([...s.model.forward(x, true).data], before);
  }
});

test('after injection: the old head and the copy stay frozen, the new head and the encoder learn; Adam state is extended fresh', () => {
  const s = setupMethod('plasticity-injection', { layers: 2 }, mlp3, [4], { optimizer: adam({ lr: 0.01 }) });
  const b = batch(s.backend, xs, [2, 4], labels);
  for (let i = 0; i < 3; i++) s.learner.trainStep(b.x, b.y);
  const oldCount = s.model.params.length;
  inject(s);
  const added = s.model.params.slice(oldCount);
  assert.deepEqual(added.map((p) => p.name), ['inject1.fresh.fc1.weight', 'inject1.fresh.fc1.bias', 'inject1.fresh.fc2.weight', 'inject1.fresh.fc2.bias', 'inject1.copy.fc1.weight', 'inject1.copy.fc1.bias', 'inject1.copy.fc2.weight', 'inject1.copy.fc2.bias']);
  added.forEach((p, i) => assert.equal(p.index, oldCount + i));
  for (const sl of collectSlots([s.learner.optState]).params) {
    assert.equal(sl.arrays.length, s.model.params.length);
    for (const p of added) {
      if (p.trainable) assert.ok(sl.arrays[p.index]!.every((v) => v === sl.reset), `${sl.name} of ${p.name}`);
      else assert.equal(sl.arrays[p.index], null);
    }
  }
  const frozen = ['fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias', ...added.filter((p) => !p.trainable).map((p) => p.name)];
  const before = new Map(s.model.params.map((p) => [p.name, p.data.slice()]));
  for (let i = 0; i < 3; i++) s.learner.trainStep(b.x, b.y);
  for (const p of s.model.params) {
    const same = p.data.every((v, i) => v === before.get(p.name)![i]);
    assert.equal(same, frozen.includes(p.name), `${p.name} ${same ? 'did not change' : 'changed'}`);
  }
  assert.deepEqual(s.model.unitGroups.map((g) => g.name), [], 'the groups feeding and inside the injected head are no longer unit groups');
  assert.throws(() => s.model.head, /replaced by plasticity injection/);
});

test('gradients through an injected head match finite differences (encoder, new head)', () => {
  const s = setupMethod('plasticity-injection', { layers: 2 }, mlp3, [4], { optimizer: sgd({ lr: 0.05 }) });
  const b = batch(s.backend, xs, [2, 4], labels);
  inject(s);
  for (let i = 0; i < 4; i++) s.learner.trainStep(b.x, b.y); // h' and h'' now differ
  const out = s.model.forward(b.x, true);
  const dOut = new Tensor(s.backend.alloc(out.data.length), out.shape);
  const value = { sum: 0, correct: 0, count: 0 };
  crossEntropy.compute(s.backend, out, b.y, dOut.data, value);
  s.model.backward(dOut, { target: (p: Param) => (p.trainable ? { buf: p.grad, alpha: 1, beta: 0 } : null) });
  const loss = () => {
    const o = s.model.forward(b.x, true);
    return crossEntropy.compute(s.backend, o, b.y, new Float64Array(o.data.length), value).sum / 2;
  };
  for (const name of ['fc1.weight', 'inject1.fresh.fc1.weight', 'inject1.fresh.fc2.bias']) {
    const p = s.model.param(name);
    for (const i of new Set([0, Math.min(3, p.data.length - 1), p.data.length - 1])) {
      const v = p.data[i]!;
      p.data[i] = v + 1e-6;
      const up = loss();
      p.data[i] = v - 1e-6;
      const down = loss();
      p.data[i] = v;
      const numeric = (up - down) / 2e-6;
      assert.ok(Math.abs(p.grad[i]! - numeric) < 1e-7 + 1e-5 * Math.abs(numeric), `${name}[${i}]: ${p.grad[i]} vs ${numeric}`);
    }
  }
});

test('a one-layer injection with plain SGD trains like the plain head (h + h\' - h\'\' has the same gradients)', () => {
  const plain = setupMethod('bp', {}, mlp3, [4]);
  const inj = setupMethod('plasticity-injection', {}, mlp3, [4]);
  const b = batch(plain.backend, xs, [2, 4], labels);
  for (let i = 0; i < 10; i++) {
    if (i === 3) inject(inj);
    plain.learner.trainStep(b.x, b.y);
    inj.learner.trainStep(b.x, b.y);
  }
  const a = plain.model.forward(b.x, false).data, c = inj.model.forward(b.x, false).data;
  a.forEach((v, i) => assert.ok(Math.abs(v - c[i]!) < 1e-12, `${v} vs ${c[i]}`));
});

test('a second injection freezes the whole previous block; limit and every are honoured; method anchors are extended', () => {
  const s = setupMethod('plasticity-injection', { every: 2, limit: 2 }, mlp3, [4], { optimizer: adam({ lr: 0.01 }) });
  const l2Init = getMethod('l2-init').create(configureMethod(getMethod('l2-init'), {}) as never, { model: s.model, learner: s.learner, backend: s.backend, rng: s.rng });
  const b = batch(s.backend, xs, [2, 4], labels);
  const apply = (step: number) => applyEdits(s.inst.atTaskBoundary!(at(step)), { model: s.model, states: [s.learner.optState, s.inst.state, l2Init.state] }, s.rng);
  const counts: number[] = [];
  let initial: number[] = [];
  for (let e = 1; e <= 8; e++) {
    s.learner.trainStep(b.x, b.y);
    const before = [...s.model.forward(b.x, false).data];
    apply(e * 10);
    assert.deepEqual([...s.model.forward(b.x, false).data], before);
    counts.push(s.model.params.length);
    if (e === 4) initial = [...s.model.param('inject2.fresh.fc1.weight').data];
  }
  // Injections at events 2 and 4 only (every 2, limit 2): 6 params, then +4, then +4.
  assert.deepEqual(counts, [6, 10, 10, 14, 14, 14, 14, 14]);
  const trainable = s.model.params.filter((p) => p.trainable).map((p) => p.name);
  assert.deepEqual(trainable, ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'inject2.fresh.fc1.weight', 'inject2.fresh.fc1.bias']);
  const anchor = (l2Init.state as { anchor: ParamSlots }).anchor;
  assert.equal(anchor.arrays.length, 14);
  const w = s.model.param('inject2.fresh.fc1.weight');
  assert.deepEqual([...anchor.arrays[w.index]!], initial, 'the anchor of a new parameter is its initial value');
  assert.notDeepEqual([...w.data], initial, 'and the new head trained since');
});

test('injecting a head with dropout is refused: the masks of h\' and h\'\' would differ', () => {
  const { model } = setupMethod('bp', {}, sequential(linear(4), activation('relu'), { type: 'dropout', p: 0.5 }, linear(2)), [3]);
  assert.throws(() => applyEdits([{ kind: 'injectHead', layers: 2 }], { model, states: [] }, setupMethod('bp', {}, mlp3, [4]).rng), /dropout/);
  assert.ok(model instanceof Model);
});
