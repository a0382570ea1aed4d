import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveRunConfig } from './runConfig.js';
import { resumeRun, runJob, startRun } from './runExperiment.js';
import { testCatalog } from '../../test/helpers/testCatalog.js';
import { scratchDir } from '../../test/helpers/scratchDir.js';

const catalog = testCatalog();
const tmp = () => scratchDir('supple-run-');

test('config: defaults from the benchmark, settings routed by key, presets', () => {
  const c = resolveRunConfig({ benchmark: 'tiny', methods: ['random-reset'], set: { tasks: 2, 'method.every': 3, 'optimizer.lr': 0.1, 'model.hidden': [4] } }, catalog, '0.0.0');
  assert.equal(c.benchmark.tasks, 2);
  assert.equal(c.methods[0]!.every, 3);
  assert.equal(c.optimizer.name, 'adam');
  assert.equal(c.optimizer.lr, 0.1);
  assert.deepEqual(c.model.hidden, [4]);
  const p = resolveRunConfig({ preset: 'tiny-paper', set: { tasks: 1 } }, catalog, '0.0.0');
  assert.equal(p.benchmark.tasks, 1);
  assert.equal(p.methods[0]!.name, 'random-reset');
  assert.equal(p.methods[0]!.every, 5);
  const alias = resolveRunConfig({ benchmark: 'tiny', methods: ['bp', 'random-reset'], set: { 'random-reset.every': 2 } }, catalog, '0.0.0');
  assert.equal(alias.methods[1]!.every, 2);
});

test('config errors name every bad key and value with what is allowed, before any work', () => {
  assert.throws(
    () => resolveRunConfig({ benchmark: 'tiny', methods: ['random-reset'], set: { tasks: 0, bogus: 1, 'method.evry': 3, 'optimizer.name': 'rmsprop' }, seed: -1, backend: 'gpu' }, catalog, '0.0.0'),
    (e: Error) => {
      const m = e.message;
      assert.match(m, /benchmark tiny: tasks = 0 is not allowed: must be >= 1|tasks = 0 is not allowed/);
      assert.match(m, /'bogus' is not a setting; use benchmark options \(tasks, examplesPerTask, batchSize, epochs\)/);
      assert.match(m, /method.evry: no chosen method has an option 'evry' \(random-reset: every\)/);
      assert.match(m, /optimizer: name = "rmsprop" is not allowed: allowed: "sgd", "adam", "adamw"/);
      assert.match(m, /seed = -1 is not allowed/);
      assert.match(m, /backend = "gpu" is not allowed: allowed: auto, ts, ts64, wasm, native/);
      return true;
    },
  );
  assert.throws(() => resolveRunConfig({ benchmark: 'nope' }, catalog, '0'), /unknown benchmark 'nope'; known: tiny/);
  assert.throws(() => resolveRunConfig({ benchmark: 'tiny', methods: ['cbq'] }, catalog, '0'), /unknown method 'cbq'; known: bp, random-reset/);
});

test('a stopped run resumed from its checkpoint ends with exactly the metrics and edits of an uninterrupted run', async () => {
  const config = () => resolveRunConfig({ benchmark: 'tiny', methods: ['random-reset'], set: { tasks: 3, 'run.checkpointSeconds': 0 }, seed: 4, backend: 'ts' }, catalog, '0.0.0');
  const full = tmp();
  const s1 = await startRun(config(), { out: full, catalog });
  assert.equal(s1.status, 'complete');
  const part = tmp();
  let n = 0;
  const s2 = await startRun(config(), { out: part, catalog, shouldStop: () => ++n === 33 });
  assert.equal(s2.status, 'stopped');
  assert.ok(existsSync(join(part, 'checkpoint', 'state.ckpt')));
  const s3 = await resumeRun({ out: part, catalog });
  assert.equal(s3.status, 'complete');
  for (const f of ['metrics.jsonl', 'edits.jsonl']) assert.equal(readFileSync(join(part, f), 'utf8'), readFileSync(join(full, f), 'utf8'), f);
  assert.ok(readFileSync(join(full, 'edits.jsonl'), 'utf8').split('\n').length > 5);
  assert.equal(s3.steps, s1.steps);
  await assert.rejects(resumeRun({ out: part, catalog }), /complete already/);
  await assert.rejects(startRun(config(), { out: part, catalog }), /already holds a run/);
});

