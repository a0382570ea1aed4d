import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from './Tensor.js';
import { Reshaped } from './Reshaped.js';

test('Reshaped hands out the same view while the data and shape stay, a new one when either changes', () => {
  const r = new Reshaped();
  const a = new Tensor(new Float32Array(24), [2, 3, 4]);
  const v = r.of(a, 6, 4);
  assert.deepEqual(v.shape, [6, 4]);
  assert.equal(v.data, a.data);
  assert.equal(r.of(new Tensor(a.data, [2, 3, 4]), 6, 4), v);
  const w = r.of(a, 2, 3, 4);
  assert.notEqual(w, v);
  assert.deepEqual(w.shape, [2, 3, 4]);
  assert.deepEqual(r.of(a, 4, 6).shape, [4, 6]);
  const b = new Tensor(new Float32Array(24), [24]);
  assert.equal(r.of(b, 4, 6).data, b.data);
  assert.throws(() => r.of(b, 5, 5), /holds 25 values but the data has 24/);
});
