import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
import { resolveRlRunConfig, startRlRun } from './runRl.js';
import { expandSweep, sweepSchema } from './sweep.js';
import type { DqnConfig } from '../rl/dqnConfig.js';
import { rlBenchmarkRegistry } from '../rl/rlBenchmarks.js';
import { isRlRequest } from '../cli/rlRunCommand.js';
import { loadRuns } from '../report/loadRuns.js';
import { LYLE_MDP_METRIC, lyleCell, lyleTable } from '../report/lyleTable.js';
import { removeScratchDir, scratchDir } from '../../test/helpers/scratchDir.js';

const cat = catalog();

test('lyle-interventions presets: every intervention x architecture x target, labels the table reads back', () => {
  for (const name of ['lyle-interventions', 'lyle-interventions-laptop']) {
    const p = cat.presets.get(name);
    const parts = (p.conditions ?? []).map((c) => parseLyleLabel(c.label)!);
    assert.equal(parts.length, 60, name);
    assert.equal(new Set(parts.map((q) => q.intervention)).size, 6);
    assert.deepEqual([...new Set(parts.map((q) => q.arch))], ['mlp', 'conv-net', 'resnet18', 'vit', 'classification-mdp']);
    assert.deepEqual([...new Set(parts.map((q) => q.target))], ['categorical', 'regression']);
    for (const c of (p.conditions ?? []).filter((x) => x.benchmark === undefined)) {
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
  const out = scratchDir('supple-lyle-run-');
  t.after(() => removeScratchDir(out));
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

const rlCat = { ...cat, rlBenchmarks: rlBenchmarkRegistry };

test('lyle-interventions presets: the classification MDP as a column, every intervention x {categorical, regression} on a DQN', () => {
  for (const name of ['lyle-interventions', 'lyle-interventions-laptop']) {
    const p = cat.presets.get(name);
    const mdp = (p.conditions ?? []).filter((c) => parseLyleLabel(c.label)!.arch === 'classification-mdp');
    assert.equal(mdp.length, 12, name);
    for (const c of mdp) {
      assert.equal(c.benchmark, 'classification-mdp', c.label);
      assert.ok(isRlRequest(cat, undefined, name, undefined, c.label), `${c.label}: supple run dispatches it to the RL runner`);
      const config = resolveRlRunConfig({ preset: name, condition: c.label }, rlCat, '0');
      const q = parseLyleLabel(c.label)!;
      const agent = config.agent as DqnConfig;
      assert.equal(config.kind, 'rl');
      assert.equal(config.benchmark.name, 'classification-mdp');
      assert.equal(agent.valueHead.kind, q.target === 'categorical' ? 'hl-gauss' : 'scalar', c.label);
      assert.equal(agent.loss, 'mse');
      // The intervention, and only it, changes the agent.
      assert.equal(agent.spectralNorm, q.intervention === 'spectral norm' ? 'all' : 'none', c.label);
      assert.equal(agent.layerNorm, q.intervention === 'layer norm', c.label);
      assert.equal(agent.weightDecay, q.intervention === 'weight decay' ? 1e-4 : 0, c.label);
      const method = { 'reset last layer': 'head-reset', 'shrink & perturb': 'shrink-perturb' }[q.intervention] ?? 'bp';
      assert.deepEqual(config.methods.map((m) => m.name), [method], c.label);
      assert.equal(agent.boundaryEveryTargetUpdates, method === 'bp' ? 0 : name.endsWith('laptop') ? 4 : 10, c.label);
      if (method === 'shrink-perturb') assert.deepEqual([config.methods[0]!.schedule, config.methods[0]!.shrink, config.methods[0]!.noise], ['at-boundary', 0.8, 0.01]);
    }
    assert.throws(() => resolveRunConfig({ preset: name, condition: mdp[0]!.label }, cat, '0'), /classification-mdp/);
  }
  const laptop = resolveRlRunConfig({ preset: 'lyle-interventions-laptop', condition: 'none / classification-mdp / regression' }, rlCat, '0');
  assert.deepEqual([laptop.benchmark.dataset, laptop.benchmark.images, laptop.benchmark.steps, (laptop.agent as DqnConfig).targetNetworkFrequency], ['digits', 1000, 10_000, 500]);
  // A sweep over the preset expands to 60 conditions x seeds: the MDP points resolved by the RL runner, folders of their own.
  const points = expandSweep(sweepSchema.parse({ preset: 'lyle-interventions-laptop', seeds: 2 }), cat, '0');
  assert.equal(points.length, 120);
  const rl = points.filter((x) => (x.config as { kind?: string }).kind === 'rl');
  assert.equal(rl.length, 24);
  assert.ok(rl.every((x) => x.request.condition!.includes('/ classification-mdp /') && x.dir.includes('classification-mdp')));
  assert.equal(new Set(points.map((x) => x.dir)).size, 120);
});

test('a tiny real classification-MDP run of the study ends with the metric the table reads, one value per target update', async (t) => {
  const out = scratchDir('supple-lyle-mdp-run-');
  t.after(() => removeScratchDir(out));
  const label = 'spectral norm / classification-mdp / categorical';
  const config = resolveRlRunConfig(
    { preset: 'lyle-interventions-laptop', condition: label, seed: 1, backend: 'ts', set: { steps: 400, images: 64, 'agent.learningStarts': 100, 'agent.targetNetworkFrequency': 100, 'agent.hidden': [16, 16], 'agent.batchSize': 16, 'run.checkpointSeconds': 0 } },
    rlCat,
    '0',
  );
  const run = join(out, 'run');
  const summary = await startRlRun(config, { out: run, catalog: rlCat });
  assert.equal(summary.status, 'complete');
  const records = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  const fits = records.filter((r) => r[LYLE_MDP_METRIC] !== undefined);
  // Target updates at vector steps 200 and 300 (after learning starts at 100; the loop stops before 400).
  assert.deepEqual(fits.map((r) => r['dqn/targetUpdate']), [1, 2]);
  for (const r of fits) assert.ok(Number.isFinite(r[LYLE_MDP_METRIC]) && r[LYLE_MDP_METRIC]! > 0, `TD loss ${r[LYLE_MDP_METRIC]}`);
  const table = lyleTable((await loadRuns([run])).runs, 1)!;
  const cell = lyleCell(table, 'categorical', 'classification-mdp', 'spectral norm')!;
  assert.equal(cell.metric, LYLE_MDP_METRIC);
  assert.equal(cell.final!.mean, fits[1]![LYLE_MDP_METRIC]);
  assert.equal(cell.initial!.mean, fits[0]![LYLE_MDP_METRIC]);
});
