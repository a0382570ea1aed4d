// Every registered diagnostic and tracker, on every kind of model: a strict schema with documented defaults,
// finite values under 'diag/' keys, nothing of the training run touched, the same answer twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { getBackend } from '../src/backend/selectBackend.js';
import { Rng } from '../src/tensor/Rng.js';
import { Tensor } from '../src/tensor/Tensor.js';
import { Model } from '../src/nn/Model.js';
import { mlp } from '../src/nn/models/mlp.js';
import { convNet } from '../src/nn/models/convNet.js';
import { resnet18 } from '../src/nn/models/resnet18.js';
import { vit } from '../src/nn/models/vit.js';
import { collectSlots } from '../src/nn/Slots.js';
import { countedGroups } from '../src/nn/UnitGroup.js';
import type { LayerSpec } from '../src/nn/LayerSpec.js';
import { Learner } from '../src/learn/Learner.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { adam } from '../src/optim/optimizers.js';
import type { Diagnostic, DiagnosticContext } from '../src/diagnostics/Diagnostic.js';
import { isTracker, registeredDiagnostics } from '../src/diagnostics/index.js';

const backend = getBackend('ts');

const models: Array<{ name: string; spec: LayerSpec; input: number[] }> = [
  { name: 'mlp relu', spec: mlp({ hidden: [12, 10], outputs: 3 }), input: [6] },
  { name: 'mlp crelu + layernorm + dropout', spec: mlp({ hidden: [8, 8], outputs: 3, activation: 'crelu', layerNorm: true, dropout: 0.3 }), input: [6] },
  { name: 'mlp tanh', spec: mlp({ hidden: [7], outputs: 3, activation: 'tanh' }), input: [6] },
  { name: 'conv net', spec: convNet({ outputs: 3, channels: [4, 6], kernels: [3, 3], dense: [8] }), input: [2, 10, 10] },
  { name: 'resnet18 (width 4, one block per stage)', spec: resnet18({ outputs: 3, width: 4, blocks: [1, 1] }), input: [3, 8, 8] },
  { name: 'vit (patch 2, width 8, 2 blocks of 2 heads)', spec: vit({ outputs: 3, patch: 2, width: 8, depth: 2, heads: 2, mlpRatio: 2 }), input: [1, 4, 4] },
];

/** Small options so that every diagnostic runs in moments. */
const small: Record<string, Record<string, unknown>> = {
  plasticity: { targets: 2, steps: 4, batchSize: 4, examples: 8 },
  ntkRank: { examples: 5 },
};

function setup(m: (typeof models)[number]) {
  const model = Model.build(m.spec, { inputShape: m.input, backend, rng: Rng.seeded(3) });
  const learner = new Learner({ model, optimizer: adam({ lr: 0.01 }), loss: crossEntropy });
  const per = m.input.reduce((a, b) => a * b, 1);
  const n = 12;
  const x = backend.alloc(n * per);
  Rng.seeded(4).fillUniform(x, -1, 1);
  const y = backend.alloc(n);
  for (let i = 0; i < n; i++) y[i] = i % 3;
  // A few training steps so that optimizer state, running statistics and dropout streams are not at their start.
  const xb = new Tensor(x.subarray(0, 4 * per), [4, ...m.input]);
  for (let s = 0; s < 3; s++) learner.trainStep(xb, y.subarray(0, 4));
  const probe = { x: new Tensor(x, [n, ...m.input]), y };
  return { model, learner, probe };
}

/** Everything of the run a probe must not change. */
function fingerprint(model: Model, learner: Learner): unknown {
  const s = model.getState();
  return {
    params: Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, Array.from(v.data)])),
    grads: model.params.map((p) => Array.from(p.grad)),
    buffers: Object.fromEntries(Object.entries(s.buffers).map(([k, v]) => [k, Array.from(v)])),
    rngs: s.rngs,
    step: learner.step,
    fused: learner.fused,
    opt: collectSlots([learner.optState]).params.map((p) => p.arrays.map((a) => (a ? Array.from(a) : null))),
  };
}

const defs = registeredDiagnostics();

test('the registry holds the diagnostics the papers define (dead, dormant, ranks, weights) and more', () => {
  const names = defs.map((d) => d.name);
  for (const n of ['deadFraction', 'dormantFraction', 'effectiveRank', 'stableRank', 'approxRank', 'weightMagnitude', 'updateSize', 'plasticity', 'featureNorm', 'gradientNorm', 'distanceFromInit', 'linearFraction', 'ntkRank']) {
    assert.ok(names.includes(n), n);
  }
});

