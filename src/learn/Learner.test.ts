import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend, availableBackends } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { Model } from '../nn/Model.js';
import { mlp } from '../nn/models/mlp.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { sgd, adam } from '../optim/optimizers.js';
import { Learner } from './Learner.js';
import type { Backend } from '../backend/Backend.js';

/** A tiny separable problem: class = argmax of the first 3 inputs. */
function problem(backend: Backend, n: number, seed: number) {
  const rng = Rng.seeded(seed);
  const x = new Tensor(backend.alloc(n * 6), [n, 6]);
  const y = backend.alloc(n);
  for (let i = 0; i < n; i++) {
    let best = -1, at = 0;
    for (let j = 0; j < 6; j++) {
      const v = rng.float() * 2 - 1;
      x.data[i * 6 + j] = v;
      if (j < 3 && v > best) { best = v; at = j; }
    }
    y[i] = at;
  }
  return { x, y };
}

function train(backend: Backend, fuse: 'auto' | 'never', opt = sgd({ lr: 0.1 }), steps = 300) {
  const model = Model.build(mlp({ hidden: [16, 16], outputs: 3 }), { inputShape: [6], backend, rng: Rng.seeded(3) });
  const learner = new Learner({ model, optimizer: opt, loss: crossEntropy, fuse });
  const { x, y } = problem(backend, 32, 5);
  let first = 0, last = 0;
  for (let s = 0; s < steps; s++) {
    const r = learner.trainStep(x, y);
    if (s === 0) first = r.sum / r.count;
    last = r.sum / r.count;
  }
  return { model, learner, first, last };
}

for (const name of availableBackends()) {
  test(`SGD training lowers the loss, fused and unfused agree (${name})`, () => {
    const b = getBackend(name);
    const fused = train(b, 'auto');
    const plain = train(b, 'never');
    assert.equal(fused.learner.fused, true);
    assert.equal(plain.learner.fused, false);
    assert.ok(fused.last < fused.first * 0.5, `loss ${fused.first} -> ${fused.last}`);
    assert.ok(Math.abs(fused.last - plain.last) < 1e-3 * Math.max(1, plain.last), `fused ${fused.last} vs plain ${plain.last}`);
    fused.model.params.forEach((p, i) => {
      const q = plain.model.params[i]!;
      let worst = 0;
      for (let j = 0; j < p.data.length; j++) worst = Math.max(worst, Math.abs(p.data[j]! - q.data[j]!));
      assert.ok(worst < 1e-4, `${p.name} differs by ${worst}`);
    });
  });

  test(`same seed, same run, bit for bit (${name})`, () => {
    const b = getBackend(name);
    for (const fuse of ['auto', 'never'] as const) {
      const a = train(b, fuse, adam({ lr: 0.01 }), 50);
      const c = train(b, fuse, adam({ lr: 0.01 }), 50);
      a.model.params.forEach((p, i) => assert.deepEqual(p.data, c.model.params[i]!.data));
    }
  });
}
