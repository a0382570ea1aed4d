import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { Model } from '../nn/Model.js';
import { mlp } from '../nn/models/mlp.js';
import { Learner } from '../learn/Learner.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { sgd } from '../optim/optimizers.js';
import { parseConfig } from '../config/parseConfig.js';
import type { DiagnosticContext } from './Diagnostic.js';
import { plasticityProbe } from './plasticityProbe.js';

const backend = getBackend('ts');

function context(seed: number): DiagnosticContext {
  const model = Model.build(mlp({ hidden: [64, 64], outputs: 3 }), { inputShape: [8], backend, rng: Rng.seeded(seed) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.01 }), loss: crossEntropy });
  const n = 64;
  const x = backend.alloc(n * 8);
  Rng.seeded(100).fillUniform(x, -1, 1);
  return { model, learner, backend, probe: { x: new Tensor(x, [n, 8]), y: backend.alloc(n) }, initial: [], rng: Rng.seeded(7) };
}

const protocol = parseConfig(plasticityProbe.schema, { targets: 3, steps: 300, batchSize: 16, examples: 32, optimizer: { name: 'adam', lr: 0.01 } }, 'plasticity');

test('plasticity probe: a fresh network fits random targets, a network with every unit dead cannot', () => {
  const fresh = context(1);
  const before = fresh.model.params.map((p) => p.data.slice());
  const p = plasticityProbe.compute(fresh, protocol);
  assert.deepEqual(fresh.model.params.map((q) => q.data.slice()), before, 'the live parameters are untouched');
  // The targets a + sin(1e5 f) are spread like a uniform phase: variance about 1/2.
  assert.ok(p['diag/plasticity/baseline']! > 0.3 && p['diag/plasticity/baseline']! < 0.7, `b = ${p['diag/plasticity/baseline']}`);
  assert.ok(p['diag/plasticity']! > 0.5 * p['diag/plasticity/baseline']!, `fresh P = ${p['diag/plasticity']}`);
  assert.deepEqual(
    [p['diag/plasticity/targets'], p['diag/plasticity/steps'], p['diag/plasticity/batchSize'], p['diag/plasticity/examples'], p['diag/plasticity/seed']],
    [3, 300, 16, 32, 0],
  );

  const dead = context(1);
  dead.model.param('fc1.weight').data.fill(0);
  dead.model.param('fc1.bias').data.fill(-1); // every first-layer unit is 0 on every input, and so passes no gradient
  const d = plasticityProbe.compute(dead, protocol);
  // Only the head's bias can move: the best it can do is predict the mean, which scores b - b = 0.
  assert.ok(Math.abs(d['diag/plasticity']!) < 0.02, `dead P = ${d['diag/plasticity']}`);
  assert.ok(p['diag/plasticity']! > d['diag/plasticity']! + 0.2);
});

test('plasticity probe: the same protocol gives the same value; its seed picks the targets', () => {
  const a = plasticityProbe.compute(context(2), protocol);
  const b = plasticityProbe.compute(context(2), protocol);
  assert.deepEqual(a, b);
  const c = plasticityProbe.compute(context(2), { ...protocol, seed: 1 });
  assert.notEqual(c['diag/plasticity/baseline'], a['diag/plasticity/baseline']);
});

test("plasticity probe with the run's own optimizer (fresh state for each target)", () => {
  const ctx = context(3);
  const runOpt = parseConfig(plasticityProbe.schema, { targets: 2, steps: 200, batchSize: 16, examples: 32 }, 'plasticity');
  assert.equal(runOpt.optimizer, 'run');
  const r = plasticityProbe.compute(ctx, runOpt);
  // SGD at lr 0.01 for 200 steps fits part of the targets (P = 0.22 of b = 0.48 when written).
  assert.ok(r['diag/plasticity']! > 0.05 && r['diag/plasticity']! < r['diag/plasticity/baseline']!, `P = ${r['diag/plasticity']}`);
  assert.deepEqual(plasticityProbe.compute(context(3), runOpt), r);
});
