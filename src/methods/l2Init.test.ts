import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activation, linear, sequential } from '../nn/LayerSpec.js';
import { applyEdits } from '../nn/applyEdits.js';
import { batch, setupMethod } from '../../test/helpers/methodTest.js';
import type { L2InitState } from './l2Init.js';

const net = sequential(linear(4), activation('tanh'), linear(3));
const xs = [0.2, -0.5, 0.9, 0.1, 0.4, 0.3];

test('l2-init: loss += lambda |theta - theta_0|^2, so a step adds -lr * 2 lambda (theta - theta_0)', () => {
  for (const fuse of ['auto', 'never'] as const) {
    const bp = setupMethod('bp', {}, net, [3]);
    const reg = setupMethod('l2-init', { coef: 0.03 }, net, [3]);
    for (const s of [bp, reg]) (s.learner as unknown as { fuseMode: string }).fuseMode = fuse;
    const theta0 = reg.model.params.map((p) => p.data.slice());
    // Move away from theta_0 first: the regularizer is zero there.
    for (const s of [bp, reg]) for (const p of s.model.params) p.data.forEach((v, j) => (p.data[j] = v + 0.1 * Math.sin(j + 1)));
    const theta1 = reg.model.params.map((p) => p.data.slice());
    for (const s of [bp, reg]) {
      const b = batch(s.backend, xs, [2, 3], [1, 2]);
      s.learner.trainStep(b.x, b.y);
    }
    reg.model.params.forEach((p, i) => {
      p.data.forEach((v, j) => {
        const expected = bp.model.params[i]!.data[j]! - 0.1 * 2 * 0.03 * (theta1[i]![j]! - theta0[i]![j]!);
        assert.ok(Math.abs(v - expected) < 1e-14, `${fuse} ${p.name}[${j}]: ${v} vs ${expected}`);
      });
    });
  }
});

test('l2-init: the anchor of a reinitialized unit is its new initial weights', () => {
  const s = setupMethod('l2-init', {}, net, [3]);
  const anchor = (s.inst.state as L2InitState).anchor;
  applyEdits([{ kind: 'reinitUnits', group: 'h1', units: [2] }], { model: s.model, states: [s.learner.optState, s.inst.state] }, s.rng);
  const w = s.model.param('fc1.weight');
  const a = anchor.arrays[w.index]!;
  assert.deepEqual([...a.subarray(6, 9)], [...w.data.subarray(6, 9)]);
  const w2 = s.model.param('fc2.weight');
  for (let r = 0; r < 3; r++) assert.equal(anchor.arrays[w2.index]![r * 4 + 2], 0, 'the zeroed outgoing weights are the new anchor too');
});
