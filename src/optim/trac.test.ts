import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import type { Param } from '../nn/Param.js';
import { applyUpdates } from './Transform.js';
import { scale } from './transforms.js';
import { erfi, trac, type TracState } from './trac.js';

const backend = getBackend('ts64');

test('erfi matches tabulated values', () => {
  // erfi(x) = 2/sqrt(pi) int_0^x exp(t^2) dt.
  for (const [x, v] of [
    [0.5, 0.614952094696511],
    [1, 1.650425758797543],
    [2, 18.564802414575553],
    [-1, -1.650425758797543],
  ] as const) {
    assert.ok(Math.abs(erfi(x) - v) <= 1e-13 * Math.abs(v), `erfi(${x}) = ${erfi(x)} vs ${v}`);
  }
  assert.equal(erfi(0), 0);
  assert.equal(erfi(40), Infinity);
});

test('trac: two steps around SGD by hand (reference _step: Delta, h, the tuners, theta = theta_ref + S Delta)', () => {
  const data = backend.alloc(2);
  data.set([1, -2]);
  const p: Param = { name: 'w', role: 'weight', shape: [2], data, grad: backend.alloc(2), init: { dist: 'constant', value: 0 }, trainable: true, index: 0 };
  const betas = [0.9, 0.99];
  const t = trac(scale(-0.1), { betas, delta: 'recovered' });
  const st = t.init([p], backend);
  const first = 1e-8 / erfi(Math.SQRT1_2);
  const step = (g: number[], k: number) => {
    const u = backend.alloc(2);
    u.set(g);
    t.update([u], st, [p], { step: k, taskStep: k, backend });
    applyUpdates([p], [u], backend);
  };
  const ref = [1, -2];
  // Step 1: theta = theta_ref, so Delta = 0 and h = 0; sigma = beta * 1e-8, variance 0: s_b = first * erfi(beta_b).
  step([0.5, 1], 1);
  const S1 = first * (erfi(0.9) + erfi(0.99));
  const delta1 = [-0.05, -0.1];
  const theta1 = ref.map((r, j) => r + S1 * delta1[j]!);
  theta1.forEach((v, j) => assert.ok(Math.abs(p.data[j]! - v) < 1e-15, `step 1 [${j}]: ${p.data[j]} vs ${v}`));
  // Step 2: Delta recovered from theta, h = <Delta, g2>, the tuners updated, then theta_ref + S2 Delta2.
  const g2 = [-1, 0.25];
  step(g2, 2);
  const d = theta1.map((v, j) => (v - ref[j]!) / (S1 + 1e-8));
  const h = d[0]! * g2[0]! + d[1]! * g2[1]!;
  const S2 = betas.reduce((tot, b) => tot + first * erfi((b * b * 1e-8 - h) / (Math.SQRT2 * Math.abs(h) + 1e-8)), 0);
  const delta2 = d.map((v, j) => v - 0.1 * g2[j]!);
  const theta2 = ref.map((r, j) => r + Math.max(S2, 0) * delta2[j]!);
  theta2.forEach((v, j) => assert.ok(Math.abs(p.data[j]! - v) <= 1e-12 * Math.max(1, Math.abs(v)), `step 2 [${j}]: ${p.data[j]} vs ${v}`));
  const s = st as TracState;
  assert.equal(s.steps, 2);
  // theta - theta_ref is ~1e-9 here: Delta carries ~1e-7 relative rounding, so h^2 does too.
  assert.ok(Math.abs(s.variance[0]! - h * h) <= 1e-6 * h * h, `${s.variance[0]} vs ${h * h}`);
});

test("trac with delta 'stored': Delta is the sum of the base updates and theta = theta_ref + max(S, 0) Delta", () => {
  const data = backend.alloc(2);
  data.set([0.5, 0.25]);
  const p: Param = { name: 'w', role: 'weight', shape: [2], data, grad: backend.alloc(2), init: { dist: 'constant', value: 0 }, trainable: true, index: 0 };
  const t = trac(scale(-0.1));
  const st = t.init([p], backend);
  const gs = [
    [1, -1],
    [2, 0.5],
    [-0.5, 3],
  ];
  gs.forEach((g, k) => {
    const u = backend.alloc(2);
    u.set(g);
    t.update([u], st, [p], { step: k + 1, taskStep: k + 1, backend });
    applyUpdates([p], [u], backend);
  });
  const delta = [0, 1].map((j) => -0.1 * gs.reduce((s, g) => s + g[j]!, 0));
  const D = st.delta!.arrays[0]!;
  delta.forEach((v, j) => assert.ok(Math.abs(D[j]! - v) < 1e-15, `Delta[${j}] ${D[j]} vs ${v}`));
  const S = Math.max(Array.from(st.s).reduce((a, b) => a + b, 0), 0);
  [0.5, 0.25].forEach((r, j) => assert.ok(Math.abs(p.data[j]! - (r + S * delta[j]!)) < 1e-15, `theta[${j}]`));
});
