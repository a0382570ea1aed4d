import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunData, RunRecord } from './RunFolder.js';
import { probesPerStep, recordKind, runSeries, STEPS_PER_TASK } from './runSeries.js';

const run = (records: Record<string, number | null>[]): RunData => ({
  path: '/x', config: {}, seed: 0, records: records as RunRecord[], edits: { count: 0, byKind: {} }, summary: null, startedAt: null, updatedAt: null, warnings: [],
});

test('records are told apart by the keys the training loop writes with them', () => {
  assert.equal(recordKind({ step: 1, task: 0, epoch: 0, 'train/loss': 1 }), 'epoch');
  assert.equal(recordKind({ step: 1, task: 0, examples: 40000, 'bin/loss': 1 }), 'bin');
  assert.equal(recordKind({ step: 1, task: 0, examples: 10, 'online/accuracy': 1 }), 'task');
  assert.equal(recordKind({ step: 1, task: 0, examples: 10 }), 'task');
  assert.equal(recordKind({ step: 1, task: 0, 'diag/effectiveRank/h1': 3 }), 'probe');
});

test('every metric becomes a curve on its own axis; layers are also averaged', () => {
  const r = run([
    { step: 5, task: 0, epoch: 0, 'train/loss': 0.9, 'eval/test/accuracy': 0.5 },
    { step: 10, task: 0, epoch: 1, 'train/loss': 0.7, 'eval/test/accuracy': 0.6 },
    { step: 10, task: 0, examples: 10, 'online/accuracy': 0.55, 'method/replaced/h1': 2 },
    { step: 10, task: 0, 'diag/deadFraction/h1': 0.1, 'diag/deadFraction/h2': 0.3, 'diag/weightMagnitude': 0.05 },
    { step: 25, task: 1, epoch: 0, 'train/loss': null, 'eval/test/accuracy': 0.7 },
    { step: 25, task: 1, examples: 20, 'online/accuracy': 0.65 },
    { step: 25, task: 1, 'diag/deadFraction/h1': 0.2, 'diag/deadFraction/h2': null, 'diag/weightMagnitude': 0.06 },
  ]);
  const s = runSeries(r, 'task');
  assert.deepEqual([...s.get('task:online/accuracy')!.points], [[0, 0.55], [1, 0.65]]);
  assert.deepEqual([...s.get('epoch:eval/test/accuracy')!.points], [[1, 0.5], [2, 0.6], [3, 0.7]]);
  assert.deepEqual([...s.get('epoch-last:eval/test/accuracy')!.points], [[0, 0.6], [1, 0.7]]);
  // A null (NaN in the file) is a missing point, not a zero.
  assert.deepEqual([...s.get('epoch:train/loss')!.points], [[1, 0.9], [2, 0.7]]);
  assert.deepEqual([...s.get('task:method/replaced/h1')!.points], [[0, 2]]);
  // Mean over the layers present in each record: (0.1 + 0.3)/2, then only h1.
  const dead = s.get('probe:diag/deadFraction')!;
  assert.deepEqual(dead.layers, ['h1', 'h2']);
  assert.equal(dead.points.get(0), 0.2);
  assert.equal(dead.points.get(1), 0.2);
  assert.deepEqual([...s.get('probe:diag/deadFraction/h2')!.points], [[0, 0.3]]);
  assert.deepEqual(s.get('probe:diag/weightMagnitude')!.layers, []);
  assert.deepEqual([...s.get(`task:${STEPS_PER_TASK}`)!.points], [[0, 10], [1, 15]]);
});

test('probes are plotted against steps when a run probes more than once per task', () => {
  const once = run([{ step: 10, task: 0, 'diag/x': 1 }, { step: 20, task: 1, 'diag/x': 2 }]);
  const often = run([{ step: 10, task: 0, 'diag/x': 1 }, { step: 20, task: 0, 'diag/x': 2 }]);
  assert.equal(probesPerStep(once), false);
  assert.equal(probesPerStep(often), true);
  assert.deepEqual([...runSeries(often, 'step').get('probe:diag/x')!.points], [[10, 1], [20, 2]]);
  assert.equal(runSeries(often, 'step').get('probe:diag/x')!.x, 'step');
});

test('bins are plotted against examples seen', () => {
  const s = runSeries(run([{ step: 40000, task: 3, examples: 40000, 'bin/loss': 0.2 }, { step: 80000, task: 7, examples: 80000, 'bin/loss': 0.3 }]), 'task');
  assert.deepEqual([...s.get('bin:bin/loss')!.points], [[40000, 0.2], [80000, 0.3]]);
  assert.equal(s.get('bin:bin/loss')!.x, 'examples');
});
