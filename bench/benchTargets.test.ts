import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torchAllocatorEnv } from './torchRun.js';
import { engineTarget, fastestTorch, formatMet, formatTarget, heapTarget, markdownTable, meets, methodTarget, probesTarget, rlTarget, settingWins, updateSizeTarget } from './benchTargets.js';

test('engine targets follow issue 17 per workload and backend, none for ts', () => {
  assert.deepEqual(engineTarget('mlp-small-b1', 'wasm'), { bound: 'atLeast', value: 20, unit: 'x' });
  assert.equal(engineTarget('mlp-small-b1', 'native')!.value, 30);
  assert.equal(engineTarget('mlp-large-b1', 'wasm')!.value, 4);
  for (const w of ['mlp-large-b256', 'conv-b128', 'resnet18-b64']) {
    assert.equal(engineTarget(w, 'native')!.value, 1.3);
    assert.equal(engineTarget(w, 'wasm')!.value, 0.8);
  }
  assert.equal(engineTarget('vit-tiny-b64', 'native')!.value, 1);
  assert.equal(engineTarget('mlp-small-b1', 'ts'), null);
  assert.equal(engineTarget('no-such-workload', 'wasm'), null);
});

test('method targets by label; bp and the noise control have none', () => {
  assert.equal(methodTarget('l2 (1e-4)')!.value, 0.95);
  assert.equal(methodTarget('redo (period 1000, 256 examples)')!.value, 0.95);
  assert.equal(methodTarget('cbp (adaptable)')!.value, 0.75);
  assert.equal(methodTarget('shrink-perturb every step')!.value, 0.25);
  assert.equal(methodTarget('bp'), null);
  assert.equal(methodTarget('bp again (noise control)'), null);
});

test('meets: at-least bounds include the bound, below bounds exclude it; no value or target gives null', () => {
  assert.equal(meets(20, engineTarget('mlp-small-b1', 'wasm')), true);
  assert.equal(meets(19.99, engineTarget('mlp-small-b1', 'wasm')), false);
  assert.equal(meets(15.9, heapTarget), true);
  assert.equal(meets(16, heapTarget), false);
  assert.equal(meets(0.049, probesTarget), true);
  assert.equal(meets(0.2, updateSizeTarget), false);
  assert.equal(meets(1, rlTarget), true);
  assert.equal(meets(0.99, rlTarget), false);
  assert.equal(meets(null, heapTarget), null);
  assert.equal(meets(3, null), null);
  assert.equal(meets(Number.NaN, heapTarget), null);
});

test('targets and verdicts are written for the tables', () => {
  assert.equal(formatTarget(engineTarget('mlp-large-b256', 'native')), '>= 1.3x');
  assert.equal(formatTarget(heapTarget), '< 16 B/step');
  assert.equal(formatTarget(probesTarget), '< 5%');
  assert.equal(formatTarget(updateSizeTarget), '< 20%');
  assert.equal(formatTarget(null), '-');
  assert.deepEqual([true, false, null].map(formatMet), ['yes', 'NO', '-']);
});

test('fastestTorch keeps the highest steps/s per workload over thread settings and runs', () => {
  const best = fastestTorch([
    { workload: 'a', stepsPerSecond: 100, threads: 1, run: 'before' },
    { workload: 'a', stepsPerSecond: 140, threads: 2, run: 'before' },
    { workload: 'a', stepsPerSecond: 120, threads: 1, run: 'after' },
    { workload: 'b', stepsPerSecond: 9, threads: 1, run: 'after' },
    { workload: 'b', stepsPerSecond: Number.NaN, threads: 2, run: 'after' },
    { workload: 'b', stepsPerSecond: 0, threads: 2, run: 'before' },
    { workload: 'c', stepsPerSecond: -1, threads: 1, run: 'before' },
  ]);
  assert.deepEqual(best.get('a'), { workload: 'a', stepsPerSecond: 140, threads: 2, run: 'before' });
  assert.equal(best.get('b')!.stepsPerSecond, 9);
  assert.equal(best.has('c'), false);
  assert.equal(settingWins(best), '1 thread: 1 workload, 2 threads: 1 workload');
});

test('the malloc setting competes like the thread setting, and settingWins names it unless default', () => {
  const best = fastestTorch([
    { workload: 'conv', stepsPerSecond: 8, threads: 2, run: 'before', allocator: 'default' },
    { workload: 'conv', stepsPerSecond: 23, threads: 2, run: 'after', allocator: 'retain' },
    { workload: 'mlp', stepsPerSecond: 4600, threads: 1, run: 'after', allocator: 'default' },
    { workload: 'mlp', stepsPerSecond: 4500, threads: 1, run: 'before', allocator: 'retain' },
  ]);
  assert.equal(best.get('conv')!.allocator, 'retain');
  assert.equal(settingWins(best), '1 thread: 1 workload, 2 threads (retain): 1 workload');
  assert.deepEqual(torchAllocatorEnv('default'), {});
  assert.deepEqual(torchAllocatorEnv('retain'), { MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '4294967296' });
});

test('the OpenBLAS kernel setting competes too, and settingWins names it when detected', () => {
  const best = fastestTorch([
    { workload: 'mlp-b256', stepsPerSecond: 6.6, threads: 2, run: 'before', allocator: 'retain', blasCore: 'set' },
    { workload: 'mlp-b256', stepsPerSecond: 8.6, threads: 2, run: 'before', allocator: 'retain', blasCore: 'detected' },
    { workload: 'conv', stepsPerSecond: 21, threads: 2, run: 'after', allocator: 'retain', blasCore: 'set' },
    { workload: 'conv', stepsPerSecond: 19.3, threads: 2, run: 'after', allocator: 'retain', blasCore: 'detected' },
  ]);
  assert.equal(best.get('mlp-b256')!.blasCore, 'detected');
  assert.equal(settingWins(best), '2 threads (retain, OpenBLAS detected): 1 workload, 2 threads (retain): 1 workload');
});

test('markdownTable aligns columns and rejects ragged rows', () => {
  assert.equal(markdownTable(['a', 'b'], [['1', '2']], 'lr'), '| a | b |\n| --- | ---: |\n| 1 | 2 |');
  assert.throws(() => markdownTable(['a', 'b'], [['1']]), /a row has 1 cells; headers: 2/);
});
