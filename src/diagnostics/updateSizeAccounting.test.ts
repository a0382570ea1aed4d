import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableBackends, getBackend } from '../backend/selectBackend.js';
import type { Backend } from '../backend/Backend.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { Model } from '../nn/Model.js';
import { mlp } from '../nn/models/mlp.js';
import { applyEdits } from '../nn/applyEdits.js';
import type { Batch, TaskInfo } from '../learn/Batch.js';
import type { Edit } from '../nn/Edit.js';
import { Learner } from '../learn/Learner.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { adam, sgd } from '../optim/optimizers.js';
import { createMethods } from '../methods/index.js';
import { resolveMethodSettings } from '../experiment/methodSettings.js';
import { updateSize } from './updateSize.js';

// The accounted update size (UpdateLedger: the whole-step kernel sums what it writes, edits are diffed) against the
// copy-based measure taken at the same points (the end of each optimizer step), on every step, with methods whose
// edits land on weights the next step updates again (reinitialized units, shrink & perturb, a head reset).

// Wide enough that the native backend's first layer runs on the addon (its whole-step kernel), not on wasm's.
const inputs = 300;
const classes = 5;

function task(backend: Backend, index: number, pool: Float32Array, labels: Int32Array): TaskInfo {
  return {
    index,
    label: `task ${index}`,
    batchSize: 1,
    probe(n: number, r: Rng): Batch {
      const x = backend.alloc(n * inputs);
      const y = backend.alloc(n);
      for (let k = 0; k < n; k++) {
        const i = r.int(labels.length);
        x.set(pool.subarray(i * inputs, (i + 1) * inputs), k * inputs);
        y[k] = labels[i]!;
      }
      return { x: new Tensor(x, [n, inputs]), y };
    },
  };
}

const cases: { label: string; methods: string; settings?: Record<string, unknown>; headReset?: boolean }[] = [
  { label: 'bp', methods: 'bp' },
  { label: 'bp, head zeroed at each task start', methods: 'bp', headReset: true },
  { label: 'cbp', methods: 'cbp', settings: { 'method.rate': 0.02, 'method.maturity': 5 } },
  { label: 'redo', methods: 'redo', settings: { 'method.period': 7, 'method.tau': 0.5, 'method.scoreBatch': 16 } },
  { label: 'shrink & perturb every step', methods: 'shrink-perturb', settings: { 'method.schedule': 'every-step', 'method.shrink': 0.999, 'method.noise': 1e-3 } },
  { label: 'l2', methods: 'l2', settings: { 'method.coef': 1e-2 } },
  { label: 'head reset at task boundaries', methods: 'head-reset' },
];

