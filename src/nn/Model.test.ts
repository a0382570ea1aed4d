import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { Model } from './Model.js';
import { mlp } from './models/mlp.js';
import { conv2d, linear, sequential, dropout } from './LayerSpec.js';

const backend = getBackend('ts');

test('a wrong input shape names the layer, the shape and what was expected', () => {
  const m = Model.build(mlp({ hidden: [4], outputs: 2 }), { inputShape: [3], backend, rng: Rng.seeded(1) });
  const x = new Tensor(backend.alloc(2 * 5), [2, 5]);
  assert.throws(() => m.forward(x, true), /fc1 \(linear\): input shape \[2, 5\] does not match; expected \[N, 3\]/);
  const empty = new Tensor(backend.alloc(0), [0, 3]);
  assert.throws(() => m.forward(empty, true), /fc1 \(linear\): the batch is empty/);
});

test('NaN inputs are rejected when checks are on', () => {
  const m = Model.build(mlp({ hidden: [4], outputs: 2 }), { inputShape: [3], backend, rng: Rng.seeded(1), checkFinite: true });
  const x = new Tensor(backend.alloc(3), [1, 3]);
  x.data[1] = NaN;
  assert.throws(() => m.forward(x, true), /input \[1, 3\] contains NaN/);
});

test('bad layer options are rejected with the allowed values', () => {
  assert.throws(() => Model.build(sequential(linear(0)), { inputShape: [3], backend, rng: Rng.seeded(1) }), /fc1.out: 0 is not allowed; a positive integer is required/);
  assert.throws(() => Model.build(sequential(conv2d(2, 5)), { inputShape: [1, 3, 3], backend, rng: Rng.seeded(1) }), /conv1 \(conv2d\): a 5x5 kernel does not fit the 3x3 input/);
  assert.throws(() => Model.build(sequential(linear(2)), { inputShape: [1, 3, 3], backend, rng: Rng.seeded(1) }), /add a flatten layer/);
  assert.throws(() => Model.build(sequential(linear(4), dropout(1), linear(2)), { inputShape: [3], backend, rng: Rng.seeded(1) }), /p = 1 is not allowed/);
  assert.throws(() => Model.build(mlp({ hidden: [4], outputs: 2 }), { inputShape: [3], backend, rng: Rng.seeded(1) }).param('nope'), /no parameter named 'nope'; parameters: fc1.weight, fc1.bias/);
});

test('Kaiming-uniform init draws within the bound and the same seed gives the same weights', () => {
  const a = Model.build(mlp({ hidden: [50], outputs: 2 }), { inputShape: [30], backend, rng: Rng.seeded(7) });
  const b = Model.build(mlp({ hidden: [50], outputs: 2 }), { inputShape: [30], backend, rng: Rng.seeded(7) });
  const w = a.param('fc1.weight');
  const bound = Math.SQRT2 * Math.sqrt(3 / 30);
  assert.ok(w.data.every((v) => Math.abs(v) <= bound));
  assert.ok(Math.max(...w.data) > 0.9 * bound);
  assert.ok(a.param('fc1.bias').data.every((v) => v === 0));
  assert.deepEqual(w.data, b.param('fc1.weight').data);
});

test('state round-trips through getState/setState', () => {
  const spec = sequential(linear(4), dropout(0.5), linear(2));
  const a = Model.build(spec, { inputShape: [3], backend, rng: Rng.seeded(1) });
  const b = Model.build(spec, { inputShape: [3], backend, rng: Rng.seeded(2) });
  b.setState(structuredClone(a.getState()));
  const x = new Tensor(backend.alloc(6), [2, 3]);
  x.data.set([1, 2, 3, -1, 0.5, 2]);
  assert.deepEqual([...a.forward(x, true).data], [...b.forward(x, true).data]);
});
