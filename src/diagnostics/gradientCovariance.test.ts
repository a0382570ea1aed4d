import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { Model } from '../nn/Model.js';
import { linear, sequential } from '../nn/LayerSpec.js';
import { Learner } from '../learn/Learner.js';
import { meanSquaredError } from '../losses/meanSquaredError.js';
import { sgd } from '../optim/optimizers.js';
import { gradientCovariance, gradientCovarianceSchema } from './gradientCovariance.js';

const backend = getBackend('ts64');

test('gradientCovariance of a linear model by hand: cosines of 2 r_i [x_i, 1]', () => {
  const model = Model.build(sequential(linear(1)), { inputShape: [2], backend, rng: Rng.seeded(1) });
  for (const p of model.params) p.data.fill(0); // residuals r_i = -y_i
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.1 }), loss: meanSquaredError });
  const x = backend.alloc(6);
  x.set([1, 0, 0, 1, 1, 1]);
  const y = backend.alloc(3);
  y.set([1, 1, -1]);
  const r = gradientCovariance.compute(
    { model, learner, backend, probe: { x: new Tensor(x, [3, 2]), y }, initial: [], rng: Rng.seeded(1) },
    gradientCovarianceSchema.parse({}),
  );
  // [x, 1]: [1,0,1], [0,1,1], [1,1,1]; cos12 = 1/2, cos13 = cos23 = 2/sqrt(6), the last two with opposite residual signs.
  const c = 2 / Math.sqrt(6);
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  near(r['diag/gradientCovariance/meanCosine']!, (0.5 - 2 * c) / 3);
  near(r['diag/gradientCovariance/meanAbsCosine']!, (0.5 + 2 * c) / 3);
  near(r['diag/gradientCovariance/negativeFraction']!, 2 / 3);
});