for (const name of availableBackends()) {
  for (const c of cases) {
    test(`updateSize: the accounted size equals the copy-based one on every step (${name}, ${c.label})`, () => {
      const backend = getBackend(name);
      const model = Model.build(mlp({ hidden: [17, 12], outputs: classes }), { inputShape: [inputs], backend, rng: Rng.seeded(3) });
      const learner = new Learner({ model, optimizer: sgd({ lr: 0.05 }), loss: crossEntropy });
      const methods = createMethods(resolveMethodSettings(c.methods.split('+'), c.settings ?? {}), { model, learner, backend, rng: Rng.seeded(4) });
      const tracker = updateSize.create(updateSize.schema.parse({}), { model, learner, backend });
      const rng = Rng.seeded(5);
      const pool = new Float32Array(64 * inputs);
      rng.fillUniform(pool, -1, 2);
      // Every other example non-negative: the kernels sum a row's changes another way for x >= 0.
      for (let e = 0; e < 64; e += 2) for (let j = e * inputs; j < (e + 1) * inputs; j++) pool[j] = Math.abs(pool[j]!);
      const labels = Int32Array.from({ length: 64 }, () => rng.int(classes));
      const states = () => [learner.optState, ...methods.map((m) => m.instance.state)];
      const weights = model.params.filter((p) => p.role === 'weight');
      const oracle = weights.map((p) => p.data.slice());
      const x = new Tensor(backend.alloc(inputs), [1, inputs]);
      const y = backend.alloc(1);
      let edits = 0;
      const edit = (e: readonly Edit[] | undefined, r: Rng) => {
        if (e?.length) edits += applyEdits(e, { model, states: states() }, r).length;
      };
      let compared = 0;
      let positive = 0;
      let info = task(backend, 0, pool, labels);
      for (let step = 1; step <= 60; step++) {
        if (step % 20 === 1 && step > 1) {
          info = task(backend, info.index + 1, pool, labels);
          if (c.headReset) edit([{ kind: 'reinitParams', params: model.head.params.map((p) => p.name), value: 'zero', reason: 'benchmark' }], rng);
          for (const m of methods) edit(m.instance.atTaskBoundary?.({ step: learner.step, task: info }), m.rng);
        }
        const i = (step * 7) % 64;
        x.data.set(pool.subarray(i * inputs, (i + 1) * inputs));
        y[0] = labels[i]!;
        const loss = learner.trainStep(x, y);
        // The oracle: everything that moved since the end of the last step, in float64.
        let total = 0;
        weights.forEach((p, k) => {
          const o = oracle[k]!;
          for (let j = 0; j < o.length; j++) {
            total += Math.abs(p.data[j]! - o[j]!);
            o[j] = p.data[j]!;
          }
        });
        tracker.afterStep(learner);
        const r = tracker.report();
        const got = r['diag/updateSize']!;
        assert.ok(Number.isFinite(got), `step ${step}: ${JSON.stringify(r)}`);
        assert.ok(Math.abs(got - total) <= 2e-6 * total + 1e-12, `step ${step}: accounted ${got}, copy-based ${total} (${name}, ${c.label})`);
        compared++;
        if (total > 0) positive++;
        for (const m of methods) edit(m.instance.afterUpdate?.({ step: learner.step, task: info.index, batch: { x, y }, loss, taskData: info }), m.rng);
      }
      assert.equal(compared, 60);
      if (c.methods !== 'bp' && c.methods !== 'l2') assert.ok(edits > 0, 'the method edited the weights');
      if (c.headReset) assert.ok(edits >= 2);
      assert.ok(positive > 50);
      assert.ok(model.updateLedger !== null, 'the tracker accounts (one step per afterStep)');
      // Without edits and on the whole-step path, no weight is copied: the writers account.
      if (c.methods === 'bp' && !c.headReset) assert.equal(model.updateLedger.diffedIntervals, 0);
    });
  }
}

test('updateSize: a loop that calls afterStep after several steps keeps the copy-based measure (the net change)', () => {
  const backend = getBackend('ts');
  const model = Model.build(mlp({ hidden: [6], outputs: 3 }), { inputShape: [4], backend, rng: Rng.seeded(1) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.1 }), loss: crossEntropy });
  const tracker = updateSize.create(updateSize.schema.parse({}), { model, learner, backend });
  const x = new Tensor(backend.alloc(4), [1, 4]);
  x.data.set([0.5, -1, 2, 0.25]);
  const y = backend.alloc(1);
  learner.trainStep(x, y);
  learner.trainStep(x, y);
  tracker.afterStep(learner);
  assert.equal(model.updateLedger, null);
  assert.ok(tracker.report()['diag/updateSize']! > 0);
});

