import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBackend } from '../src/backend/selectBackend.js';
import { catalog } from '../src/experiment/catalog.js';
import { resolveRunConfig } from '../src/experiment/runConfig.js';
import { startRun } from '../src/experiment/runExperiment.js';
import { applyEdits } from '../src/nn/applyEdits.js';
import type { MultiHeadAttention } from '../src/nn/layers/MultiHeadAttention.js';
import { attention, sequential } from '../src/nn/LayerSpec.js';
import { buildModelSpec, modelSchema } from '../src/nn/modelConfig.js';
import { Model } from '../src/nn/Model.js';
import { sequenceTransformer, vit } from '../src/nn/models/vit.js';
import { Learner } from '../src/learn/Learner.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { adam } from '../src/optim/optimizers.js';
import { Rng } from '../src/tensor/Rng.js';
import { Tensor } from '../src/tensor/Tensor.js';
import { scratchDir } from './helpers/scratchDir.js';

const backend = getBackend('ts');

/** softmax(Q K^T / sqrt(dh)) V per head, then the output projection, in plain float64 loops. */
function direct(a: MultiHeadAttention, x: Float32Array | Float64Array, n: number): Float64Array {
  const T = a.tokens, D = a.width, H = a.heads, dh = a.headDim;
  const wi = a.qkv.weight.data, bi = a.qkv.bias!.data, wo = a.proj.weight.data, bo = a.proj.bias!.data;
  const out = new Float64Array(n * T * D);
  for (let e = 0; e < n; e++) {
    const qkv = new Float64Array(T * 3 * D);
    for (let t = 0; t < T; t++) for (let r = 0; r < 3 * D; r++) {
      let s = bi[r]!;
      for (let c = 0; c < D; c++) s += wi[r * D + c]! * x[(e * T + t) * D + c]!;
      qkv[t * 3 * D + r] = s;
    }
    const cat = new Float64Array(T * D);
    for (let h = 0; h < H; h++) for (let t = 0; t < T; t++) {
      const seen = a.causal ? t + 1 : T;
      const sc = new Float64Array(seen);
      for (let u = 0; u < seen; u++) {
        let s = 0;
        for (let j = 0; j < dh; j++) s += qkv[t * 3 * D + h * dh + j]! * qkv[u * 3 * D + D + h * dh + j]!;
        sc[u] = s / Math.sqrt(dh);
      }
      const mx = Math.max(...sc);
      let z = 0;
      for (let u = 0; u < seen; u++) z += Math.exp(sc[u]! - mx);
      for (let j = 0; j < dh; j++) {
        let s = 0;
        for (let u = 0; u < seen; u++) s += (Math.exp(sc[u]! - mx) / z) * qkv[u * 3 * D + 2 * D + h * dh + j]!;
        cat[t * D + h * dh + j] = s;
      }
    }
    for (let t = 0; t < T; t++) for (let r = 0; r < D; r++) {
      let s = bo[r]!;
      for (let c = 0; c < D; c++) s += wo[r * D + c]! * cat[t * D + c]!;
      out[(e * T + t) * D + r] = s;
    }
  }
  return out;
}

for (const causal of [false, true]) {
  test(`attention${causal ? ' (causal)' : ''} equals softmax(QK^T/sqrt(dh))V per head, by direct loops`, () => {
    const model = Model.build(sequential(attention(3, { causal })), { inputShape: [5, 6], backend, rng: Rng.seeded(2) });
    const a = model.layers.find((l) => l.type === 'attention') as MultiHeadAttention;
    const rng = Rng.seeded(3);
    for (const p of model.params) rng.fillUniform(p.data, -0.5, 0.5); // nonzero biases too
    const x = new Tensor(backend.alloc(2 * 5 * 6), [2, 5, 6]);
    rng.fillUniform(x.data, -1, 1);
    const y = model.forward(x, true);
    const want = direct(a, x.data, 2);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(y.data[i]! - want[i]!) < 1e-5, `output ${i}: ${y.data[i]} vs ${want[i]}`);
    // Causal: changing the last token changes no earlier token's output.
    const before = Array.from(y.data);
    x.data[4 * 6] = x.data[4 * 6]! + 1;
    const after = model.forward(x, true).data;
    const earlierSame = before.slice(0, 4 * 6).every((v, i) => v === after[i]);
    assert.equal(earlierSame, causal);
  });
}

test('a ViT names its unit groups: heads (H units) and MLP hidden units (per token) of every block', () => {
  const model = Model.build(vit({ outputs: 3, patch: 2, width: 8, depth: 2, heads: 2, mlpRatio: 2 }), { inputShape: [1, 4, 4], backend, rng: Rng.seeded(1) });
  const g = model.unitGroups.map((u) => [u.name, u.size, u.producer.name, u.consumer.name, u.tokens]);
  assert.deepEqual(g, [
    ['h1', 2, 'block1.attn1.qkv', 'block1.attn1.proj', 5],
    ['h2', 16, 'block2.tok1.fc1', 'block2.tok1.fc2', 5],
    ['h3', 2, 'block3.attn1.qkv', 'block3.attn1.proj', 5],
    ['h4', 16, 'block4.tok1.fc1', 'block4.tok1.fc2', 5],
  ]);
  assert.equal(model.head.name, 'fc1');
});

