import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalog } from './catalog.js';
import { resolveRunConfig } from './runConfig.js';
import { startRun } from './runExperiment.js';
import { scratchDir } from '../../test/helpers/scratchDir.js';

const cat = catalog();
const metrics = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, number>);

test('slowly-changing regression with a categorical value head: atoms as outputs, cross-entropy as the loss, the decoded squared error beside it', async () => {
  const run = async (valueHead: Record<string, unknown>) => {
    const out = scratchDir('supple-vh-');
    const config = resolveRunConfig(
      { benchmark: 'slowly-changing-regression', seed: 1, backend: 'ts', set: { tasks: 2, examplesPerTask: 400, bin: 200, valueHead, 'run.checkpointSeconds': 0 } },
      cat,
      '0',
    );
    await startRun(config, { out, catalog: cat });
    return metrics(out).filter((r) => r['bin/loss'] !== undefined);
  };
  const scalar = await run({ kind: 'scalar' });
  const twoHot = await run({ kind: 'two-hot', bins: 21, min: -8, max: 8 });
  const gauss = await run({ kind: 'hl-gauss', bins: 21, min: -8, max: 8 });
  assert.equal(scalar.length, 4);
  assert.ok(scalar.every((r) => r['bin/mse'] === undefined), 'an MSE head records its loss only');
  for (const rs of [twoHot, gauss]) {
    assert.equal(rs.length, 4);
    for (const r of rs) assert.ok(Number.isFinite(r['bin/mse']) && r['bin/mse']! >= 0 && r['bin/loss']! > 0);
    // Cross-entropy over 21 atoms starts near log 21 and falls as the net learns.
    assert.ok(rs[0]!['bin/loss']! < Math.log(21) + 0.5 && rs[3]!['bin/loss']! < rs[0]!['bin/loss']!, `CE ${rs.map((r) => r['bin/loss']).join(', ')}`);
  }
  assert.throws(() => resolveRunConfig({ benchmark: 'slowly-changing-regression', set: { valueHead: { kind: 'two-hot', min: 2, max: 1 } } }, cat, '0'), /max must be greater than min/);
});

test('random-label regression: MSE, two-hot and HL-Gauss heads all fit the same targets (memorization loss and decoded MSE fall with training)', async () => {
  const run = async (valueHead: Record<string, unknown>, stepsPerTask: number) => {
    const out = scratchDir('supple-rlr-');
    const set = { dataset: 'digits', targets: 'regression', tasks: 1, examplesPerTask: 32, stepsPerTask, batchSize: 8, valueHead, 'run.checkpointSeconds': 0 };
    await startRun(resolveRunConfig({ benchmark: 'random-labels', seed: 3, backend: 'ts', set }, cat, '0'), { out, catalog: cat });
    return metrics(out).find((r) => r['eval/train/loss'] !== undefined && r['online/loss'] === undefined)!;
  };
  for (const head of [{ kind: 'scalar' }, { kind: 'two-hot', bins: 21 }, { kind: 'hl-gauss', bins: 21 }]) {
    // The same seed: the same initial net and targets; one update against 300.
    const before = await run(head, 1), after = await run(head, 300);
    const what = `${head.kind}: loss ${before['eval/train/loss']} -> ${after['eval/train/loss']}, mse ${before['eval/train/mse']} -> ${after['eval/train/mse']}`;
    assert.ok(after['eval/train/loss']! < 0.7 * before['eval/train/loss']!, what);
    if (head.kind === 'scalar') {
      assert.equal(after['eval/train/mse'], undefined, 'an MSE head records its loss only');
    } else {
      assert.ok(before['eval/train/loss']! < Math.log(21) + 0.5, what);
      assert.ok(after['eval/train/mse']! < 0.7 * before['eval/train/mse']!, what);
    }
  }
});
