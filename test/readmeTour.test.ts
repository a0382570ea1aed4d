// The code of the README's API tour, run as a test so that the README cannot drift from the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getBackend, Model, mlp, Learner, sgd, crossEntropy, Rng, Tensor, applyEdits, getMethod, effectiveRank,
  catalog, resolveRunConfig, startRun,
} from '../src/index.js';

test('README tour', async () => {
  // --- tour start ---
  const backend = getBackend(); // native (OpenBLAS), else wasm (SIMD), else ts: SUPPLE_BACKEND picks one
  const model = Model.build(mlp({ hidden: [100, 100, 100], outputs: 10 }), { inputShape: [784], backend, rng: Rng.seeded(0) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.003 }), loss: crossEntropy });

  // Batches live in backend memory; a step is forward, loss, backward and the update (SGD fused into backward).
  const x = new Tensor(backend.alloc(784), [1, 784]);
  const y = backend.alloc(1);
  x.data.fill(0.5);
  y[0] = 3;
  const { sum: loss, correct } = learner.trainStep(x, y); // summed loss, how many were right
  console.log({ loss, correct });

  // Units: a dense row or a conv channel, with everything that belongs to it.
  console.log(model.unitGroups.map((g) => `${g.name}: ${g.size} units of ${g.producer.name}, read by ${g.consumer.name}`));
  // Methods never touch the model: they return edits, and applyEdits carries them out on the parameters and on
  // every optimizer slot of exactly those units.
  applyEdits([{ kind: 'reinitUnits', group: 'h1', units: [7], outgoing: 'zero' }], { model, states: [learner.optState] }, Rng.seeded(1));

  // A plasticity method: typed hooks (afterUpdate, atTaskBoundary, atDataGrowth) that return edits; the training
  // loop (trainLoop) calls them and applies what they return.
  const cbp = getMethod('cbp');
  const method = cbp.create(cbp.schema.parse({ rate: 1e-4, maturity: 100 }), { model, learner, backend, rng: Rng.seeded(2) });

  // Diagnostics are pure functions of the model and a probe batch.
  const probe = new Tensor(backend.alloc(64 * 784), [64, 784]);
  Rng.seeded(3).fillUniform(probe.data, 0, 1);
  const ranks = effectiveRank.compute({ model, learner, backend, probe: { x: probe, y: backend.alloc(64) }, initial: [], rng: Rng.seeded(4) }, {});

  // A whole run, as `supple run permuted-mnist --set dataset=digits --set tasks=3 --method cbp` does it.
  const config = resolveRunConfig({ benchmark: 'permuted-mnist', methods: ['cbp'], set: { dataset: 'digits', tasks: 3 } }, catalog(), '0.1.0');
  const summary = await startRun(config, { out: join(mkdtempSync(join(tmpdir(), 'tour-')), 'run'), catalog: catalog() });
  // --- tour end ---
  assert.ok(Number.isFinite(loss));
  assert.deepEqual(model.unitGroups.map((g) => g.name), ['h1', 'h2', 'h3']);
  assert.equal(typeof method.afterUpdate, 'function');
  assert.ok(ranks['diag/effectiveRank/h1']! > 1);
  assert.equal(summary.status, 'complete');
});
