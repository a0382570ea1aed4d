import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activation, batchNorm, conv2d, dropout, flatten, linear, sequential } from '../nn/LayerSpec.js';
import { meanSquaredError } from '../losses/meanSquaredError.js';
import { collectSlots } from '../nn/Slots.js';
import { applyEdits } from '../nn/applyEdits.js';
import type { Edit } from '../nn/Edit.js';
import { adam } from '../optim/optimizers.js';
import { batch, evalSet, setupMethod } from '../../test/helpers/methodTest.js';
import type { EvalSet } from '../benchmarks/Benchmark.js';
import type { Backend } from '../backend/Backend.js';
import { clampedCosine, negativeGradientAverage } from './dash.js';

type Scale = Extract<Edit, { kind: 'scaleBlocks' }>;
const growth = (step: number, seen: EvalSet, batchSize = 2, chunk = batchSize) => ({ step, task: { batchSize } as never, seen, newExamples: chunk });

/** All data seen as examples of 3 inputs and 2 targets, handed out in batches of the size asked for. */
function regrouping(backend: Backend, examples: { x: number[]; t: number[] }[]): EvalSet {
  return {
    name: 'seen',
    size: examples.length,
    *batches(n: number) {
      for (let i = 0; i < examples.length; i += n) {
        const part = examples.slice(i, i + n);
        yield batch(backend, part.flatMap((e) => e.x), [part.length, 3], part.flatMap((e) => e.t));
      }
    },
  };
}

/** -grad of the mean squared error of y = W x + b (W [2, 3]) averaged over batches of `n` examples in order, EMA weight alpha. */
function handGradient(W: number[], b: number[], examples: { x: number[]; t: number[] }[], n: number, alpha: number) {
  // dL/dW = (1/N) sum_n r_n x_n^T, dL/db = (1/N) sum_n r_n, r = y - t (the loss is the mean over the N x 2 outputs of r^2).
  const gW = [0, 0, 0, 0, 0, 0], gb = [0, 0];
  for (let i = 0; i < examples.length; i += n) {
    const part = examples.slice(i, i + n);
    const GW = [0, 0, 0, 0, 0, 0], Gb = [0, 0];
    for (const { x, t } of part) {
      for (let o = 0; o < 2; o++) {
        let y = b[o]!;
        for (let j = 0; j < 3; j++) y += W[o * 3 + j]! * x[j]!;
        const r = y - t[o]!;
        for (let j = 0; j < 3; j++) GW[o * 3 + j]! += (r * x[j]!) / part.length;
        Gb[o]! += r / part.length;
      }
    }
    for (let j = 0; j < 6; j++) gW[j] = (1 - alpha) * gW[j]! + alpha * -GW[j]!;
    for (let o = 0; o < 2; o++) gb[o] = (1 - alpha) * gb[o]! + alpha * -Gb[o]!;
  }
  return { gW, gb };
}

