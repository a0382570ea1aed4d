import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableBackends, getBackend } from '../../backend/selectBackend.js';
import { gradCheck } from '../gradCheck.js';
import { activation, conv2d, flatten, linear, onlineNorm, sequential } from '../LayerSpec.js';
import { Rng } from '../../tensor/Rng.js';
import { Tensor } from '../../tensor/Tensor.js';
import { OnlineNorm, onlineNormDefaults, type OnlineNormOptions } from './OnlineNorm.js';
import type { GradSink, GradTarget } from '../Layer.js';
import { Model } from '../Model.js';
import { mlp } from '../models/mlp.js';

// With one example and fresh control state (u = v = 0) the paper's backward is the exact gradient of the forward
// (the statistics come from before the example), so finite differences apply. Larger batches are covered by the
// transcription test below: there the control process deliberately differs from the batch gradient.
const cases = [
  { name: 'online norm dense, clamping', spec: sequential(linear(5), onlineNorm({ clamp: 1.5 }), activation('tanh'), linear(2)), input: [4] },
  { name: 'online norm dense, layer scaling', spec: sequential(linear(5), onlineNorm({ ecm: 'layer-scaling' }), activation('tanh'), linear(2)), input: [4] },
  { name: 'online norm conv, no compensation', spec: sequential(conv2d(3, 3), onlineNorm({ ecm: 'none' }), activation('tanh'), flatten(), linear(2)), input: [2, 5, 5] },
];

for (const name of availableBackends()) {
  for (const c of cases) {
    test(`gradient check: ${c.name} on ${name}`, () => {
      const r = gradCheck(c.spec, c.input, getBackend(name), { batch: 1, inputScale: 2 });
      assert.ok(r.checked > 0);
      assert.ok(r.worst <= 1, `worst ${r.worst.toFixed(2)} at ${r.where}\n${r.failures.join('\n')}`);
    });
  }
}

/** The authors' per-example algorithm (numpy reference), written out plainly for one channel of a dense input. */
function reference(xs: number[], gys: number[], o: OnlineNormOptions) {
  let mu = 0, v2 = 1, u = 0, v = 0;
  const ys: number[] = [], scales: number[] = [];
  for (const x of xs) {
    const s = Math.sqrt(v2 + o.eps);
    ys.push((x - mu) / s);
    scales.push(s);
    v2 = o.alphaForward * v2 + o.alphaForward * (1 - o.alphaForward) * (x - mu) ** 2;
    mu = mu + (1 - o.alphaForward) * (x - mu);
  }
  const dxs: number[] = [];
  gys.forEach((gy, t) => {
    let g = gy - (1 - o.alphaBackward) * v * ys[t]!;
    v += g * ys[t]!;
    g = g / scales[t]!;
    const dx = g - (1 - o.alphaBackward) * u;
    u += dx;
    dxs.push(dx);
  });
  return { ys, dxs, mu, v2, u, v };
}

test('online norm: forward statistics and the backward control process follow the authors\' algorithm example by example', () => {
  const backend = getBackend('ts64');
  const o: OnlineNormOptions = { ...onlineNormDefaults, alphaForward: 0.9, alphaBackward: 0.8, ecm: 'none' };
  const layer = new OnlineNorm('on', [1], o, backend, Rng.seeded(1));
  const xs = [0.5, -1.2, 2.0, 0.3, 1.1];
  const gys = [0.2, -0.4, 0.7, 0.1, -0.3];
  const x = new Tensor(backend.alloc(5), [5, 1]);
  x.data.set(xs);
  const dy = new Tensor(backend.alloc(5), [5, 1]);
  dy.data.set(gys);
  const y = layer.forward(x, { train: true });
  const sink: GradSink = { target: (): GradTarget => ({ buf: new Float64Array(1), alpha: 1, beta: 0 }) };
  const dx = layer.backward(dy, sink, true)!;
  const ref = reference(xs, gys, o);
  ref.ys.forEach((v, i) => assert.ok(Math.abs(y.data[i]! - v) < 1e-12, `y[${i}] ${y.data[i]} vs ${v}`));
  ref.dxs.forEach((v, i) => assert.ok(Math.abs(dx.data[i]! - v) < 1e-12, `dx[${i}] ${dx.data[i]} vs ${v}`));
  assert.ok(Math.abs(layer.mean.data[0]! - ref.mu) < 1e-12);
  assert.ok(Math.abs(layer.variance.data[0]! - ref.v2) < 1e-12);
  assert.ok(Math.abs(layer.controlU.data[0]! - ref.u) < 1e-12);
  assert.ok(Math.abs(layer.controlV.data[0]! - ref.v) < 1e-12);
  // Evaluation normalizes with the running statistics and changes none of them.
  const state = layer.buffers.map((b) => b.data.slice());
  const e = layer.forward(x, { train: false });
  assert.ok(Math.abs(e.data[0]! - (0.5 - ref.mu) / Math.sqrt(ref.v2 + o.eps)) < 1e-12);
  layer.buffers.forEach((b, i) => assert.deepEqual([...b.data], [...state[i]!]));
});

test('online norm: conv statistics use the mean and variance over space of each example', () => {
  const backend = getBackend('ts64');
  const o: OnlineNormOptions = { ...onlineNormDefaults, alphaForward: 0.5, ecm: 'none' };
  const layer = new OnlineNorm('on', [1, 1, 2], o, backend, Rng.seeded(1));
  const x = new Tensor(backend.alloc(2), [1, 1, 1, 2]);
  x.data.set([1, 3]); // mean 2, variance 1
  const y = layer.forward(x, { train: true });
  const s = Math.sqrt(1 + o.eps);
  assert.ok(Math.abs(y.data[0]! - 1 / s) < 1e-12 && Math.abs(y.data[1]! - 3 / s) < 1e-12);
  assert.ok(Math.abs(layer.mean.data[0]! - 1) < 1e-12); // 0 + 0.5 * (2 - 0)
  assert.ok(Math.abs(layer.variance.data[0]! - (0.5 + 0.5 * 1 + 0.25 * 4)) < 1e-12);
});

test('online norm: clamping stops the gradient of clamped values', () => {
  const backend = getBackend('ts64');
  const layer = new OnlineNorm('on', [2], { ...onlineNormDefaults, clamp: 1 }, backend, Rng.seeded(1));
  const x = new Tensor(backend.alloc(2), [1, 2]);
  x.data.set([3, 0.5]);
  const y = layer.forward(x, { train: true });
  assert.equal(y.data[0], 1);
  const dy = new Tensor(backend.alloc(2), [1, 2]);
  dy.data.set([1, 1]);
  const dx = layer.backward(dy, { target: () => null }, true)!;
  assert.equal(dx.data[0], 0);
  assert.ok(dx.data[1]! > 0);
});

test('online norm entries belong to units: the mlp option puts them in the unit groups', () => {
  const m = Model.build(mlp({ hidden: [3, 3], outputs: 2, onlineNorm: true }), { inputShape: [2], backend: getBackend('ts'), rng: Rng.seeded(1) });
  assert.deepEqual(m.unitGroups.map((g) => g.norms.map((n) => n.layer.type)), [['online-norm'], ['online-norm']]);
  assert.throws(() => mlp({ hidden: [3], outputs: 2, onlineNorm: true, layerNorm: true }), /choose one normalization/);
});
