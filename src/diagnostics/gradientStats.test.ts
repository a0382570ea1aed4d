import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { Model } from '../nn/Model.js';
import { mlp } from '../nn/models/mlp.js';
import { Learner } from '../learn/Learner.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { sgd } from '../optim/optimizers.js';
import { scale } from '../optim/transforms.js';
import type { DiagnosticContext } from './Diagnostic.js';
import { gradientNorm, ntkRank } from './gradientStats.js';
import { distanceFromInit, weightMagnitude } from './weightStats.js';
import { updateSize } from './updateSize.js';
import { effectiveRankOf, stableRankOf } from './spectrum.js';

const backend = getBackend('ts');

function setup(hidden: number[], n: number, seed = 1) {
  const model = Model.build(mlp({ hidden, outputs: 3 }), { inputShape: [4], backend, rng: Rng.seeded(seed) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.1 }), loss: crossEntropy });
  const x = backend.alloc(n * 4);
  Rng.seeded(seed + 1).fillUniform(x, -1, 1);
  const y = backend.alloc(n);
  for (let i = 0; i < n; i++) y[i] = i % 3;
  const ctx: DiagnosticContext = { model, learner, backend, probe: { x: new Tensor(x, [n, 4]), y }, initial: model.params.map((p) => p.data.slice()), rng: Rng.seeded(5) };
  return { model, learner, ctx };
}

test('gradientNorm equals the norm of the gradient the learner computes on the same batch', () => {
  const { model, ctx } = setup([6, 5], 12);
  const value = gradientNorm.compute(ctx, {});
  assert.deepEqual(model.params.map((p) => backend.sumAbs(p.grad)), model.params.map(() => 0), "the run's param.grad is untouched");
  // Reference: an unfused learner on a copy leaves the mean-loss gradient in param.grad (the identity
  // transform keeps the updates equal to the gradients).
  const copy = Model.build(model.spec, { inputShape: [4], backend, rng: Rng.seeded(1) });
  const ref = new Learner({ model: copy, optimizer: scale(1), loss: crossEntropy, fuse: 'never' });
  ref.trainStep(ctx.probe.x, ctx.probe.y);
  let total = 0;
  for (const p of copy.params) {
    const s = backend.sumSquares(p.grad);
    total += s;
    if (p.name === 'fc2.weight') {
      const layer = backend.sumSquares(copy.param('fc2.bias').grad) + s;
      assert.ok(Math.abs(value['diag/gradientNorm/fc2']! - Math.sqrt(layer)) < 1e-6);
    }
  }
  assert.ok(total > 0);
  assert.ok(Math.abs(value['diag/gradientNorm']! - Math.sqrt(total)) < 1e-6 * Math.sqrt(total));
});

test('ntkRank of a linear model: K_ij = outputs * (x_i . x_j + 1)', () => {
  const { ctx } = setup([], 6);
  const n = 6, x = ctx.probe.x.data;
  const k = new Matrix(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let d = 1;
      for (let c = 0; c < 4; c++) d += x[i * 4 + c]! * x[j * 4 + c]!;
      k.set(i, j, 3 * d);
    }
  const eig = new EigenvalueDecomposition(k, { assumeSymmetric: true }).realEigenvalues.map((l) => (l > 1e-9 ? l : 0));
  const got = ntkRank.compute(ctx, { examples: 6, delta: 0.01 });
  // Rank 5 at most (4 inputs + bias); the measures follow the eigenvalues.
  assert.ok(Math.abs(got['diag/ntkRank']! - effectiveRankOf(eig)) < 1e-4, `${got['diag/ntkRank']} vs ${effectiveRankOf(eig)}`);
  assert.equal(got['diag/ntkStableRank'], stableRankOf(eig, 0.01));
  assert.ok(got['diag/ntkRank']! <= 5);
});

test('ntkRank falls when hidden units die', () => {
  const { model, ctx } = setup([16], 16);
  const alive = ntkRank.compute(ctx, { examples: 16, delta: 0.01 })['diag/ntkRank']!;
  // Kill every hidden unit: only the head bias still moves the outputs, identically for every input.
  model.param('fc1.weight').data.fill(0);
  model.param('fc1.bias').data.fill(-1);
  const dead = ntkRank.compute({ ...ctx }, { examples: 16, delta: 0.01 });
  assert.ok(alive > 5, `alive ${alive}`);
  assert.ok(Math.abs(dead['diag/ntkRank']! - 1) < 1e-6, `dead ${dead['diag/ntkRank']}`);
  assert.equal(dead['diag/ntkStableRank'], 1);
});

test('weightMagnitude and distanceFromInit against hand computation', () => {
  const { model, ctx } = setup([2], 2);
  model.param('fc1.weight').data.set([1, -2, 0, 0, 0, 0, 3, -4]); // mean |w| = 10 / 8
  model.param('fc2.weight').data.set([1, 1, 1, 1, 1, 1]); // 6 / 6
  const wm = weightMagnitude.compute(ctx, {});
  assert.deepEqual(wm, { 'diag/weightMagnitude/fc1': 10 / 8, 'diag/weightMagnitude/fc2': 1, 'diag/weightMagnitude': 16 / 14 });
  const initial = model.params.map((p) => p.data.slice());
  model.param('fc1.bias').data[0]! += 3;
  model.param('fc2.weight').data[5]! -= 4;
  const d = distanceFromInit.compute({ ...ctx, initial }, {});
  assert.ok(Math.abs(d['diag/distanceFromInit']! - 5) < 1e-6);
  assert.ok(Math.abs(d['diag/distanceFromInit/fc1']! - 3) < 1e-6);
  assert.ok(Math.abs(d['diag/distanceFromInit/fc2']! - 4) < 1e-6);
});

test('updateSize reports the largest summed |delta w| of one step in each window', () => {
  const { model, learner, ctx } = setup([5], 8);
  const tracker = updateSize.create({}, { model, learner, backend });
  const weights = model.params.filter((p) => p.role === 'weight');
  const x1 = new Tensor(ctx.probe.x.data.subarray(0, 4), [1, 4]);
  let windowMax = 0;
  const expected: number[] = [];
  for (let s = 0; s < 9; s++) {
    const before = weights.map((p) => p.data.slice());
    x1.data.set(ctx.probe.x.data.subarray((s % 8) * 4, (s % 8) * 4 + 4));
    learner.trainStep(x1, ctx.probe.y.subarray(s % 8, (s % 8) + 1));
    let total = 0;
    weights.forEach((p, i) => p.data.forEach((v, j) => (total += Math.abs(v - before[i]![j]!))));
    windowMax = Math.max(windowMax, total);
    tracker.afterStep(learner);
    if (s % 3 === 2) {
      expected.push(windowMax);
      windowMax = 0;
      const r = tracker.report()['diag/updateSize']!;
      assert.ok(Math.abs(r - expected[expected.length - 1]!) < 1e-6 * r, `${r} vs ${expected[expected.length - 1]}`);
    }
  }
  assert.ok(expected.every((v) => v > 0));
  assert.deepEqual(tracker.report(), {}, 'an empty window reports nothing');
});
