import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activation, linear, sequential } from '../nn/LayerSpec.js';
import { adam } from '../optim/optimizers.js';
import { batch, setupMethod } from '../../test/helpers/methodTest.js';
import { Tensor } from '../tensor/Tensor.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import type { Param } from '../nn/Param.js';

const net = sequential(linear(4), activation('tanh'), linear(3));
const xs = [0.2, -0.5, 0.9, 0.1, 0.4, 0.3];

test('l2 is PyTorch weight decay: one SGD step gives theta - lr (g + coef * theta), fused or not', () => {
  for (const fuse of ['auto', 'never'] as const) {
    const bp = setupMethod('bp', {}, net, [3]);
    const l2 = setupMethod('l2', { coef: 0.05 }, net, [3]);
    for (const s of [bp, l2]) (s.learner as unknown as { fuseMode: string }).fuseMode = fuse;
    const theta0 = l2.model.params.map((p) => p.data.slice());
    for (const s of [bp, l2]) {
      const b = batch(s.backend, xs, [2, 3], [0, 2]);
      s.learner.trainStep(b.x, b.y);
    }
    l2.model.params.forEach((p, i) => {
      p.data.forEach((v, j) => {
        const expected = bp.model.params[i]!.data[j]! - 0.1 * 0.05 * theta0[i]![j]!;
        assert.ok(Math.abs(v - expected) < 1e-14, `${fuse} ${p.name}[${j}]: ${v} vs ${expected}`);
      });
    });
  }
});

test('l2 with include weights leaves biases alone; with Adam the decay goes through Adam (torch.optim.Adam weight_decay)', () => {
  const bp = setupMethod('bp', {}, net, [3], { optimizer: adam({ lr: 0.01 }) });
  const l2 = setupMethod('l2', { coef: 0.05, include: 'weights' }, net, [3], { optimizer: adam({ lr: 0.01 }) });
  for (const s of [bp, l2]) {
    const b = batch(s.backend, xs, [2, 3], [0, 2]);
    s.learner.trainStep(b.x, b.y);
  }
  for (const name of ['fc1.bias', 'fc2.bias']) assert.deepEqual([...l2.model.param(name).data], [...bp.model.param(name).data]);
  // By hand, Adam's first step on g' = g + coef * theta (m = (1 - b1) g', v = (1 - b2) g'^2, bias-corrected):
  // theta - lr * g' / (|g'| + eps), with g the loss gradient at theta_0 (taken from a third copy).
  const probe = setupMethod('bp', {}, net, [3], { optimizer: adam({ lr: 0.01 }) });
  const b = batch(probe.backend, xs, [2, 3], [0, 2]);
  const out = probe.model.forward(b.x, true);
  const dOut = new Tensor(probe.backend.alloc(out.data.length), out.shape);
  crossEntropy.compute(probe.backend, out, b.y, dOut.data, { sum: 0, correct: 0, count: 0 });
  probe.model.backward(dOut, { target: (p: Param) => ({ buf: p.grad, alpha: 1, beta: 0 }) });
  for (const name of ['fc1.weight', 'fc2.weight']) {
    const theta0 = probe.model.param(name).data, g = probe.model.param(name).grad;
    l2.model.param(name).data.forEach((v, j) => {
      const gd = g[j]! + 0.05 * theta0[j]!;
      const expected = theta0[j]! - (0.01 * gd) / (Math.abs(gd) + 1e-8);
      assert.ok(Math.abs(v - expected) < 1e-12, `${name}[${j}]: ${v} vs ${expected}`);
    });
  }
});
