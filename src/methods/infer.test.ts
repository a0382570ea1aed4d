import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activation, layerNorm, linear, sequential } from '../nn/LayerSpec.js';
import { scale } from '../optim/transforms.js';
import { batch, setupMethod } from '../../test/helpers/methodTest.js';
import type { InferState } from './infer.js';

// Features phi: the output of the layer before the output layer (here the tanh after a layer norm).
const net = sequential(linear(5), layerNorm(), activation('relu'), linear(4), activation('tanh'), linear(3));
const xs = [0.2, -0.5, 0.9, 0.1, 0.4, 0.3, -0.8, 0.6, -0.1, 1.2, -0.3, 0.05];
const ys = [0, 2, 1, 2];

test('infer: the step follows the gradient of CE + beta mean_n sum_i (a_i phi + c_i - scale (a0_i phi0 + c0_i))^2, checked by finite differences', () => {
  const beta = 0.7, sc = 1.5;
  // Optimizer scale(1): the update is the gradient itself (theta_after - theta_before = gradient).
  const s = setupMethod('infer', { beta, scale: sc, heads: 3, headLr: 0 }, net, [3], { optimizer: scale(1) });
  const st = s.inst.state as InferState;
  const k = 3, d = 4;
  const b = batch(s.backend, xs, [4, 3], ys);
  // The initial features phi0 (before moving away from theta_0).
  s.learner.evaluate(b.x, b.y);
  const phiOf = () => Array.from(s.model.root.children[s.model.root.children.length - 2]!.output!.data);
  const phi0 = phiOf();
  for (const p of s.model.params) p.data.forEach((v, j) => (p.data[j] = v + 0.15 * Math.sin(3 * j + p.data.length)));
  const total = (): number => {
    const v = s.learner.evaluate(b.x, b.y);
    const phi = phiOf();
    let aux = 0;
    for (let n = 0; n < 4; n++) {
      for (let i = 0; i < k; i++) {
        let pred = st.bias[i]!, target = st.bias0[i]!;
        for (let j = 0; j < d; j++) {
          pred += st.weight[i * d + j]! * phi[n * d + j]!;
          target += st.weight0[i * d + j]! * phi0[n * d + j]!;
        }
        aux += (pred - sc * target) ** 2;
      }
    }
    return v.sum / v.count + (beta * aux) / 4;
  };
  const before = s.model.params.map((p) => Array.from(p.data));
  const h = 1e-6;
  const numeric = s.model.params.map((p) =>
    Array.from(p.data, (v, j) => {
      p.data[j] = v + h;
      const up = total();
      p.data[j] = v - h;
      const down = total();
      p.data[j] = v;
      return (up - down) / (2 * h);
    }),
  );
  s.learner.trainStep(b.x, b.y);
  let checked = 0;
  s.model.params.forEach((p, i) => {
    p.data.forEach((v, j) => {
      const g = v - before[i]![j]!;
      const want = numeric[i]![j]!;
      assert.ok(Math.abs(g - want) <= 1e-6 * (1 + Math.abs(want)), `${p.name}[${j}]: ${g} vs finite differences ${want}`);
      checked++;
    });
  });
  assert.ok(checked > 50);
  assert.ok(st.loss > 0);
  assert.deepEqual(s.inst.metrics!(), { 'method/infer/loss': st.loss });
});

test('infer: the heads take an SGD step on the auxiliary loss (headLr), by finite differences', () => {
  const s = setupMethod('infer', { beta: 0.5, scale: 2, heads: 2, headLr: 0.1 }, net, [3], { optimizer: scale(0) });
  const st = s.inst.state as InferState;
  const b = batch(s.backend, xs, [4, 3], ys);
  s.learner.evaluate(b.x, b.y);
  // At theta_0 phi = phi0: the loss is beta mean_n sum_i ((1 - scale)(a_i phi0 + c_i))^2.
  const phi = Array.from(s.model.root.children[s.model.root.children.length - 2]!.output!.data);
  const auxAt = (W: Float64Array, c: Float64Array): number => {
    let t = 0;
    for (let n = 0; n < 4; n++) {
      for (let i = 0; i < 2; i++) {
        let pred = c[i]!, target = st.bias0[i]!;
        for (let j = 0; j < 4; j++) {
          pred += W[i * 4 + j]! * phi[n * 4 + j]!;
          target += st.weight0[i * 4 + j]! * phi[n * 4 + j]!;
        }
        t += (pred - 2 * target) ** 2;
      }
    }
    return (0.5 * t) / 4;
  };
  const W = st.weight.slice(), c = st.bias.slice();
  s.learner.trainStep(b.x, b.y);
  assert.ok(Math.abs(st.loss - auxAt(W, c)) < 1e-12, `reported loss ${st.loss} vs ${auxAt(W, c)}`);
  const h = 1e-6;
  for (let i = 0; i < W.length; i++) {
    const up = W.slice(), down = W.slice();
    up[i]! += h;
    down[i]! -= h;
    const grad = (auxAt(up, c) - auxAt(down, c)) / (2 * h);
    assert.ok(Math.abs(st.weight[i]! - (W[i]! - 0.1 * grad)) < 1e-8, `head weight ${i}`);
  }
});
