import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activation, linear, sequential } from '../nn/LayerSpec.js';
import { Learner } from '../learn/Learner.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { Model } from '../nn/Model.js';
import { scale } from '../optim/transforms.js';
import { sgd } from '../optim/optimizers.js';
import { Rng } from '../tensor/Rng.js';
import { batch, setupMethod } from '../../test/helpers/methodTest.js';
import type { UtilityPerturbationState } from '../optim/utilityPerturbation.js';

const xs = [0.2, -0.5, 0.9, 0.1, 0.4, 0.3, -0.8, 0.6, -0.1];

/** The gradient of the mean loss on the batch at the model's initial parameters (seed 4, as setupMethod builds). */
function gradients(net: ReturnType<typeof sequential>, backend: Setup['backend']) {
  const model = Model.build(net, { inputShape: [3], backend, rng: Rng.seeded(4) });
  const before = model.params.map((p) => Array.from(p.data));
  const learner = new Learner({ model, optimizer: scale(1), loss: crossEntropy, fuse: 'never' });
  const b = batch(backend, xs, [3, 3], [0, 2, 1]);
  learner.trainStep(b.x, b.y);
  return { before, g: model.params.map((p, i) => Array.from(p.data, (v, j) => v - before[i]![j]!)) };
}
type Setup = ReturnType<typeof setupMethod>;

test('upgd: one step by hand: w <- w - lr g (1 - sigmoid((U / (1 - beta)) / max U)), U = (1 - beta)(-g w)', () => {
  const net = sequential(linear(4), activation('tanh'), linear(3));
  const s = setupMethod('upgd', { sigma: 0, betaUtility: 0.5 }, net, [3], { optimizer: sgd({ lr: 0.1 }) });
  const { before, g } = gradients(net, s.backend);
  s.model.params.forEach((p, i) => assert.deepEqual(Array.from(p.data), before[i], 'same initial parameters'));
  const b = batch(s.backend, xs, [3, 3], [0, 2, 1]);
  s.learner.trainStep(b.x, b.y);
  const U = g.map((gi, i) => gi.map((v, j) => 0.5 * -v * before[i]![j]!));
  const max = Math.max(...U.flat());
  s.model.params.forEach((p, i) => {
    p.data.forEach((v, j) => {
      const gate = 1 - 1 / (1 + Math.exp(-(U[i]![j]! / 0.5 / max)));
      const expected = before[i]![j]! - 0.1 * g[i]![j]! * gate;
      assert.ok(Math.abs(v - expected) < 1e-13, `${p.name}[${j}]: ${v} vs ${expected}`);
    });
  });
  const st = (s.learner.optState as { parts: [UtilityPerturbationState] }).parts[0];
  assert.equal(st.steps, 1);
  assert.ok(Math.abs(st.utility.arrays[0]![0]! - U[0]![0]!) < 1e-15);
});

test('upgd non-protecting: the gradient passes whole, the noise is N(0, sigma^2) gated by 1 - s, the same each run', () => {
  const net = sequential(linear(32), activation('relu'), linear(3));
  const sigma = 0.05;
  const run = () => {
    const s = setupMethod('upgd', { variant: 'non-protecting', sigma, betaUtility: 0 }, net, [3], { optimizer: sgd({ lr: 0.1 }) });
    const b = batch(s.backend, xs, [3, 3], [0, 2, 1]);
    s.learner.trainStep(b.x, b.y);
    return s;
  };
  const a = run();
  const { before, g } = gradients(net, a.backend);
  // beta 0: U = -g w, no bias correction.
  const U = g.map((gi, i) => gi.map((v, j) => -v * before[i]![j]!));
  const max = Math.max(...U.flat());
  const xi: number[] = [];
  a.model.params.forEach((p, i) => {
    p.data.forEach((v, j) => {
      const gate = 1 - 1 / (1 + Math.exp(-(U[i]![j]! / max)));
      xi.push((before[i]![j]! - 0.1 * g[i]![j]! - v) / (0.1 * gate));
    });
  });
  const mean = xi.reduce((t, v) => t + v, 0) / xi.length;
  const std = Math.sqrt(xi.reduce((t, v) => t + (v - mean) ** 2, 0) / (xi.length - 1));
  assert.ok(Math.abs(mean) < 4 * sigma / Math.sqrt(xi.length), `noise mean ${mean}`);
  assert.ok(Math.abs(std - sigma) < 0.1 * sigma, `noise std ${std} vs ${sigma} over ${xi.length} weights`);
  const b2 = run();
  assert.deepEqual(b2.model.params.map((p) => Array.from(p.data)), a.model.params.map((p) => Array.from(p.data)), 'deterministic');
});

test('upgd: the optimizer is wrapped only before the first update', () => {
  const net = sequential(linear(4), activation('tanh'), linear(3));
  const s = setupMethod('bp', {}, net, [3]);
  const b = batch(s.backend, xs, [3, 3], [0, 2, 1]);
  s.learner.trainStep(b.x, b.y);
  assert.throws(() => s.learner.wrapOptimizer((t) => t), /only before the first update \(now at update 1\)/);
});
