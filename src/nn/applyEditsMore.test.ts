import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { applyEdits } from './applyEdits.js';
import { activation, batchNorm, conv2d, linear, sequential } from './LayerSpec.js';
import { Model } from './Model.js';

const backend = getBackend('ts64');
const build = () => Model.build(sequential(conv2d(2, 3), batchNorm(), activation('relu'), conv2d(3, 1), { type: 'flatten' }, linear(3)), { inputShape: [1, 4, 4], backend, rng: Rng.seeded(1) });

test('regression: redraws differ from one edit to the next with the same stream (reinitParams, shrinkPerturb, growHead)', () => {
  const model = build();
  const rng = Rng.seeded(5);
  const head = model.head;
  const draws: number[][] = [];
  for (let i = 0; i < 2; i++) {
    applyEdits([{ kind: 'reinitParams', params: [head.weight.name] }], { model, states: [] }, rng);
    draws.push([...head.weight.data]);
  }
  assert.notDeepEqual(draws[0], draws[1]);
  const noise: number[][] = [];
  for (let i = 0; i < 2; i++) {
    const before = head.weight.data.slice();
    applyEdits([{ kind: 'shrinkPerturb', params: [head.weight.name], shrink: 1, noise: 1 }], { model, states: [] }, rng);
    noise.push([...head.weight.data].map((v, j) => v - before[j]!));
  }
  assert.notDeepEqual(noise[0], noise[1]);
  const rows: number[][] = [];
  for (let i = 0; i < 2; i++) {
    applyEdits([{ kind: 'growHead', k: 1 }], { model, states: [] }, rng);
    const w = head.weight.data;
    rows.push([...w.subarray(w.length - 18)]);
  }
  assert.notDeepEqual(rows[0], rows[1]);
});

test('scaleBlocks multiplies consecutive blocks by their factors and checks sizes', () => {
  const model = build();
  const w = model.param('conv1.weight'); // [2, 1, 3, 3]: blocks of 9
  const before = w.data.slice();
  applyEdits([{ kind: 'scaleBlocks', param: w.name, blockSize: 9, factors: [0.5, 2] }], { model, states: [] }, Rng.seeded(1));
  w.data.forEach((v, i) => assert.equal(v, before[i]! * (i < 9 ? 0.5 : 2)));
  assert.throws(() => applyEdits([{ kind: 'scaleBlocks', param: w.name, blockSize: 4, factors: [1] }], { model, states: [] }, Rng.seeded(1)), /block size 4 does not divide the 18 values/);
  assert.throws(() => applyEdits([{ kind: 'scaleBlocks', param: w.name, blockSize: 9, factors: [1] }], { model, states: [] }, Rng.seeded(1)), /1 factors for 2 blocks/);
});

test('resetBuffers resets normalization statistics (all, or by name) and names the buffers on a typo', () => {
  const model = build();
  for (const b of model.buffers) b.data.fill(7);
  applyEdits([{ kind: 'resetBuffers', buffers: ['bn1.runningVar'] }], { model, states: [] }, Rng.seeded(1));
  assert.deepEqual([...model.buffers.find((b) => b.name === 'bn1.runningVar')!.data], [1, 1]);
  assert.deepEqual([...model.buffers.find((b) => b.name === 'bn1.runningMean')!.data], [7, 7]);
  applyEdits([{ kind: 'resetBuffers' }], { model, states: [] }, Rng.seeded(1));
  assert.deepEqual([...model.buffers.find((b) => b.name === 'bn1.runningMean')!.data], [0, 0]);
  assert.throws(() => applyEdits([{ kind: 'resetBuffers', buffers: ['bn2.runningVar'] }], { model, states: [] }, Rng.seeded(1)), /no buffer named 'bn2.runningVar'; buffers: bn1.runningMean, bn1.runningVar/);
});
