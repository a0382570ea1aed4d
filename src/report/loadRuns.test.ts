import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSyntheticRun } from '../../test/helpers/syntheticRuns.js';
import { loadRuns } from './loadRuns.js';
import { CONDITION_COLORS } from './groupConditions.js';
import { removeScratchDir, scratchDir } from '../../test/helpers/scratchDir.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = scratchDir('supple-report-');
  t.after(() => removeScratchDir(dir));
  return dir;
}

test('runs that differ only in their seed are one condition; labels name what differs', async (t) => {
  const d = tempDir(t);
  const acc = [0.5, 0.6];
  for (const seed of [0, 1, 2]) writeSyntheticRun({ dir: join(d, `bp-lr0.01-${seed}`), seed, methods: ['bp'], accuracy: acc, config: { optimizer: { name: 'sgd', lr: 0.01 } } });
  for (const seed of [0, 1]) writeSyntheticRun({ dir: join(d, `bp-lr0.003-${seed}`), seed, methods: ['bp'], accuracy: acc, config: { optimizer: { name: 'sgd', lr: 0.003 }, preset: `p${seed}` } });
  for (const rho of [1e-4, 1e-3]) writeSyntheticRun({ dir: join(d, `cbp-${rho}`), seed: 0, methods: [{ name: 'cbp', rho }, { name: 'l2', weightDecay: 1e-4 }], accuracy: acc, config: { optimizer: { name: 'sgd', lr: 0.003 } } });
  writeSyntheticRun({ dir: join(d, 'named'), seed: 0, methods: ['bp'], accuracy: acc, label: 'my baseline', config: { optimizer: { name: 'sgd', lr: 0.1 } } });

  const { runs, conditions } = await loadRuns([d]);
  assert.equal(runs.length, 8);
  assert.deepEqual(conditions.map((c) => c.label), [
    'bp (lr=0.003)', 'bp (lr=0.01)', 'cbp+l2 (lr=0.003, rho=1e-4)', 'cbp+l2 (lr=0.003, rho=1e-3)', 'my baseline',
  ]);
  // A preset name does not split a condition; seeds are sorted.
  assert.deepEqual(conditions[0]!.runs.map((r) => r.seed), [0, 1]);
  assert.deepEqual(conditions[1]!.runs.map((r) => r.seed), [0, 1, 2]);
  assert.deepEqual(conditions.map((c) => c.color), CONDITION_COLORS.slice(0, 5));
  // The config table: what differs, with '—' where a condition has no such key.
  assert.equal(conditions[2]!.settings['methods'], 'cbp+l2');
  assert.equal(conditions[2]!.settings['methods.cbp.rho'], '1e-4');
  assert.equal(conditions[0]!.settings['methods.cbp.rho'], '—');
  assert.equal(conditions[4]!.settings['optimizer.lr'], '0.1');
});

test('a sweep folder is searched two levels down; the same run given twice counts once', async (t) => {
  const d = tempDir(t);
  writeSyntheticRun({ dir: join(d, 'sweep', 'lr=0.1', 'seed=0'), seed: 0, accuracy: [0.5] });
  writeSyntheticRun({ dir: join(d, 'sweep', 'lr=0.1', 'seed=1'), seed: 1, accuracy: [0.5] });
  writeSyntheticRun({ dir: join(d, 'sweep', 'other'), seed: 2, accuracy: [0.5] });
  writeFileSync(join(d, 'sweep', 'sweep.json'), '{}');
  mkdirSync(join(d, 'sweep', 'report'));
  const r = await loadRuns([join(d, 'sweep'), join(d, 'sweep', 'other')]);
  assert.equal(r.runs.length, 3);
  assert.equal(r.conditions.length, 1);
  assert.deepEqual(r.conditions[0]!.runs.map((x) => x.seed), [0, 1, 2]);
});

test('folders that are not runs are errors naming the path', async (t) => {
  const d = tempDir(t);
  await assert.rejects(loadRuns([join(d, 'missing')]), (e: Error) => e.message.includes('no such folder') && e.message.includes(join(d, 'missing')));
  mkdirSync(join(d, 'empty', 'a', 'b', 'c'), { recursive: true });
  await assert.rejects(loadRuns([join(d, 'empty')]), (e: Error) => /not a run folder \(no config\.json\)/.test(e.message) && e.message.includes(join(d, 'empty')));
  mkdirSync(join(d, 'bad'));
  writeFileSync(join(d, 'bad', 'config.json'), '{"seed": 1,');
  await assert.rejects(loadRuns([join(d, 'bad')]), (e: Error) => e.message.includes(join(d, 'bad', 'config.json')) && e.message.includes('not valid JSON'));
  await assert.rejects(loadRuns([]), /no run folders given/);
});

test('a killed run: its partial last line and missing summary are warnings, its records are kept', async (t) => {
  const d = tempDir(t);
  writeSyntheticRun({ dir: join(d, 'a'), seed: 0, accuracy: [0.5, 0.6, 0.7], complete: false, partialLastLine: true });
  writeSyntheticRun({ dir: join(d, 'b'), seed: 1, accuracy: [0.5, 0.6, 0.7] });
  appendFileSync(join(d, 'b', 'metrics.jsonl'), 'garbage\n{"step": 400, "task": 3, "examples": 400, "online/accuracy": 0.8}\n');
  const r = await loadRuns([join(d, 'a'), join(d, 'b')]);
  const a = r.runs.find((x) => x.seed === 0)!;
  const b = r.runs.find((x) => x.seed === 1)!;
  assert.equal(a.records.length, 3);
  assert.equal(a.summary, null);
  assert.equal(b.records.length, 4);
  assert.ok(r.warnings.some((w) => w.includes(join(d, 'a', 'metrics.jsonl')) && w.includes('last line is incomplete')), r.warnings.join('\n'));
  assert.ok(r.warnings.some((w) => w.includes(join(d, 'b', 'metrics.jsonl')) && w.includes('not valid JSON')));
  assert.ok(r.warnings.some((w) => w.includes('1 of 2 runs have no complete summary.json') && w.includes(join(d, 'a'))));
});

test('two folders holding the same seed of a condition: the complete one is used, with a warning', async (t) => {
  const d = tempDir(t);
  writeSyntheticRun({ dir: join(d, 'first'), seed: 4, accuracy: [0.5], complete: false });
  writeSyntheticRun({ dir: join(d, 'again'), seed: 4, accuracy: [0.5] });
  const r = await loadRuns([d]);
  assert.equal(r.conditions[0]!.runs.length, 1);
  assert.equal(r.conditions[0]!.runs[0]!.path, join(d, 'again'));
  assert.ok(r.warnings.some((w) => w.includes('same seed 4')));
});
