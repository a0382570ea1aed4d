import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../backend/Backend.js';
import { availableBackends, getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { Model } from '../nn/Model.js';
import { mlp } from '../nn/models/mlp.js';
import { applyEdits } from '../nn/applyEdits.js';
import { PendingUpdate, rawData } from '../nn/PendingUpdate.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { sgd } from '../optim/optimizers.js';
import { DenseReluStep } from './DenseReluStep.js';
import { Learner } from './Learner.js';

// The first layer's deferred update (PendingUpdate, Backend.denseReluStepDeferred) against the undeferred step
// (DenseReluStep.deferMinWeights = Infinity): the same losses, weights and layer outputs bit for bit, including
// when everything that reads the model between steps reads it (evaluation, parameters, checkpoints, edits, a batch
// that goes layer by layer, materialized gradients).

type Reader = 'none' | 'evaluate' | 'params' | 'state' | 'edit' | 'batch' | 'gradients';
const readers: Reader[] = ['none', 'evaluate', 'params', 'state', 'edit', 'batch', 'gradients'];

interface Run {
  losses: number[];
  seen: Float32Array[];
  final: Float32Array[];
  held: number;
}

function run(b: Backend, deferred: boolean, reader: Reader, regs: 'none' | 'l2' | 'l2-init'): Run {
  const saved = DenseReluStep.deferMinWeights;
  DenseReluStep.deferMinWeights = deferred ? 16384 : Infinity;
  try {
    // 200 x 100 weights in the first layer: deferred (and above the native backend's layer threshold).
    const model = Model.build(mlp({ hidden: [100, 30, 20], outputs: 5 }), { inputShape: [200], backend: b, rng: Rng.seeded(3) });
    const learner = new Learner({ model, optimizer: sgd({ lr: 0.05 }), loss: crossEntropy });
    if (regs === 'l2') learner.addRegularizer({ coef: 0.01, appliesTo: (p) => p.role === 'weight' });
    if (regs === 'l2-init') learner.addRegularizer({ coef: 0.02, anchor: model.params.map((p) => Float32Array.from(p.data)) });
    const rng = Rng.seeded(5);
    const xs: Tensor[] = [];
    const ys: Float32Array[] = [];
    for (let i = 0; i < 12; i++) {
      const x = new Tensor(b.alloc(200), [1, 200]);
      rng.fillUniform(x.data, 0, 1);
      xs.push(x);
      const y = b.alloc(1) as Float32Array;
      y[0] = rng.int(5);
      ys.push(y);
    }
    const x2 = new Tensor(b.alloc(400), [2, 200]);
    rng.fillUniform(x2.data, 0, 1);
    const y2 = b.alloc(2) as Float32Array;
    y2.set([1, 3]);
    const first = model.params[0]!;
    const losses: number[] = [];
    const seen: Float32Array[] = [];
    let held = 0;
    for (let s = 0; s < 40; s++) {
      losses.push(learner.trainStep(xs[s % 12]!, ys[s % 12]!).sum);
      if (deferred && PendingUpdate.of(first, b).held) held++;
      if (s % 7 !== 3) continue;
      // A reader between steps: what it sees is compared with the undeferred run's.
      if (reader === 'evaluate') {
        const r = learner.evaluate(xs[(s + 5) % 12]!, ys[(s + 5) % 12]!);
        losses.push(r.sum);
        seen.push(Float32Array.from(model.root.output!.data));
      } else if (reader === 'params') {
        for (const p of model.params) seen.push(Float32Array.from(p.data));
      } else if (reader === 'state') {
        const st = model.getState();
        for (const k of Object.keys(st.params)) seen.push(Float32Array.from(st.params[k]!.data));
        if (s === 10) model.setState(st);
      } else if (reader === 'edit') {
        applyEdits([{ kind: 'scaleRows', param: first.name, factors: 0.5 }], { model, states: [learner.optState] }, Rng.seeded(s));
      } else if (reader === 'batch') {
        losses.push(learner.trainStep(x2, y2).sum);
      } else if (reader === 'gradients' && s === 24) {
        learner.requireGradients(); // from here on no fused step: the layer-by-layer path with param.grad
      }
    }
    return { losses, seen, final: model.params.map((p) => Float32Array.from(p.data)), held };
  } finally {
    DenseReluStep.deferMinWeights = saved;
  }
}

for (const name of availableBackends()) {
  for (const regs of ['none', 'l2', 'l2-init'] as const) {
    test(`a deferred first-layer update gives the undeferred step's results bit for bit, whatever reads the model between steps (${name}, regularizers ${regs})`, () => {
      const b = getBackend(name);
      for (const reader of readers) {
        const d = run(b, true, reader, regs);
        const u = run(b, false, reader, regs);
        // With an anchor (l2-init) the learner reads the weights after each step to apply it, which applies the update.
        if (regs === 'l2-init') assert.equal(d.held, 0);
        else assert.ok(d.held > 0, `${reader}: the update was deferred`);
        assert.equal(u.held, 0);
        assert.deepEqual(d.losses, u.losses, `${reader}: losses`);
        assert.equal(d.seen.length, u.seen.length);
        d.seen.forEach((v, i) => assert.deepEqual(v, u.seen[i], `${reader}: what the reader saw, ${i}`));
        d.final.forEach((v, i) => assert.deepEqual(v, u.final[i], `${reader}: parameter ${i} after training`));
      }
    });
  }
}

test('param.data applies a held update; rawData does not', () => {
  const b = getBackend('ts');
  const model = Model.build(mlp({ hidden: [100], outputs: 3 }), { inputShape: [200], backend: b, rng: Rng.seeded(1) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.1 }), loss: crossEntropy });
  const x = new Tensor(b.alloc(200).fill(1), [1, 200]);
  const y = b.alloc(1);
  const w = model.params[0]!;
  const before = Float32Array.from(rawData(w));
  learner.trainStep(x, y);
  const u = PendingUpdate.of(w, b);
  assert.ok(u.held);
  assert.deepEqual(Float32Array.from(rawData(w)), before, 'the raw array is not updated yet');
  const after = Float32Array.from(w.data);
  assert.ok(!u.held, 'reading param.data applied it');
  assert.notDeepEqual(after, before);
  // Replacing the array applies a held update to the old one first.
  learner.trainStep(x, y);
  assert.ok(u.held);
  const old = rawData(w);
  const snapshot = Float32Array.from(old);
  const fresh = b.alloc(old.length);
  w.data = fresh;
  assert.ok(!u.held);
  assert.notDeepEqual(Float32Array.from(old), snapshot, 'the held update went to the old array');
  assert.equal(w.data, fresh);
});
