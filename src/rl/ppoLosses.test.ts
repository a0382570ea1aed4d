import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../tensor/Rng.js';
import { CategoricalPolicyLoss, GaussianPolicyLoss, ValueLoss } from './ppoLosses.js';
import type { Loss } from '../losses/Loss.js';

const meanLoss = (loss: Loss, out: Float64Array, shape: number[], target: Float64Array): number => {
  const v = { sum: 0, correct: 0, count: 0 };
  loss.compute(null as never, { data: out, shape } as never, target, new Float64Array(out.length), v);
  return v.sum / v.count;
};

/** Central differences of the mean loss against dOut, entry by entry. */
function checkGrad(loss: Loss, out: Float64Array, shape: number[], target: Float64Array, h = 1e-6): void {
  const dOut = new Float64Array(out.length);
  loss.compute(null as never, { data: out, shape } as never, target, dOut, { sum: 0, correct: 0, count: 0 });
  for (let i = 0; i < out.length; i++) {
    const o = out[i]!;
    out[i] = o + h;
    const up = meanLoss(loss, out, shape, target);
    out[i] = o - h;
    const down = meanLoss(loss, out, shape, target);
    out[i] = o;
    const num = (up - down) / (2 * h);
    assert.ok(Math.abs(num - dOut[i]!) <= 1e-6 + 1e-5 * Math.abs(num), `d loss / d out[${i}]: analytic ${dOut[i]}, numeric ${num}`);
  }
}

test('categorical PPO loss: value and gradient against finite differences, clipped and unclipped rows', () => {
  const rng = Rng.seeded(3);
  const n = 12, A = 3;
  const loss = new CategoricalPolicyLoss(A, { clip: 0.2, entCoef: 0.01, normAdv: true });
  const out = new Float64Array(n * A).map(() => rng.normal());
  const target = new Float64Array(n * 3);
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    const a = rng.int(A);
    let max = -Infinity;
    for (let j = 0; j < A; j++) max = Math.max(max, out[i * A + j]!);
    let s = 0;
    for (let j = 0; j < A; j++) s += Math.exp(out[i * A + j]! - max);
    const logp = out[i * A + a]! - max - Math.log(s);
    // Ratios spread over [0.5, 1.5], away from the clip edges (finite differences across a kink would not agree).
    let r = 0.5 + rng.float();
    if (Math.abs(r - 0.8) < 0.02 || Math.abs(r - 1.2) < 0.02) r += 0.05;
    if (Math.abs(r - 1) > 0.2) clipped++;
    target.set([a, logp - Math.log(r), rng.normal()], i * 3);
  }
  checkGrad(loss, out, [n, A], target);
  assert.ok(clipped > 0 && clipped < n, 'both regimes are exercised');
  meanLoss(loss, out, [n, A], target);
  assert.ok(Math.abs(loss.stats.clipFraction - clipped / n) < 1e-12);
  // With the old log-probs equal to the new ones the ratio is 1: no KL, no clipping, loss = -mean(normalized adv) - c H = -c H.
  const same = new Float64Array(target);
  for (let i = 0; i < n; i++) {
    const a = same[i * 3]!;
    let max = -Infinity;
    for (let j = 0; j < A; j++) max = Math.max(max, out[i * A + j]!);
    let s = 0;
    for (let j = 0; j < A; j++) s += Math.exp(out[i * A + j]! - max);
    same[i * 3 + 1] = out[i * A + a]! - max - Math.log(s);
  }
  const l = meanLoss(loss, out, [n, A], same);
  assert.ok(Math.abs(loss.stats.approxKl) < 1e-12 && loss.stats.clipFraction === 0);
  assert.ok(Math.abs(l - (-0.01 * loss.stats.entropy)) < 1e-9, `loss ${l} = -entCoef * entropy when the advantages are normalized and r = 1`);
});

test('Gaussian PPO loss: gradients for the means and the log-std against finite differences', () => {
  const rng = Rng.seeded(4);
  const n = 10, A = 2, W = A + 2;
  const loss = new GaussianPolicyLoss(A, { clip: 0.2, entCoef: 0.05, normAdv: true }, -0.3);
  loss.logStd[1] = 0.2;
  const out = new Float64Array(n * A).map(() => rng.normal());
  const target = new Float64Array(n * W);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < A; j++) target[i * W + j] = out[i * A + j]! + 0.7 * rng.normal();
    target[i * W + A] = -2 + 0.5 * rng.normal();
    target[i * W + A + 1] = rng.normal();
  }
  checkGrad(loss, out, [n, A], target);
  const dOut = new Float64Array(n * A);
  loss.compute(null as never, { data: out, shape: [n, A] } as never, target, dOut, { sum: 0, correct: 0, count: 0 });
  const g = Float64Array.from(loss.logStdGrad);
  for (let j = 0; j < A; j++) {
    const h = 1e-6, o = loss.logStd[j]!;
    loss.logStd[j] = o + h;
    const up = meanLoss(loss, out, [n, A], target);
    loss.logStd[j] = o - h;
    const down = meanLoss(loss, out, [n, A], target);
    loss.logStd[j] = o;
    const num = (up - down) / (2 * h);
    assert.ok(Math.abs(num - g[j]!) <= 1e-6 + 1e-5 * Math.abs(num), `d loss / d logStd[${j}]: analytic ${g[j]}, numeric ${num}`);
  }
});

test('clipped value loss: value and gradient (both branches, and the flat part of the clipped branch)', () => {
  const loss = new ValueLoss({ clip: 0.2, vfCoef: 0.5 });
  // Rows: unclipped wins; clipped wins inside the clamp range is impossible (then both are equal), so clipped wins outside it.
  const out = new Float64Array([1.0, 0.0, 2.0, -1.0]);
  const target = new Float64Array([1.5, 0.9, /**/ 1.0, 0.1, /**/ 0.0, 1.5, /**/ 0.3, -0.5]);
  checkGrad(loss, out, [4, 1], target);
  // Hand value: row 0: max((1-1.5)^2, (1.0-1.5)^2 [delta 0.1 in range]) = 0.25; row 1: v - old = -0.1 in range: 1;
  // row 2: unclipped 4, clipped (1.7 - 0)^2 = 2.89 -> 4; row 3: unclipped 1.69, clipped (-0.7 - 0.3)^2 = 1 -> 1.69.
  const v = meanLoss(loss, out, [4, 1], target);
  const want = 0.5 * (0.25 + 1 + 4 + 1.69) / 4;
  assert.ok(Math.abs(loss.stats.valueLoss - want) < 1e-12, `value loss ${loss.stats.valueLoss}, expected ${want}`);
  assert.ok(Math.abs(v - 0.5 * want) < 1e-12, 'the network is trained on vfCoef times it');
  // A row where the clipped branch wins with v - v_old outside the clamp: no gradient.
  const dOut = new Float64Array(1);
  loss.compute(null as never, { data: new Float64Array([3.0]), shape: [1, 1] } as never, new Float64Array([0.0, 0.0]), dOut, { sum: 0, correct: 0, count: 0 });
  assert.ok(dOut[0]! > 0, 'unclipped wins: (3 - 0)^2 > (0.2 - 0)^2');
  loss.compute(null as never, { data: new Float64Array([0.9]), shape: [1, 1] } as never, new Float64Array([1.0, 2.0]), dOut, { sum: 0, correct: 0, count: 0 });
  assert.equal(dOut[0], 0, 'clipped wins ((1.8 - 1)^2 > (0.9 - 1)^2) with v - v_old = -1.1 outside the clamp: flat');
});