const tinyConfig = (seed = 4, set: Record<string, unknown> = {}) =>
  resolveRunConfig({ benchmark: 'tiny', methods: ['random-reset'], set: { tasks: 3, 'run.checkpointSeconds': 0, ...set }, seed, backend: 'ts' }, catalog, '0.0.0');

test('a diverging run (lr 1e30) stops as diverged with the step and the key; NaN is written as "NaN", never null; run.checkFinite=false turns it off', async () => {
  const out = tmp();
  const s = await startRun(tinyConfig(4, { 'optimizer.lr': 1e30, 'optimizer.name': 'sgd' }), { out, catalog });
  assert.equal(s.status, 'diverged');
  assert.ok(s.diverged && s.diverged.step > 0 && /^(loss|param\/)/.test(s.diverged.key), JSON.stringify(s.diverged));
  const summary = readFileSync(join(out, 'summary.json'), 'utf8');
  assert.equal(JSON.parse(summary).status, 'diverged');
  await assert.rejects(resumeRun({ out, catalog }), /diverged at step \d+/);
  const off = tmp();
  const s2 = await startRun(tinyConfig(4, { 'optimizer.lr': 1e30, 'optimizer.name': 'sgd', 'run.checkFinite': false }), { out: off, catalog });
  assert.equal(s2.status, 'complete');
  const metrics = readFileSync(join(off, 'metrics.jsonl'), 'utf8');
  assert.match(metrics, /"online\/loss":"NaN"/);
  assert.doesNotMatch(metrics + readFileSync(join(off, 'summary.json'), 'utf8'), /:null/);
});

test('resume validates config.json again: an edited or corrupted config is an error naming the key, never a run on garbage', async () => {
  const out = tmp();
  let n = 0;
  assert.equal((await startRun(tinyConfig(), { out, catalog, shouldStop: () => ++n === 20 })).status, 'stopped');
  const path = join(out, 'config.json');
  const good = readFileSync(path, 'utf8');
  writeFileSync(path, good.replace('"tasks": 3', '"tasks": -3'));
  await assert.rejects(resumeRun({ out, catalog }), /config\.json.*tasks = -3 is not allowed/s);
  writeFileSync(path, good.replace(/"lr": [^,\n]+/, '"lr": "fast"'));
  await assert.rejects(resumeRun({ out, catalog }), /lr = "fast" is not allowed/);
  writeFileSync(path, good.slice(0, 40));
  await assert.rejects(resumeRun({ out, catalog }), /config\.json: not valid JSON/);
  writeFileSync(path, good);
  assert.equal((await resumeRun({ out, catalog })).status, 'complete');
});

test('a checkpoint of another run (seed, config) or with a flipped bit is refused, saying what differs', async () => {
  const a = tmp(), b = tmp();
  let n = 0;
  await startRun(tinyConfig(4), { out: a, catalog, shouldStop: () => ++n === 20 });
  n = 0;
  await startRun(tinyConfig(5), { out: b, catalog, shouldStop: () => ++n === 30 });
  const ck = (d: string) => join(d, 'checkpoint', 'state.ckpt');
  const mine = readFileSync(ck(a));
  writeFileSync(ck(a), readFileSync(ck(b)));
  await assert.rejects(resumeRun({ out: a, catalog }), /belongs to another run .*seed: 5 -> 4/);
  const flipped = Buffer.from(mine);
  flipped[flipped.length - 5]! ^= 1;
  writeFileSync(ck(a), flipped);
  await assert.rejects(resumeRun({ out: a, catalog }), /state\.ckpt is damaged \(SHA-256/);
  writeFileSync(ck(a), mine);
  assert.equal((await resumeRun({ out: a, catalog })).status, 'complete');
});

test('runJob: runs an empty folder, resumes the same run, returns a finished one, refuses a folder of another config', async () => {
  const out = tmp();
  let n = 0;
  assert.equal((await runJob(tinyConfig(), { out, catalog, shouldStop: () => ++n === 10 })).status, 'stopped');
  assert.equal((await runJob(tinyConfig(), { out, catalog })).status, 'complete');
  assert.equal((await runJob(tinyConfig(), { out, catalog })).status, 'complete');
  await assert.rejects(runJob(tinyConfig(4, { tasks: 2 }), { out, catalog }), /holds another run .*benchmark\.tasks: 3 -> 2/);
});