for (const name of availableBackends()) {
  for (const l2 of [0, 1e-2]) {
    test(`updateSize: accounting leaves the training step bit for bit the same (${name}, l2 ${l2})`, () => {
      const backend = getBackend(name);
      const run = (tracked: boolean) => {
        const model = Model.build(mlp({ hidden: [17, 12], outputs: classes }), { inputShape: [inputs], backend, rng: Rng.seeded(3) });
        const learner = new Learner({ model, optimizer: sgd({ lr: 0.05 }), loss: crossEntropy });
        if (l2) createMethods(resolveMethodSettings(['l2'], { 'method.coef': l2 }), { model, learner, backend, rng: Rng.seeded(4) });
        const tracker = tracked ? updateSize.create(updateSize.schema.parse({}), { model, learner, backend }) : null;
        const rng = Rng.seeded(5);
        const x = new Tensor(backend.alloc(inputs), [1, inputs]);
        const y = backend.alloc(1);
        for (let step = 0; step < 30; step++) {
          // Inputs of both signs: the kernels' sum over a row takes another path for x >= 0 (the first layer here).
          rng.fillUniform(x.data, step % 2 ? 0 : -1, 1);
          y[0] = rng.int(classes);
          learner.trainStep(x, y);
          tracker?.afterStep(learner);
        }
        if (tracked) assert.ok(model.updateLedger !== null);
        return model.params.map((p) => Array.from(p.data));
      };
      assert.deepEqual(run(true), run(false));
    });
  }
}

test('updateSize: once accounting, the layer-by-layer path (batches of 4), a restored state and a grown head are diffed against copies', () => {
  const backend = getBackend('wasm');
  const model = Model.build(mlp({ hidden: [9], outputs: 3 }), { inputShape: [6], backend, rng: Rng.seeded(1) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.1 }), loss: crossEntropy });
  const tracker = updateSize.create(updateSize.schema.parse({}), { model, learner, backend });
  const rng = Rng.seeded(2);
  const x1 = new Tensor(backend.alloc(6), [1, 6]);
  const x4 = new Tensor(backend.alloc(4 * 6), [4, 6]);
  const y = backend.alloc(4);
  const weights = () => model.params.filter((p) => p.role === 'weight');
  let oracle = weights().map((p) => p.data.slice());
  const saved = model.getState();
  for (let step = 1; step <= 14; step++) {
    if (step === 6) model.setState(saved);
    if (step === 9) applyEdits([{ kind: 'growHead', k: 2 }], { model, states: [learner.optState] }, rng);
    // The first step is the whole-step kernel's (the tracker then accounts); every third a batch of 4 (layer by layer).
    const x = step % 3 === 0 ? x4 : x1;
    rng.fillUniform(x.data, -1, 1);
    for (let i = 0; i < 4; i++) y[i] = rng.int(3);
    learner.trainStep(x, x === x4 ? y : y.subarray(0, 1));
    let total = 0;
    const now = weights();
    const resized = now.some((p, k) => p.data.length !== oracle[k]!.length);
    if (!resized) now.forEach((p, k) => p.data.forEach((v, j) => (total += Math.abs(v - oracle[k]![j]!))));
    oracle = now.map((p) => p.data.slice());
    tracker.afterStep(learner);
    const r = tracker.report()['diag/updateSize'];
    if (resized) assert.equal(r, undefined, `step ${step}: a step that resized a weight is not measured`);
    else assert.ok(Math.abs(r! - total) <= 2e-6 * total, `step ${step}: accounted ${r}, copy-based ${total}`);
    if (step === 1) assert.ok(model.updateLedger !== null, 'accounting after a whole step');
  }
  assert.ok(model.updateLedger !== null && model.updateLedger.diffedIntervals > 0);
});

test('updateSize: a loop whose steps are not the whole-step kernel\'s keeps the copy-based measure', () => {
  const backend = getBackend('wasm');
  const model = Model.build(mlp({ hidden: [9], outputs: 3 }), { inputShape: [6], backend, rng: Rng.seeded(1) });
  const learner = new Learner({ model, optimizer: adam({ lr: 0.01 }), loss: crossEntropy });
  const tracker = updateSize.create(updateSize.schema.parse({}), { model, learner, backend });
  const x = new Tensor(backend.alloc(6), [1, 6]);
  x.data.set([1, -1, 0.5, 2, 0, 0.25]);
  const y = backend.alloc(1);
  learner.trainStep(x, y);
  tracker.afterStep(learner);
  assert.equal(model.updateLedger, null);
  assert.ok(tracker.report()['diag/updateSize']! > 0);
});
