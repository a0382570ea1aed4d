import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activation, linear, sequential } from '../nn/LayerSpec.js';
import { applyEdits } from '../nn/applyEdits.js';
import { collectSlots } from '../nn/Slots.js';
import { adam } from '../optim/optimizers.js';
import { batch, setupMethod } from '../../test/helpers/methodTest.js';
import { assertFreshDraw } from '../../test/helpers/drawCheck.js';

const net = sequential(linear(5), activation('relu'), linear(3));
const at = (step: number) => ({ step, task: null as never });

function trained(name: string, config: Record<string, unknown>, spec = net, inputShape = [4], x = [0.1, -0.2, 0.3, 0.5, 0.2, 0.1, -0.7, 0.9], shape = [2, 4]) {
  const s = setupMethod(name, config, spec, inputShape, { optimizer: adam({ lr: 0.01 }) });
  const b = batch(s.backend, x, shape, [0, 2]);
  for (let i = 0; i < 3; i++) s.learner.trainStep(b.x, b.y);
  return s;
}

test('head-reset redraws the output layer from its init and resets its optimizer slots; nothing else changes', () => {
  const s = trained('head-reset', {});
  const before = new Map(s.model.params.map((p) => [p.name, p.data.slice()]));
  const slots = collectSlots([s.learner.optState]).params;
  const slotsBefore = slots.map((sl) => sl.arrays.map((a) => a!.slice()));
  applyEdits(s.inst.atTaskBoundary!(at(3)), { model: s.model, states: [s.learner.optState, s.inst.state] }, s.rng);
  const head = new Set(s.model.head.params.map((p) => p.name));
  for (const p of s.model.params) {
    if (!head.has(p.name)) assert.deepEqual([...p.data], [...before.get(p.name)!]);
    else assert.ok(p.data.every((v, i) => v !== before.get(p.name)![i] && Math.abs(v) <= 1 / Math.sqrt(5)), `${p.name} redrawn from U(-1/sqrt(5), 1/sqrt(5))`);
  }
  slots.forEach((sl, k) => {
    for (const p of s.model.params) {
      const a = [...sl.arrays[p.index]!];
      if (head.has(p.name)) assert.ok(a.every((v) => v === sl.reset), `${sl.name} of ${p.name} reset`);
      else assert.deepEqual(a, [...slotsBefore[k]![p.index]!]);
    }
  });
});

test('the reset head is a fresh draw from its init distribution: mean 0, sd bound / sqrt(3), uncorrelated with the trained head', () => {
  // A head of 200 x 50 (10000 weights, kaiming-uniform bound 1/sqrt(50)) and 200 biases: statistics by hand, 4 standard errors.
  const s = trained('head-reset', {}, sequential(linear(50), activation('relu'), linear(200)), [4]);
  const before = new Map(s.model.head.params.map((p) => [p.name, p.data.slice()]));
  applyEdits(s.inst.atTaskBoundary!(at(3)), { model: s.model, states: [s.learner.optState, s.inst.state] }, s.rng);
  for (const p of s.model.head.params) assertFreshDraw(p, before.get(p.name)!);
});

test('regression: two head resets draw two different heads; every: 2 resets at every second event only', () => {
  const s = setupMethod('head-reset', { every: 2 }, net, [4]);
  const w = s.model.head.weight;
  const heads: number[][] = [];
  for (const step of [10, 20, 30, 40, 50]) {
    const edits = s.inst.atTaskBoundary!(at(step));
    assert.equal(edits.length, step % 20 === 0 ? 1 : 0, `step ${step}`);
    if (edits.length) {
      applyEdits(edits, { model: s.model, states: [s.inst.state] }, s.rng);
      heads.push([...w.data]);
    }
  }
  assert.equal(heads.length, 2);
  // Independent draws, not the same one twice: uncorrelated (15 values: |r| < 0.9 fails for a repeat, r = 1).
  const [a, b] = heads as [number[], number[]];
  const r = a.reduce((t, v, i) => t + v * b[i]!, 0) / Math.sqrt(a.reduce((t, v) => t + v * v, 0) * b.reduce((t, v) => t + v * v, 0));
  assert.ok(Math.abs(r) < 0.9, `correlation ${r}`);
});
