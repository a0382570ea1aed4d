import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandSweep, runArgs, sweepSchema } from './sweep.js';
import { parseConfig } from '../config/parseConfig.js';
import { testCatalog } from '../../test/helpers/testCatalog.js';
import { parseSetting } from './settings.js';
import { catalog as fullCatalog } from './catalog.js';

const catalog = testCatalog();

test('a sweep expands conditions x grid x seeds into distinct folders', () => {
  const s = parseConfig(sweepSchema, { benchmark: 'tiny', set: { tasks: 2 }, grid: { method: ['bp', 'random-reset'], 'optimizer.lr': [0.1, 0.01] }, seeds: 2 }, 'sweep');
  const points = expandSweep(s, catalog, '0');
  assert.equal(points.length, 8);
  assert.deepEqual(points.slice(0, 2).map((p) => p.dir), ['method=bp,optimizer.lr=0.1/s0', 'method=bp,optimizer.lr=0.1/s1']);
  assert.deepEqual(points[0]!.request.methods, ['bp']);
  assert.equal(points[4]!.request.set!['optimizer.lr'], 0.1);
  assert.deepEqual(points[4]!.request.methods, ['random-reset']);
});

test('preset conditions are the default grid; every point is validated up front', () => {
  const withConds = { ...catalog, presets: catalog.presets };
  const p = parseConfig(sweepSchema, { preset: 'tiny-paper', conditions: [{ label: 'bp', methods: 'bp' }, { label: 'reset', methods: ['random-reset'], set: { 'method.every': 2 } }], seeds: [3] }, 'sweep');
  const pts = expandSweep(p, withConds, '0');
  assert.deepEqual(pts.map((x) => x.dir), ['bp/s3', 'reset/s3']);
  const bad = parseConfig(sweepSchema, { benchmark: 'tiny', grid: { tasks: [1, 0] } }, 'sweep');
  assert.throws(() => expandSweep(bad, catalog, '0'), /tasks = 0 is not allowed/);
  assert.throws(() => parseConfig(sweepSchema, { benchmark: 'tiny', seed: 3 }, 'sweep x.yaml'), /'seed' is not an option; known keys: benchmark, preset/);
});

test('run arguments round-trip values through --set', () => {
  const args = runArgs({ benchmark: 'tiny', methods: ['bp'], set: { 'model.hidden': [4, 4], 'method.utility': 'adaptable', lr: 1e-4 }, seed: 2 }, 'out/x');
  const sets = args.flatMap((a, i) => (args[i - 1] === '--set' ? [parseSetting(a)] : []));
  assert.deepEqual(sets, [['model.hidden', [4, 4]], ['method.utility', 'adaptable'], ['lr', 1e-4]]);
});

test("conditions given as labels run only those of the preset's conditions; an unknown label names the allowed ones", () => {
  const full = fullCatalog();
  const s = parseConfig(sweepSchema, { preset: 'dohare-slippery-ant-laptop', conditions: ['ppo', 'ppo-cbp-l2'], seeds: 2 }, 'sweep');
  const pts = expandSweep(s, full, '0');
  assert.deepEqual(pts.map((x) => x.dir), ['ppo/s0', 'ppo/s1', 'ppo-cbp-l2/s0', 'ppo-cbp-l2/s1']);
  assert.equal(pts[2]!.request.condition, 'ppo-cbp-l2');
  const bad = parseConfig(sweepSchema, { preset: 'dohare-slippery-ant-laptop', conditions: ['ppo-sgd'] }, 'sweep');
  assert.throws(() => expandSweep(bad, full, '0'), /"ppo-sgd" is not a condition of preset dohare-slippery-ant-laptop \(allowed: ppo, ppo-adam-tuned, ppo-l2, ppo-cbp-l2, ppo-redo\)/);
});
