import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend } from '../backend/selectBackend.js';
import { buildModelSpec } from '../nn/modelConfig.js';
import { Model } from '../nn/Model.js';
import { SpectralConv2d, SpectralLinear } from '../nn/layers/SpectralNorm.js';
import { parseLyleLabel } from '../report/lyleTable.js';
import { Rng } from '../tensor/Rng.js';
import { catalog } from './catalog.js';
import { resolveRunConfig } from './runConfig.js';
import { startRun } from './runExperiment.js';

const cat = catalog();

test('lyle-interventions presets: every intervention x architecture x target, labels the table reads back', () => {
  for (const name of ['lyle-interventions', 'lyle-interventions-laptop']) {
    const p = cat.presets.get(name);
    const parts = (p.conditions ?? []).map((c) => parseLyleLabel(c.label)!);
    assert.equal(parts.length, 48, name);
    assert.equal(new Set(parts.map((q) => q.intervention)).size, 6);
    assert.deepEqual([...new Set(parts.map((q) => q.arch))], ['mlp', 'conv-net', 'resnet18', 'vit']);
    assert.deepEqual([...new Set(parts.map((q) => q.target))], ['categorical', 'regression']);
    for (const c of p.conditions ?? []) {
      const config = resolveRunConfig({ preset: name, condition: c.label }, cat, '0');
      const q = parseLyleLabel(c.label)!;
      assert.equal(config.model.arch, q.arch, c.label);
      assert.equal(config.benchmark.targets, q.target === 'categorical' ? 'classes' : 'regression', c.label);
    }
  }
});

test('lyle-interventions-laptop: layer norm and spectral norm change every architecture (resnet18: LN for BN; vit: LN before each GELU)', () => {
  const layersOf = (condition: string) => {
    const config = resolveRunConfig({ preset: 'lyle-interventions-laptop', condition }, cat, '0');
    const outputs = config.benchmark.targets === 'regression' ? 1 : 10;
    return Model.build(buildModelSpec(config.model, [1, 8, 8], outputs), { inputShape: [1, 8, 8], backend: getBackend('ts'), rng: Rng.seeded(0) }).layers;
  };
  const count = (ls: readonly { type: string }[], type: string) => ls.filter((l) => l.type === type).length;
  const spectral = (ls: readonly object[]) => ls.filter((l) => l instanceof SpectralLinear || l instanceof SpectralConv2d).length;
  for (const arch of ['mlp', 'conv-net', 'resnet18', 'vit']) {
    const none = layersOf(`none / ${arch} / categorical`);
    const ln = layersOf(`layer norm / ${arch} / categorical`);
    const sn = layersOf(`spectral norm / ${arch} / regression`);
    assert.equal(spectral(none), 0, arch);
    assert.ok(spectral(sn) > 0, `${arch}: spectral norm`);
    assert.ok(count(ln, 'layernorm') > count(none, 'layernorm'), `${arch}: more LayerNorms`);
    if (arch === 'resnet18') {
      assert.ok(count(none, 'batchnorm') > 0);
      assert.equal(count(ln, 'batchnorm'), 0, 'resnet18 with layer norm has no batch norm');
      // Every conv and the head.
      assert.equal(spectral(sn), count(none, 'conv2d') + 1);
    }
    if (arch === 'vit') assert.equal(count(ln, 'layernorm') - count(none, 'layernorm'), 2, 'one more LayerNorm per block (2 blocks)');
  }
});

test('random-labels with a regression target: one output, squared error against uniform targets, loss per draw recorded', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'supple-lyle-run-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const config = resolveRunConfig(
    { preset: 'lyle-interventions-laptop', condition: 'layer norm / vit / regression', seed: 1, backend: 'ts', set: { tasks: 2, stepsPerTask: 4, examplesPerTask: 16, 'run.checkpointSeconds': 0 } },
    cat,
    '0',
  );
  const summary = await startRun(config, { out, catalog: cat });
  assert.equal(summary.status, 'complete');
  const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  const ends = records.filter((r) => r['eval/train/loss'] !== undefined);
  assert.deepEqual(ends.map((r) => r.task), [0, 1]);
  // Squared error of a barely trained net against targets uniform in [-1, 1] (variance 1/3): well below the ~2.3 of 10 classes.
  for (const r of ends) assert.ok(r['eval/train/loss']! > 0.05 && r['eval/train/loss']! < 1.5, `loss ${r['eval/train/loss']}`);
  assert.ok(ends.every((r) => r['eval/train/accuracy'] === undefined), 'no accuracy for a regression target');
});
