import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { getBackend } from '../backend/selectBackend.js';
import { CategoricalValueLoss } from './categoricalValueLoss.js';
import { ValueHead, valueHeadSchema } from './valueHead.js';

const head = (o: Record<string, unknown>) => new ValueHead(valueHeadSchema.parse(o));
/** Logits whose softmax is p (log p; -Infinity where p is 0). */
const logitsOf = (p: ArrayLike<number>) => Array.from(p, (x) => Math.log(x));

test('two-hot: hand-computed encodings; decoding the encoding gives the value back exactly', () => {
  const h = head({ kind: 'two-hot', bins: 5, min: -1, max: 1 });
  assert.deepEqual(Array.from(h.support), [-1, -0.5, 0, 0.5, 1]);
  const p = new Float64Array(5);
  h.encode(0.3, p);
  // 0.3 lies 60% of the way from atom 0 to atom 0.5.
  assert.ok(Math.abs(p[2]! - 0.4) < 1e-12 && Math.abs(p[3]! - 0.6) < 1e-12 && p[0] === 0 && p[1] === 0 && p[4] === 0);
  h.encode(-0.5, p);
  assert.deepEqual(Array.from(p), [0, 1, 0, 0, 0]);
  h.encode(1, p);
  assert.deepEqual(Array.from(p), [0, 0, 0, 0, 1]);
  h.encode(7, p);
  assert.deepEqual(Array.from(p), [0, 0, 0, 0, 1], 'clipped to the support');
  for (const y of [-1, -0.73, -0.5, 0, 0.3, 0.999, 1]) {
    h.encode(y, p);
    assert.ok(Math.abs(h.decode(logitsOf(p)) - y) < 1e-12, `two-hot round trip of ${y}`);
  }
  assert.equal(h.decode(logitsOf(p.fill(0).fill(1, 0, 1))), -1);
});

test('HL-Gauss: probabilities of the Gaussian over each bin, summing to 1, symmetric at an atom; round trip within the bin width', () => {
  const h = head({ kind: 'hl-gauss', bins: 11, min: 0, max: 10, sigmaRatio: 0.75 });
  const p = new Float64Array(11);
  h.encode(5, p);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  for (let k = 1; k <= 5; k++) assert.ok(Math.abs(p[5 - k]! - p[5 + k]!) < 1e-7, 'symmetric around the atom at 5');
  // Mass of N(5, 0.75) in [4.5, 5.5] = erf(0.5 / (0.75 sqrt 2)) = 0.4950 (normalized by ~1 over [-0.5, 10.5]).
  assert.ok(Math.abs(p[5]! - 0.49501) < 1e-4, `centre bin ${p[5]}`);
  for (const y of [0, 0.4, 2.5, 5, 7.77, 9.6, 10]) {
    h.encode(y, p);
    const back = h.decode(logitsOf(p));
    assert.ok(Math.abs(back - y) < h.spacing, `HL-Gauss round trip of ${y}: ${back}`);
    if (y >= 2 && y <= 8) assert.ok(Math.abs(back - y) < 1e-3, `away from the edges the mean is the value (${y}: ${back})`);
  }
  assert.throws(() => valueHeadSchema.parse({ min: 1, max: 1 }), /max must be greater than min/);
});

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

const ref = getBackend('ts64');

test('gradients of the categorical value loss (two-hot, HL-Gauss) match finite differences', () => {
  const rng = Rng.seeded(3);
  for (const kind of ['two-hot', 'hl-gauss']) {
    const loss = new CategoricalValueLoss(head({ kind, bins: 7, min: -2, max: 2 }));
    const n = 3, out = new Float64Array(n * 7);
    rng.fillNormal(out, 0, 1);
    const target = Float64Array.from([0.37, -1.9, 5]);
    const into = { sum: 0, correct: 0, count: 0 };
    checkGradient((o, d) => loss.compute(ref, new Tensor(o, [n, 7]), target, d, into).sum / n, out);
  }
});
