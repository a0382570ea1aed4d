import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { getBackend } from '../backend/selectBackend.js';
import { ValueHead, valueHeadSchema } from '../losses/valueHead.js';
import { DqnLoss } from './dqnLoss.js';

const head = (o: Record<string, unknown>) => new ValueHead(valueHeadSchema.parse(o));
const ref = getBackend('ts64');

/** Central finite differences of the mean loss against the analytic dOut. */
function checkGradient(compute: (out: Float64Array, dOut: Float64Array) => number, out: Float64Array, tol = 1e-6) {
  const dOut = new Float64Array(out.length);
  compute(out, dOut);
  const scratch = new Float64Array(out.length);
  const eps = 1e-6;
  for (let i = 0; i < out.length; i++) {
    const x = out[i]!;
    out[i] = x + eps;
    const up = compute(out, scratch);
    out[i] = x - eps;
    const down = compute(out, scratch);
    out[i] = x;
    const fd = (up - down) / (2 * eps);
    assert.ok(Math.abs(fd - dOut[i]!) < tol, `d/d out[${i}]: finite differences ${fd}, analytic ${dOut[i]}`);
  }
}

test('gradients of the DQN TD loss (MSE, Huber, two-hot) match finite differences; only the taken action gets one', () => {
  const rng = Rng.seeded(4);
  const A = 3, n = 4;
  const cases: [DqnLoss, number][] = [
    [new DqnLoss(A, head({}), 'mse'), 1],
    [new DqnLoss(A, head({}), 'huber'), 1],
    [new DqnLoss(A, head({ kind: 'two-hot', bins: 5, min: -3, max: 3 }), 'mse'), 5],
    [new DqnLoss(A, head({ kind: 'hl-gauss', bins: 5, min: -3, max: 3 }), 'mse'), 5],
  ];
  for (const [loss, W] of cases) {
    const out = new Float64Array(n * A * W);
    rng.fillNormal(out, 0, 1.5);
    // [action, target] rows; targets far (Huber's linear part) and near.
    const target = Float64Array.from([0, 2.5, 2, -0.3, 1, 0.1, 2, -4]);
    const into = { sum: 0, correct: 0, count: 0 };
    const f = (o: Float64Array, d: Float64Array) => loss.compute(ref, new Tensor(o, [n, A * W]), target, d, into).sum / n;
    checkGradient(f, out);
    const d = new Float64Array(out.length);
    f(out, d);
    for (let i = 0; i < n; i++) for (let a = 0; a < A; a++) if (a !== target[i * 2]) for (let k = 0; k < W; k++) assert.equal(d[(i * A + a) * W + k], 0);
  }
  // MSE by hand: torch's F.mse_loss(y, q) = mean (q - y)^2.
  const mse = new DqnLoss(1, head({}), 'mse');
  const into = { sum: 0, correct: 0, count: 0 };
  mse.compute(ref, new Tensor(Float64Array.from([1, 4]), [2, 1]), Float64Array.from([0, 0, 0, 2]), new Float64Array(2), into);
  assert.equal(mse.stats.tdLoss, (1 + 4) / 2);
});