for (const d of defs) {
  test(`${d.name}: strict schema, every option documented and defaulted`, () => {
    assert.ok(d.schema instanceof z.ZodObject);
    assert.ok(d.description.length > 10);
    const parsed = d.schema.safeParse({});
    assert.ok(parsed.success);
    assert.equal(d.schema.safeParse({ notAnOption: 1 }).success, false, 'unknown keys are refused');
    for (const [key, field] of Object.entries((d.schema as z.ZodObject).shape)) {
      assert.ok((field as z.ZodType).description, `${d.name}.${key} has a description`);
    }
  });

  for (const m of models) {
    test(`${d.name} on ${m.name}: finite 'diag/' values, the run untouched, deterministic`, () => {
      const { model, learner, probe } = setup(m);
      const options = d.schema.parse(small[d.name] ?? {});
      if (isTracker(d)) {
        const tracker = d.create(options, { model, learner, backend });
        const weights = model.params.filter((p) => p.role === 'weight');
        const w0 = weights.map((p) => Array.from(p.data));
        learner.trainStep(new Tensor(probe.x.data.subarray(0, 4 * probe.x.perExample), [4, ...m.input]), probe.y.subarray(0, 4));
        const before = fingerprint(model, learner);
        tracker.afterStep(learner);
        const r = tracker.report();
        assert.deepEqual(fingerprint(model, learner), before);
        assert.ok(Object.keys(r).length > 0);
        for (const [k, v] of Object.entries(r)) assert.ok(k.startsWith('diag/') && Number.isFinite(v), `${k} = ${v}`);
        if (d.name === 'updateSize') {
          // By hand: the summed |delta w| of the one step (tolerance: float32 sums, 1e-5 relative).
          let total = 0;
          weights.forEach((p, i) => p.data.forEach((v, j) => (total += Math.abs(v - w0[i]![j]!))));
          assert.ok(total > 0 && Math.abs(r['diag/updateSize']! - total) <= 1e-5 * total, `${r['diag/updateSize']} vs ${total}`);
        }
        return;
      }
      const diag = d as Diagnostic;
      try {
        diag.validate?.(model, options);
      } catch (e) {
        // A diagnostic may refuse a model, with a message that says why, before the run starts.
        assert.match((e as Error).message, new RegExp(`${d.name}: .+ not supported`));
        assert.throws(() => diag.compute(context(model, learner, probe), options), /not supported/);
        return;
      }
      const before = fingerprint(model, learner);
      const a = diag.compute(context(model, learner, probe), options);
      assert.deepEqual(fingerprint(model, learner), before, 'nothing of the run changed');
      const b = diag.compute(context(model, learner, probe), options);
      assert.deepEqual(b, a, 'the same answer twice');
      assert.ok(Object.keys(a).length > 0, 'it reports something');
      for (const [k, v] of Object.entries(a)) assert.ok(k.startsWith('diag/') && Number.isFinite(v), `${k} = ${v}`);
      // Shares: the network-wide value is the unit-weighted mean of the groups it counts (a pooled view in place
      // of its group), to rounding.
      const counted = countedGroups(model.unitGroups);
      if (counted.every((g) => `diag/${d.name}/${g.name}` in a) && `diag/${d.name}` in a && /Fraction$/.test(d.name)) {
        const units = counted.reduce((t, g) => t + g.size, 0);
        const mean = counted.reduce((t, g) => t + a[`diag/${d.name}/${g.name}`]! * g.size, 0) / units;
        assert.ok(Math.abs(a[`diag/${d.name}`]! - mean) < 1e-12, `${d.name}: ${a[`diag/${d.name}`]} vs ${mean}`);
      }
      if (d.name === 'weightMagnitude') {
        // By hand: mean |w| over every weight (not biases, gains or shifts).
        const ws = model.params.filter((p) => p.role === 'weight');
        const mean = ws.reduce((t, p) => t + Array.from(p.data).reduce((u, v) => u + Math.abs(v), 0), 0) / ws.reduce((t, p) => t + p.data.length, 0);
        assert.ok(Math.abs(a['diag/weightMagnitude']! - mean) <= 1e-6 * mean, `${a['diag/weightMagnitude']} vs ${mean}`);
      }
    });
  }
}

function context(model: Model, learner: Learner, probe: DiagnosticContext['probe']): DiagnosticContext {
  return { model, learner, backend, probe, initial: model.params.map((p) => p.data.map((v) => v * 0.5)), rng: Rng.seeded(8) };
}
