import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Learner } from '../learn/Learner.js';
import { meanSquaredError } from '../losses/meanSquaredError.js';
import { Model } from '../nn/Model.js';
import { mlp } from '../nn/models/mlp.js';
import { sgd } from '../optim/optimizers.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { jointClipFactor, SplitStep } from './jointStep.js';

const backend = getBackend('ts');

test('jointClipFactor: one L2 norm over all sets, max / (norm + 1e-6) above max (torch clip_grad_norm_)', () => {
  const a = jointClipFactor([9, 16], 0.5);
  assert.equal(a.norm, 5);
  assert.equal(a.factor, 0.5 / (5 + 1e-6));
  // Each set alone is within 4.5, together they are not: per-set clipping would leave both untouched.
  const b = jointClipFactor([16, 16], 5);
  assert.ok(Math.abs(b.norm - Math.sqrt(32)) < 1e-15 && b.factor < 0.9);
  assert.deepEqual(jointClipFactor([0.01, 0.02], 0.5), { norm: Math.sqrt(0.03), factor: 1 });
});

test('SplitStep: gradients then apply is one Learner.trainStep (same weights, step count; parameters still between the halves)', () => {
  const make = () => {
    const model = Model.build(mlp({ hidden: [5], outputs: 2, activation: 'tanh' }), { inputShape: [3], backend, rng: Rng.seeded(3) });
    return new Learner({ model, optimizer: sgd({ lr: 0.1, momentum: 0.9 }), loss: meanSquaredError, fuse: 'never' });
  };
  const a = make(),
    b = make();
  const r = Rng.seeded(4);
  const x = new Tensor(backend.alloc(12), [4, 3]);
  const y = backend.alloc(8);
  const split = new SplitStep(b);
  for (let it = 0; it < 3; it++) {
    for (let i = 0; i < x.data.length; i++) x.data[i] = r.normal();
    for (let i = 0; i < y.length; i++) y[i] = r.normal();
    const la = a.trainStep(x, y).sum;
    const before = b.model.params.map((p) => Array.from(p.data));
    const lb = split.gradients(x, y).sum;
    assert.deepEqual(
      b.model.params.map((p) => Array.from(p.data)),
      before,
      'gradients() does not move the parameters',
    );
    assert.ok(split.gradSumSquares() > 0);
    split.apply();
    assert.equal(lb, la);
    assert.deepEqual(
      b.model.params.map((p) => Array.from(p.data)),
      a.model.params.map((p) => Array.from(p.data)),
    );
  }
  assert.equal(b.step, 3);
});
