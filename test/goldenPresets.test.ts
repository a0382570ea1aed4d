// Golden values: the first task of every condition of every preset (the first condition first), cut down to a sliver, on the ts and wasm
// backends, through the same path as `supple run --preset P --condition C`. A change of the numbers means a
// change of results: if it is intended (a fixed definition, a new random stream), regenerate with
//   SUPPLE_UPDATE_GOLDEN=1 node --test dist/test/goldenPresets.test.js
// and say in the commit which presets changed and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog } from '../src/experiment/catalog.js';
import { resolveRunConfig } from '../src/experiment/runConfig.js';
import { startRun } from '../src/experiment/runExperiment.js';
import { presetList } from '../src/experiment/presets.js';
import { presetBenchmark, type Preset } from '../src/experiment/Preset.js';
import { resolveRlRunConfig, startRlRun } from '../src/experiment/runRl.js';
import { DQN_TIMING_KEYS } from '../src/rl/dqnLoop.js';
import { rlBenchmarkRegistry } from '../src/rl/rlBenchmarks.js';
import type { DataSource } from '../src/benchmarks/Benchmark.js';
import { fixtureDataSource } from './helpers/fixtureData.js';
import { removeScratchDir, scratchDir } from './helpers/scratchDir.js';

const goldenPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'golden', 'presets.json');
const update = process.env.SUPPLE_UPDATE_GOLDEN === '1';

/** Each benchmark cut to one small task (the preset's other settings, model and optimizer stay). */
const slivers: Record<string, Record<string, unknown>> = {
  'permuted-mnist': { tasks: 1, examplesPerTask: 40 },
  'slowly-changing-regression': { tasks: 1, steps: 0, examplesPerTask: 300 },
  'continual-binary': { tasks: 1, epochs: 2, examplesPerTask: 6, testFromTrain: 2 },
  'class-incremental': { tasks: 1, epochs: 2, examplesPerTask: 2, valPerClass: 1 },
  'random-labels': { tasks: 1, stepsPerTask: 12, examplesPerTask: 32 },
  'warm-start': { tasks: 1, examplesPerTask: 12, maxEpochs: 2 },
};
/**
 * Conditions of a supervised preset on an RL benchmark (the Lyle table's classification-MDP column): a few hundred
 * steps of a small Q-network, two target updates (wall-clock keys such as steps per second left out), on the shipped
 * digits (the RL runner reads its images itself, without the fixture data: MNIST would need a download).
 */
const rlSlivers: Record<string, Record<string, unknown>> = {
  'classification-mdp': { dataset: 'digits', steps: 300, images: 32, 'agent.learningStarts': 100, 'agent.targetNetworkFrequency': 100, 'agent.hidden': [16, 16], 'agent.batchSize': 16 },
};

/** Narrower ResNets and ViTs: the golden run checks the code path, not the paper's width. */
const modelSlivers: Record<string, Record<string, unknown>> = { resnet18: { 'model.width': 4 }, vit: { 'model.width': 16, 'model.depth': 1, 'model.heads': 2 } };

/** ImageNet32 needs an account (no fixture of its 1000 classes): its presets run on the CIFAR-10 stand-in, same shape. */
const datasetStandIns: Record<string, string> = { imagenet32: 'cifar10' };

type Records = Record<string, unknown>[];

/** One data folder for every supervised run of this file (the runs only read it). */
let data: DataSource | undefined;

async function firstTask(preset: string, condition: string | undefined, backend: string): Promise<Records> {
  const cat = catalog();
  const p = cat.presets.get(preset);
  const rlBench = presetBenchmark(p, condition);
  if (rlBenchmarkRegistry.has(rlBench)) return firstRlTask(preset, condition, rlBench, backend);
  const base = resolveRunConfig({ preset, ...(condition ? { condition } : {}) }, cat, '0');
  const standIn = datasetStandIns[String(base.benchmark.dataset)];
  const set = { ...slivers[p.benchmark], ...(modelSlivers[base.model.arch] ?? {}), ...(standIn ? { dataset: standIn } : {}), 'probes.batchSize': 16 };
  const config = resolveRunConfig({ preset, ...(condition ? { condition } : {}), set, backend }, cat, '0');
  const dir = scratchDir('supple-golden-');
  const out = join(dir, 'run');
  data ??= fixtureDataSource();
  const summary = await startRun(config, { out, catalog: cat, data });
  assert.equal(summary.status, 'complete', `${preset}: ${summary.status}`);
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
  removeScratchDir(dir); // a run's checkpoint is up to ~190 MB: free it before the next
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.task === 0);
}

async function firstRlTask(preset: string, condition: string | undefined, benchmark: string, backend: string): Promise<Records> {
  const cat = { ...catalog(), rlBenchmarks: rlBenchmarkRegistry };
  const sliver = rlSlivers[benchmark];
  assert.ok(sliver, `${preset} / ${condition}: no golden sliver for the RL benchmark ${benchmark} (add one to rlSlivers)`);
  const config = resolveRlRunConfig({ preset, ...(condition ? { condition } : {}), set: { ...sliver, 'run.checkpointSeconds': 0 }, backend }, cat, '0');
  const dir = scratchDir('supple-golden-');
  const out = join(dir, 'run');
  const summary = await startRlRun(config, { out, catalog: cat });
  assert.equal(summary.status, 'complete', `${preset}: ${summary.status}`);
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
  removeScratchDir(dir);
  const timing = new Set<string>(DQN_TIMING_KEYS);
  return lines.map((l) => Object.fromEntries(Object.entries(JSON.parse(l) as Record<string, unknown>).filter(([k]) => !timing.has(k)))).filter((r) => r.task === 0);
}

const golden: Record<string, Record<string, Records>> = existsSync(goldenPath) ? JSON.parse(readFileSync(goldenPath, 'utf8')) : {};

for (const backend of ['ts', 'wasm']) {
  test(`golden: the first task of every condition of every preset (${backend})`, async () => {
    const seen: string[] = [];
    const points: Array<[Preset, string | undefined]> = presetList.flatMap((p): Array<[Preset, string | undefined]> =>
      p.conditions?.length ? p.conditions.map((c) => [p, c.label]) : [[p, undefined]],
    );
    for (const [p, condition] of points) {
      const key = `${p.name}${condition ? ` / ${condition}` : ''}`;
      const records = await firstTask(p.name, condition, backend);
      assert.ok(records.length > 0, `${key}: no records of task 0`);
      seen.push(key);
      if (update) {
        (golden[key] ??= {})[backend] = records;
        continue;
      }
      const want = golden[key]?.[backend];
      assert.ok(want, `${key} (${backend}) has no golden values: regenerate with SUPPLE_UPDATE_GOLDEN=1`);
      assert.deepEqual(records, want, `${key} (${backend}) differs from its golden values`);
    }
    if (update) writeFileSync(goldenPath, `${JSON.stringify(golden, null, 1)}\n`);
    assert.equal(seen.length, points.length);
  });
}
