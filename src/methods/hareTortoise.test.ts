import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activation, linear, sequential } from '../nn/LayerSpec.js';
import { applyEdits } from '../nn/applyEdits.js';
import { setupMethod, stepInfo } from '../../test/helpers/methodTest.js';
import type { HareTortoiseState } from './hareTortoise.js';

const net = sequential(linear(4), activation('tanh'), linear(3));

test('hare-tortoise: the tortoise is the EMA of the hare, and a reset sets the hare to it, by hand', () => {
  const s = setupMethod('hare-tortoise', { decay: 0.75, reset: 'steps', every: 2 }, net, [3]);
  const st = s.inst.state as HareTortoiseState;
  const w = s.model.param('fc1.weight');
  const theta0 = Array.from(w.data);
  // Two "updates": the hare moves to theta1, then theta2 (set by hand in place of an optimizer step).
  const theta1 = theta0.map((v, j) => v + 0.4 * Math.sin(j + 1));
  const theta2 = theta0.map((v, j) => v - 0.2 * Math.cos(j));
  w.data.set(theta1);
  assert.equal(s.inst.afterUpdate!(stepInfo(1)).length, 0, 'no reset at step 1');
  w.data.set(theta2);
  const edits = s.inst.afterUpdate!(stepInfo(2));
  // tortoise = 0.75 (0.75 theta0 + 0.25 theta1) + 0.25 theta2
  const expected = theta0.map((v, j) => 0.75 * (0.75 * v + 0.25 * theta1[j]!) + 0.25 * theta2[j]!);
  const t = st.tortoise.arrays[w.index]!;
  expected.forEach((v, j) => assert.ok(Math.abs(t[j]! - v) < 1e-12, `tortoise[${j}] ${t[j]} vs ${v}`));
  assert.ok(edits.length > 0, 'the hare is reset at step 2');
  applyEdits(edits, { model: s.model, states: [s.learner.optState, st] }, s.rng);
  expected.forEach((v, j) => assert.ok(Math.abs(w.data[j]! - v) < 1e-12, `hare[${j}] ${w.data[j]} vs ${v}`));
  assert.deepEqual(s.inst.metrics!(), { 'method/hareTortoise/resets': 1 });
});

test('hare-tortoise: by default the hare is reset at task boundaries (once when a boundary and data growth coincide)', () => {
  const s = setupMethod('hare-tortoise', {}, net, [3]);
  const boundary = { task: null as never };
  assert.equal(s.inst.atTaskBoundary!({ step: 0, ...boundary }).length, 0, 'nothing learned yet at step 0');
  assert.equal(s.inst.afterUpdate!(stepInfo(7)).length, 0, 'no reset on steps');
  assert.equal(s.inst.atTaskBoundary!({ step: 7, ...boundary }).length, 1);
  assert.equal(s.inst.atDataGrowth!({ step: 7, task: null as never, seen: null as never }).length, 0);
  assert.deepEqual(s.inst.metrics!(), { 'method/hareTortoise/resets': 1 });
});
