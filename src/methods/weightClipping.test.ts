import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activation, linear, sequential } from '../nn/LayerSpec.js';
import { applyEdits } from '../nn/applyEdits.js';
import { setupMethod, stepInfo } from '../../test/helpers/methodTest.js';
import type { WeightClippingState } from './weightClipping.js';

test('weight-clipping: after an update each weight and bias is clamped to kappa times its init bound, by hand', () => {
  // fc1: kaiming-normal with gain 1 on 3 inputs, std 1/sqrt(3): s = sqrt(3) std = 1; its zero-init bias takes
  // 1/sqrt(fan_in) = 1/sqrt(3). fc2: PyTorch's default uniform init on 4 inputs, s = 1/sqrt(4) = 0.5 (weight and bias).
  const net = sequential(linear(4, { init: 'kaiming-normal' }), activation('tanh'), linear(3));
  const s = setupMethod('weight-clipping', { kappa: 2 }, net, [3]);
  const set = (name: string, values: number[]) => s.model.param(name).data.set(values);
  set('fc1.weight', [2.5, -2.5, 1.9, -1.9, 0.3, 0, 0, 0, 0, 0, 0, -7]);
  set('fc1.bias', [1.2, -1.1, 1.1, 0]);
  set('fc2.weight', [0.7, -1.3, 2, -0.99, 0, 0, 0, 0, 0, 0, 0, 1.0001]);
  set('fc2.bias', [-1.5, 0.5, 1]);
  const edits = s.inst.afterUpdate!(stepInfo(1));
  applyEdits(edits, { model: s.model, states: [s.learner.optState, s.inst.state] }, s.rng);
  const b1 = 2 / Math.sqrt(3);
  const near = (a: ArrayLike<number>, b: number[]) => b.forEach((v, i) => assert.ok(Math.abs(a[i]! - v) < 1e-12, `[${i}] ${a[i]} vs ${v}`));
  near(s.model.param('fc1.weight').data, [2, -2, 1.9, -1.9, 0.3, 0, 0, 0, 0, 0, 0, -2]);
  near(s.model.param('fc1.bias').data, [b1, -1.1, 1.1, 0]);
  near(s.model.param('fc2.weight').data, [0.7, -1, 1, -0.99, 0, 0, 0, 0, 0, 0, 0, 1]);
  near(s.model.param('fc2.bias').data, [-1, 0.5, 1]);
  const st = s.inst.state as WeightClippingState;
  // Outside their bounds: 3 fc1 weights, 1 fc1 bias (1.2 > 2/sqrt(3) = 1.155 > 1.1), 3 fc2 weights, 1 fc2 bias.
  assert.equal(st.clipped, 3 + 1 + 3 + 1);
  assert.deepEqual(s.inst.metrics!(), { 'method/weightClipping/clipped': 8, 'method/weightClipping/updates': 1 });
  assert.equal(s.inst.afterUpdate!(stepInfo(2)).length, 0, 'nothing left to clip: no edit');
});

test("weight-clipping: bound 'fan-in' is the reference code's 1/sqrt(fan_in) whatever the init", () => {
  const net = sequential(linear(4, { init: 'kaiming-uniform', gain: 'relu' }), activation('relu'), linear(2));
  const s = setupMethod('weight-clipping', { bound: 'fan-in' }, net, [9]);
  s.model.param('fc1.weight').data.fill(0.5);
  s.model.param('fc1.bias').data.fill(-0.5);
  applyEdits(s.inst.afterUpdate!(stepInfo(1)), { model: s.model, states: [s.inst.state] }, s.rng);
  assert.ok(s.model.param('fc1.weight').data.every((v) => Math.abs(v - 1 / 3) < 1e-12));
  assert.ok(s.model.param('fc1.bias').data.every((v) => Math.abs(v + 1 / 3) < 1e-12));
});
