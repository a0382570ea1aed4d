import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog } from '../src/experiment/catalog.js';
import { resolveRunConfig } from '../src/experiment/runConfig.js';
import { startRun } from '../src/experiment/runExperiment.js';
import { presetList } from '../src/experiment/presets.js';
import { resolveRlRunConfig, startRlRun } from '../src/experiment/runRl.js';
import { rlBenchmarkRegistry } from '../src/rl/rlBenchmarks.js';
import { scratchDir } from './helpers/scratchDir.js';

const cat = catalog();
const rlCat = { ...cat, rlBenchmarks: rlBenchmarkRegistry };
/** A condition on an RL benchmark (the Lyle table's classification-MDP column) resolves through the RL runner's config. */
const onRl = (c: { benchmark?: string }) => c.benchmark !== undefined && rlBenchmarkRegistry.has(c.benchmark);
const sharedData = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data');

test('every preset and every condition of it resolves to a valid config, and says its scale and paper', () => {
  const names = new Set<string>();
  for (const p of presetList) {
    assert.ok(!names.has(p.name));
    names.add(p.name);
    assert.ok(p.scale === 'full' || p.scale === 'laptop');
    assert.ok(p.paper.length > 10 && p.description.length > 10);
    const base = resolveRunConfig({ preset: p.name }, cat, '0');
    assert.equal(base.benchmark.name, p.benchmark);
    for (const c of p.conditions ?? []) {
      const r = onRl(c) ? resolveRlRunConfig({ preset: p.name, condition: c.label }, rlCat, '0') : resolveRunConfig({ preset: p.name, condition: c.label }, cat, '0');
      assert.deepEqual(r.methods.map((m) => m.name), [...c.methods], `${p.name} / ${c.label}`);
      assert.equal(r.label, c.label);
      assert.equal(r.benchmark.name, c.benchmark ?? p.benchmark, `${p.name} / ${c.label}`);
    }
  }
  const laptop = presetList.filter((p) => p.scale === 'laptop').map((p) => p.name);
  for (const full of presetList.filter((p) => p.scale === 'full')) assert.ok(laptop.some((l) => l.startsWith(full.name.replace(/-cifar100$|-small$/, ''))), `${full.name} has a laptop version`);
  assert.throws(() => resolveRunConfig({ preset: 'dohare-permuted-mnist-laptop', condition: 'nope' }, cat, '0'), /has no condition 'nope'; conditions: bp, shrink-perturb, cbp/);
  assert.throws(() => resolveRunConfig({ preset: 'dohare-permuted-mnist-laptop', condition: 'cbp', methods: ['bp'] }, cat, '0'), /drop --method/);
});

test('the settings of a preset condition reach the run (cbp adaptable, every-step shrink-perturb)', () => {
  const cbp = resolveRunConfig({ preset: 'dohare-permuted-mnist-laptop', condition: 'cbp' }, cat, '0');
  assert.equal(cbp.methods[0]!.utility, 'adaptable');
  assert.equal(cbp.optimizer.lr, 0.01);
  const sp = resolveRunConfig({ preset: 'dohare-permuted-mnist-laptop', condition: 'shrink-perturb' }, cat, '0');
  assert.equal(sp.methods[0]!.schedule, 'every-step');
  assert.ok(Math.abs((sp.methods[0]!.shrink as number) - (1 - 0.01 * 1e-3)) < 1e-12);
  const bp = resolveRunConfig({ preset: 'dohare-permuted-mnist-laptop', condition: 'bp' }, cat, '0');
  assert.deepEqual(bp.methods, [{ name: 'bp' }], 'cbp settings of the preset do not leak into a bp run');
});

test('each laptop preset condition runs (cut down to a sliver) on the real data', { skip: !existsSync(join(sharedData, 'mnist')) && 'no ../shared/data' }, async () => {
  const slivers: Record<string, Record<string, unknown>> = {
    'permuted-mnist': { tasks: 2, examplesPerTask: 50 },
    'slowly-changing-regression': { tasks: 2, examplesPerTask: 200 },
    'continual-binary': { tasks: 2, epochs: 1, examplesPerTask: 20, testFromTrain: 10 },
    'class-incremental': { tasks: 2, epochs: 1, examplesPerTask: 20, valPerClass: 5 },
    'random-labels': { tasks: 2, stepsPerTask: 20, examplesPerTask: 64 },
    'warm-start': { tasks: 2, examplesPerTask: 40, maxEpochs: 2 },
  };
  for (const p of presetList.filter((x) => x.scale === 'laptop')) {
    for (const c of p.conditions ?? []) {
      const out = join(scratchDir('supple-preset-'), 'run');
      if (onRl(c)) {
        const rl = resolveRlRunConfig({ preset: p.name, condition: c.label, set: { steps: 300, 'agent.learningStarts': 100, 'agent.targetNetworkFrequency': 100, dataDir: sharedData } }, rlCat, '0');
        assert.equal((await startRlRun(rl, { out, catalog: rlCat })).status, 'complete', `${p.name} / ${c.label}`);
        continue;
      }
      const config = resolveRunConfig({ preset: p.name, condition: c.label, set: { ...slivers[p.benchmark], 'probes.batchSize': 16 }, dataDir: sharedData }, cat, '0');
      const s = await startRun(config, { out, catalog: cat });
      assert.equal(s.status, 'complete', `${p.name} / ${c.label}`);
    }
  }
});

test("reference configs: Continual ImageNet's L2 condition at step size 0.03 (lop/imagenet/cfg/l2.json), slowly-changing regression with the reference code's thresholds", () => {
  for (const name of ['dohare-continual-imagenet', 'dohare-continual-imagenet-laptop']) {
    const l2 = resolveRunConfig({ preset: name, condition: 'l2' }, cat, '0');
    assert.equal(l2.optimizer.lr, 0.03, name);
    assert.equal(l2.optimizer.momentum, 0.9, name);
    assert.equal(l2.methods[0]!.coef, 3e-6, name);
    assert.equal(resolveRunConfig({ preset: name, condition: 'bp' }, cat, '0').optimizer.lr, 0.01, name);
  }
  for (const name of ['dohare-slowly-changing-regression', 'dohare-slowly-changing-regression-laptop']) {
    assert.equal(resolveRunConfig({ preset: name, condition: name.endsWith('laptop') ? 'bp' : 'bp relu' }, cat, '0').benchmark.thresholds, 'reference-code', name);
  }
});