test('dash: each row of a linear layer is scaled by clamp(cos(w_row, g_row), lambda, 1), g the running average of -grad over the data seen, one batch per chunk by default', () => {
  const W = [1, 0, 0, 0, 1, 0], b = [0.5, -0.2];
  // Two chunks of two examples each (all data seen at the second chunk's growth); training batches of one example.
  const examples = [
    { x: [1, 0, 0], t: [3, 0] }, { x: [0, 1, 0], t: [0, -2] },
    { x: [0, 0, 1], t: [0, 0] }, { x: [1, 1, 0], t: [1, 1] },
  ];
  const cos = (a: number[], c: number[]) => a.reduce((s2, v, i) => s2 + v * c[i]!, 0) / (Math.hypot(...a) * Math.hypot(...c));
  const cases = [
    { options: {}, n: 2 }, // the authors' code: batch_size = examples per chunk
    { options: { gradientBatch: 'training' }, n: 1 },
  ];
  const factors: number[][] = [];
  for (const { options, n } of cases) {
    const s = setupMethod('dash', { alpha: 0.3, lambda: 0.3, ...options }, sequential(linear(2)), [3], { loss: meanSquaredError });
    s.model.param('fc1.weight').data.set(W);
    s.model.param('fc1.bias').data.set(b);
    const { gW, gb } = handGradient(W, b, examples, n, 0.3);
    const expected = [0, 1].map((o) => Math.min(1, Math.max(0.3, cos(W.slice(o * 3, o * 3 + 3), gW.slice(o * 3, o * 3 + 3)))));
    const expectedBias = Math.min(1, Math.max(0.3, cos(b, gb)));
    const edits = s.inst.atDataGrowth!(growth(5, regrouping(s.backend, examples), 1, 2));
    assert.equal(edits.length, 2);
    const rows = edits[0] as Scale;
    assert.equal(rows.param, 'fc1.weight');
    assert.equal(rows.blockSize, 3);
    expected.forEach((f, o) => assert.ok(Math.abs(rows.factors[o]! - f) < 1e-12, `batches of ${n}, row ${o}: ${rows.factors[o]} vs ${f}`));
    assert.deepEqual(edits[1], { kind: 'scaleRows', param: 'fc1.bias', factors: (edits[1] as { factors: number }).factors, reason: 'dash' });
    assert.ok(Math.abs((edits[1] as { factors: number }).factors - expectedBias) < 1e-12);
    applyEdits(edits, { model: s.model, states: [s.inst.state] }, s.rng);
    W.forEach((v, i) => assert.ok(Math.abs(s.model.param('fc1.weight').data[i]! - v * expected[Math.floor(i / 3)]!) < 1e-15));
    factors.push([...expected, expectedBias]);
  }
  // The two protocols differ on this data (else the test could not tell them apart), and the clamp binds somewhere.
  assert.notDeepEqual(factors[0], factors[1]);
  assert.ok(factors.flat().includes(0.3) && factors.flat().some((f) => f > 0.3 && f < 1), `factors ${factors}`);
});

test('dash computes its gradients without touching parameters, optimizer state, normalization statistics or random streams', () => {
  const spec = sequential(linear(6), batchNorm(), activation('relu'), dropout(0.5), linear(3));
  const s = setupMethod('dash', {}, spec, [4], { optimizer: adam({ lr: 0.01 }) });
  const b = batch(s.backend, [0.1, 0.5, -0.3, 0.2, 0.7, -0.1, 0.4, 0.0, -0.5, 0.3, 0.3, 0.9], [3, 4], [0, 1, 2]);
  for (let i = 0; i < 2; i++) s.learner.trainStep(b.x, b.y);
  const state = s.model.getState();
  const slots = collectSlots([s.learner.optState]).params.map((sl) => sl.arrays.map((a) => [...a!]));
  const edits = s.inst.atDataGrowth!(growth(2, evalSet([b, b]), 3));
  assert.deepEqual(s.model.getState(), state);
  assert.deepEqual(collectSlots([s.learner.optState]).params.map((sl) => sl.arrays.map((a) => [...a!])), slots);
  assert.deepEqual(edits.map((e) => e.kind), ['scaleBlocks', 'scaleRows', 'scaleBlocks', 'scaleRows']);
  assert.deepEqual(s.inst.atDataGrowth!(growth(0, evalSet([b]), 3)), [], 'nothing learned yet at step 0');
});

test('dash on conv weights: one factor per kernel (the authors\' code) or per output channel', () => {
  const spec = sequential(conv2d(3, 2), activation('relu'), flatten(), linear(2));
  const x = Array.from({ length: 2 * 2 * 16 }, (_, i) => Math.cos(i * 0.7));
  for (const [conv, blocks] of [['per-kernel', 6], ['per-unit', 3]] as const) {
    const s = setupMethod('dash', { conv, lambda: 0 }, spec, [2, 4, 4]);
    const seen = evalSet([batch(s.backend, x, [2, 2, 4, 4], [0, 1])]);
    const w = s.model.param('conv1.weight');
    const g = negativeGradientAverage(s.learner, seen, 2, 0.3, [w]).get(w)!;
    const e = s.inst.atDataGrowth!(growth(1, seen))[0] as Scale;
    assert.equal(e.factors.length, blocks);
    const size = w.data.length / blocks;
    assert.equal(e.blockSize, size);
    for (let k = 0; k < blocks; k++) assert.ok(Math.abs(e.factors[k]! - clampedCosine(w.data, g, k * size, (k + 1) * size, 0)) < 1e-12);
  }
});