test('reinitializing a head redraws its query, key and value rows (and zeroes their biases), zeroes its output-projection columns and resets their Adam slots; nothing else moves', () => {
  const model = Model.build(vit({ outputs: 3, patch: 2, width: 8, depth: 1, heads: 2, mlpRatio: 2 }), { inputShape: [1, 4, 4], backend, rng: Rng.seeded(1) });
  const learner = new Learner({ model, optimizer: adam({ lr: 0.01 }), loss: crossEntropy });
  const x = new Tensor(backend.alloc(4 * 16), [4, 1, 4, 4]);
  Rng.seeded(5).fillUniform(x.data, -1, 1);
  const y = backend.alloc(4);
  y.set([0, 1, 2, 1]);
  for (let i = 0; i < 3; i++) learner.trainStep(x, y);
  const before = new Map(model.params.map((p) => [p.name, Array.from(p.data)]));
  const slotsBefore = JSON.stringify(learner.optState);
  applyEdits([{ kind: 'reinitUnits', group: 'h1', units: [1] }], { model, states: [learner.optState] }, Rng.seeded(9));
  const D = 8, dh = 4;
  const headRows = new Set([...[0, 1, 2].flatMap((k) => Array.from({ length: dh }, (_, j) => k * D + dh + j))]);
  const wi = model.param('block1.attn1.qkv.weight').data, bi = model.param('block1.attn1.qkv.bias').data, wo = model.param('block1.attn1.proj.weight').data;
  const wi0 = before.get('block1.attn1.qkv.weight')!, bi0 = before.get('block1.attn1.qkv.bias')!, wo0 = before.get('block1.attn1.proj.weight')!;
  for (let r = 0; r < 3 * D; r++) {
    for (let c = 0; c < D; c++) {
      const changed = wi[r * D + c] !== wi0[r * D + c];
      assert.equal(changed, headRows.has(r), `qkv.weight[${r}, ${c}]`);
    }
    assert.equal(bi[r], headRows.has(r) ? 0 : bi0[r], `qkv.bias[${r}]`);
  }
  for (let r = 0; r < D; r++) for (let c = 0; c < D; c++) assert.equal(wo[r * D + c], c >= dh ? 0 : wo0[r * D + c], `proj.weight[${r}, ${c}]`);
  for (const p of model.params) if (!p.name.startsWith('block1.attn1')) assert.deepEqual(Array.from(p.data), before.get(p.name), `${p.name} is untouched`);
  assert.notEqual(JSON.stringify(learner.optState), slotsBefore, 'the Adam slots of the head were reset');
});

test('model.arch=vit and model.arch=transformer build from the config; wrong inputs and pools are errors naming the field', () => {
  const c = modelSchema.parse({ arch: 'vit', width: 16, depth: 1, heads: 2, patch: 7 });
  const m = Model.build(buildModelSpec(c, [1, 28, 28], 10), { inputShape: [1, 28, 28], backend, rng: Rng.seeded(1) });
  assert.deepEqual(m.outputShape, [10]);
  assert.equal(m.unitGroups.length, 2);
  assert.throws(() => buildModelSpec(c, [784], 10), /arch vit needs images \[C, H, W\]; the input is \[784\]/);
  assert.throws(() => buildModelSpec({ ...c, pool: 'last' }, [1, 28, 28], 10), /model\.pool: 'last' is for arch transformer/);
  const t = modelSchema.parse({ arch: 'transformer', width: 8, depth: 1, heads: 2 });
  const s = Model.build(buildModelSpec(t, [6, 3], 4), { inputShape: [6, 3], backend, rng: Rng.seeded(1) });
  assert.deepEqual(s.outputShape, [4]);
  assert.throws(() => buildModelSpec(t, [1, 28, 28], 10), /arch transformer needs sequences \[T, F\]/);
  assert.ok(sequenceTransformer({ outputs: 2, width: 4, depth: 1, heads: 2 }).type === 'sequential');
});

test('class-incremental ViT with CBP and ReDo: diagnostics for every head and MLP group, both methods act on heads', async () => {
  const out = scratchDir('supple-vit-units-');
  const config = resolveRunConfig(
    {
      benchmark: 'class-incremental',
      methods: ['cbp', 'redo'],
      set: {
        dataset: 'digits', tasks: 2, classesPerTask: 2, examplesPerTask: 8, valPerClass: 2, epochs: 2,
        'model.arch': 'vit', 'model.width': 8, 'model.depth': 1, 'model.heads': 2, 'model.patch': 4,
        'optimizer.name': 'adam', 'optimizer.lr': 0.001,
        'cbp.rate': 0.5, 'cbp.maturity': 0, 'redo.tau': 2, 'redo.period': 1, 'redo.scoreBatch': 0, 'probes.batchSize': 16,
      },
      seed: 1,
      backend: 'ts',
    },
    catalog(),
    '0.0.0',
  );
  const s = await startRun(config, { out, catalog: catalog() });
  assert.equal(s.status, 'complete');
  const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  const probe = records.find((r) => 'diag/effectiveRank/h1' in r)!;
  for (const d of ['dormantFraction', 'inactiveFraction', 'featureNorm', 'effectiveRank']) {
    for (const g of ['h1', 'h2']) assert.ok(Number.isFinite(probe[`diag/${d}/${g}`]), `diag/${d}/${g} is recorded`);
  }
  assert.ok(Number.isFinite(probe['diag/deadFraction/h2']), 'GELU units have a dead fraction');
  assert.ok(!('diag/deadFraction/h1' in probe), 'heads (no nonlinearity) have none');
  const edits = readFileSync(join(out, 'edits.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; group?: string; reason?: string });
  const acted = (why: string) => new Set(edits.filter((e) => e.kind === 'reinitUnits' && (e.reason ?? '').startsWith(why)).map((e) => e.group));
  assert.deepEqual([...acted('cbp')].sort(), ['h1', 'h2']);
  assert.ok(acted('redo').has('h1'), 'redo resets heads');
});
