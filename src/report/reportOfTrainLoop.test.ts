import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Model } from '../nn/Model.js';
import { mlp } from '../nn/models/mlp.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { meanSquaredError } from '../losses/meanSquaredError.js';
import { sgd } from '../optim/optimizers.js';
import { Learner } from '../learn/Learner.js';
import { trainLoop, type MetricRecord } from '../experiment/trainLoop.js';
import { tinyStream } from '../../test/helpers/tinyStream.js';
import { meanAndSe } from './aggregate.js';
import { writeReport } from './writeReport.js';
import { removeScratchDir, scratchDir } from '../../test/helpers/scratchDir.js';

/** A run folder from the real training loop (what `supple run` records), with a probe of the mean |w|. */
function recordRun(dir: string, seed: number, lr: number, regression: boolean): MetricRecord[] {
  const backend = getBackend('ts');
  const base = tinyStream(backend, { inputShape: [4], classes: 3, tasks: 4, examplesPerTask: 30, batchSize: 2, epochs: 2, seed: 11, regression });
  const stream = regression ? { ...base, bin: 20 } : base;
  const model = Model.build(mlp({ hidden: [6, 6], outputs: regression ? 1 : 3 }), { inputShape: [4], backend, rng: Rng.seeded(seed) });
  const learner = new Learner({ model, optimizer: sgd({ lr }), loss: regression ? meanSquaredError : crossEntropy });
  const records: MetricRecord[] = [];
  const weightMagnitude = () => {
    let s = 0, n = 0;
    for (const p of model.params) if (p.role === 'weight') for (const v of p.data) { s += Math.abs(v); n++; }
    return s / n;
  };
  trainLoop({
    stream, learner, methods: [], rng: Rng.seeded(seed + 100), record: (r) => records.push(r),
    probes: { afterStep: () => null, atTaskEnd: () => ({ 'diag/weightMagnitude': weightMagnitude() }) },
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ version: '0.1.0', seed, backend: 'ts', benchmark: { name: regression ? 'tiny-regression' : 'tiny', tasks: 4 }, methods: [{ name: 'bp' }], optimizer: { name: 'sgd', lr } }));
  writeFileSync(join(dir, 'metrics.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ status: 'complete', steps: learner.step, seconds: 0.5, final: {} }));
  return records;
}

test('the report reads what the training loop records', async (t) => {
  const d = scratchDir('supple-report-');
  t.after(() => removeScratchDir(d));
  const byLr = new Map<number, MetricRecord[][]>();
  for (const lr of [0.05, 0.2]) for (const seed of [1, 2, 3]) {
    const recs = recordRun(join(d, 'classification', `lr${lr}`, `s${seed}`), seed, lr, false);
    byLr.set(lr, [...(byLr.get(lr) ?? []), recs]);
  }
  const r = await writeReport([join(d, 'classification')], join(d, 'report'), { finalFraction: 0.25, png: false });
  assert.deepEqual(r.conditions.map((c) => c.label), ['bp (lr=0.05)', 'bp (lr=0.2)']);
  for (const f of ['online-accuracy', 'plasticity', 'evaluation', 'evaluation-per-epoch', 'final']) assert.ok(r.figures.some((x) => x.name === f), f);
  // The final online accuracy (last of 4 tasks) and test accuracy after the last epoch, computed here from the
  // records directly.
  for (const [i, lr] of [0.05, 0.2].entries()) {
    const lastTask = byLr.get(lr)!.map((recs) => recs.filter((x) => 'online/accuracy' in x).at(-1)!['online/accuracy']!);
    const expected = meanAndSe(lastTask);
    const got = r.conditions[i]!.final['task:online/accuracy']!;
    assert.ok(Math.abs(got.mean - expected.mean) < 1e-12 && Math.abs(got.se! - expected.se!) < 1e-12, `${lr}: ${got.mean} ± ${got.se} vs ${expected.mean} ± ${expected.se}`);
    const lastEval = byLr.get(lr)!.map((recs) => recs.filter((x) => 'eval/test/accuracy' in x).at(-1)!['eval/test/accuracy']!);
    assert.ok(Math.abs(r.conditions[i]!.final['epoch-last:eval/test/accuracy']!.mean - meanAndSe(lastEval).mean) < 1e-12);
  }
  assert.deepEqual(r.warnings, []);

  recordRun(join(d, 'regression', 's1'), 1, 0.05, true);
  const reg = await writeReport([join(d, 'regression')], join(d, 'report-regression'), { png: false });
  assert.ok(reg.figures.some((x) => x.name === 'error-per-bin'));
  assert.ok(reg.conditions[0]!.final['bin:bin/loss']);
});
