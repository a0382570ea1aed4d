import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossovers, mlpWeights, predictStepSeconds, type ScaleResult, scaleFigureSpec, scaleTable, skipReason, stepMultiplyAdds } from './scaleGrid.js';

const cell = (backend: string, width: number, batch: number, stepsPerSecond: number | null, maxRssBytes: number | null = 2 ** 20 * 100): ScaleResult => ({
  backend, width, batch, stepsPerSecond, steps: 10, seconds: 1, maxRssBytes, ...(stepsPerSecond === null ? { skipped: 'too slow' } : {}),
});

test('weights and multiply-adds of the 784-W-W-W-10 MLP', () => {
  assert.equal(mlpWeights(100), 784 * 100 + 2 * 100 * 100 + 100 * 10 + 3 * 100 + 10);
  assert.equal(stepMultiplyAdds(100, 16), 3 * 16 * mlpWeights(100));
});

test('predictStepSeconds: the least prediction from the measured cells of the same backend no wider and no larger in batch', () => {
  const measured = [cell('ts', 100, 1, 1000), cell('ts', 1000, 1, 10), cell('ts', 1000, 16, 5), cell('wasm', 1000, 16, 100), cell('ts', 2000, 1, null), cell('ts', 2000, 256, 1)];
  // Width 1000, batch 256: from 100x1 (~7 s), 1000x1 (25.6 s) or 1000x16 (3.2 s): the least; 2000x256 is wider.
  const p = predictStepSeconds(measured, 'ts', 1000, 256)!;
  assert.deepEqual([p.from.width, p.from.batch], [1000, 16]);
  assert.ok(Math.abs(p.seconds - 16 / 5) < 1e-12);
  // Width 100, batch 16: only 100x1 is no wider and no larger.
  const q = predictStepSeconds(measured, 'ts', 100, 16)!;
  assert.deepEqual([q.from.width, q.from.batch], [100, 1]);
  assert.ok(Math.abs(q.seconds - 16 / 1000) < 1e-12);
  assert.equal(predictStepSeconds(measured, 'native', 100, 1), null);
  assert.equal(predictStepSeconds(measured, 'ts', 50, 1), null, 'no measured cell is that small');
  assert.equal(skipReason(measured, 'ts', 1000, 256, 10), null);
  assert.match(skipReason(measured, 'ts', 1000, 256, 3)!, /~3\.2 s per step predicted from width 1000 batch 16 \(5/);
  assert.equal(skipReason([], 'ts', 10000, 256, 10), null, 'the first cell of a backend always runs');
});

test('crossovers name the faster backend per shape and its lead; shapes missing one backend are left out', () => {
  const rs = [cell('wasm', 100, 1, 200), cell('native', 100, 1, 100), cell('wasm', 100, 16, 50), cell('native', 100, 16, 100), cell('native', 1000, 1, 9), cell('wasm', 1000, 1, null), cell('ts', 100, 1, 1000)];
  assert.deepEqual(crossovers(rs, ['wasm', 'native']), [
    { width: 100, batch: 1, winner: 'wasm', runnerUp: 'native', lead: 2 },
    { width: 100, batch: 16, winner: 'native', runnerUp: 'wasm', lead: 2 },
  ]);
});

test('scaleTable: a row per shape, skipped cells, supple best over PyTorch', () => {
  const rs = [cell('wasm', 1000, 1, 50), cell('native', 1000, 1, 80, 2 ** 20 * 70), cell('torch', 1000, 1, 40), cell('wasm', 100, 1, 5000), cell('native', 100, 1, null), cell('torch', 100, 1, null)];
  const lines = scaleTable(rs, ['wasm', 'native', 'torch']).split('\n');
  assert.equal(lines[0], '| width | batch | wasm steps/s (peak MiB) | native steps/s (peak MiB) | PyTorch steps/s (peak MiB) | best supple / PyTorch |');
  assert.equal(lines[2], '| 100 | 1 | 5000 (100) | skipped | skipped | - |');
  assert.equal(lines[3], '| 1000 | 1 | 50.0 (100) | 80.0 (70) | 40.0 (100) | 2.00x |');
});

test('scaleFigureSpec draws measured cells only, on log axes', () => {
  const spec = scaleFigureSpec([cell('wasm', 100, 1, 5000), cell('ts', 10000, 256, null)]) as { data: { values: unknown[] }; encoding: { x: { scale: { type: string } } } };
  assert.equal(spec.data.values.length, 1);
  assert.equal(spec.encoding.x.scale.type, 'log');
});
