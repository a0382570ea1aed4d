import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { Model } from '../nn/Model.js';
import { mlp } from '../nn/models/mlp.js';
import { activation, conv2d, flatten, linear, type LayerSpec } from '../nn/LayerSpec.js';
import { Learner } from '../learn/Learner.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { sgd } from '../optim/optimizers.js';
import type { DiagnosticContext } from './Diagnostic.js';
import { deadFraction, dormantFraction, featureNorm, linearFraction } from './unitActivity.js';

const backend = getBackend('ts');

function context(spec: LayerSpec, inputShape: number[], x: number[][]): DiagnosticContext {
  const model = Model.build(spec, { inputShape, backend, rng: Rng.seeded(1) });
  const n = x.length;
  const data = backend.alloc(n * x[0]!.length);
  x.forEach((row, i) => data.set(row, i * row.length));
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.1 }), loss: crossEntropy });
  return { model, learner, backend, probe: { x: new Tensor(data, [n, ...inputShape]), y: backend.alloc(n) }, initial: [], rng: Rng.seeded(2) };
}

/** Inputs with x0 in {-1, -0.5, 0.5, 1}, x1 in {-1, 1}, x2 = 0.25. */
const inputs = [
  [-1, -1, 0.25],
  [-0.5, 1, 0.25],
  [0.5, -1, 0.25],
  [1, 1, 0.25],
];

test('planted dead, dormant and linear units in a dense layer', () => {
  const ctx = context(mlp({ hidden: [6], outputs: 2 }), [3], inputs);
  // Unit: incoming weights, bias  ->  pre-activations on the 4 inputs
  const rows: Array<[number[], number]> = [
    [[0, 0, 0], -1], // u0: -1 always: dead
    [[0, 0, 0], 5], // u1: 5 always: linear
    [[1, 0, 0], 0], // u2: relu(x0) = 0, 0, 0.5, 1: alive
    [[0, 0, 0], 0.01], // u3: 0.01 always: alive, linear, dormant
    [[0, 1, 0], 1.5], // u4: 0.5, 2.5, 0.5, 2.5: linear
    [[0, 0, -4], 0], // u5: -1 always: dead
  ];
  ctx.model.param('fc1.weight').data.set(rows.flatMap((r) => r[0]));
  ctx.model.param('fc1.bias').data.set(rows.map((r) => r[1]));
  assert.deepEqual(deadFraction.compute(ctx, { eps: 0.01 }), { 'diag/deadFraction/h1': 2 / 6, 'diag/deadFraction': 2 / 6 });
  assert.deepEqual(linearFraction.compute(ctx, {}), { 'diag/linearFraction/h1': 3 / 6, 'diag/linearFraction': 3 / 6 });
  // mean|h|: 0, 5, 0.375, 0.01, 1.5, 0; layer mean 6.885 / 6 = 1.1475; s = 0, 4.36, 0.327, 0.0087, 1.31, 0.
  assert.deepEqual(dormantFraction.compute(ctx, { tau: 0.1 }), { 'diag/dormantFraction/h1': 3 / 6, 'diag/dormantFraction': 3 / 6 });
  assert.equal(dormantFraction.compute(ctx, { tau: 0 })['diag/dormantFraction'], 2 / 6);
  assert.equal(dormantFraction.compute(ctx, { tau: 0.33 })['diag/dormantFraction'], 4 / 6);
  // ||h(x)|| per input: h = (0, 5, relu(x0), 0.01, 1.5 + x1, 0).
  const norms = inputs.map(([x0, x1]) => Math.hypot(5, Math.max(0, x0!), 0.01, 1.5 + x1!));
  const expected = norms.reduce((a, b) => a + b, 0) / norms.length;
  assert.ok(Math.abs(featureNorm.compute(ctx, {})['diag/featureNorm/h1']! - expected) < 1e-5);
});

test('conv channels are dead only when zero over the whole batch and every position', () => {
  // 1 input channel, 2x2 images; a 1x1 conv with 3 channels.
  const spec: LayerSpec = { type: 'sequential', layers: [conv2d(3, 1), activation('relu'), flatten(), linear(2)] };
  const images = [
    [-1, -1, -1, -1],
    [-1, -1, -1, 2], // one positive pixel in one image
  ];
  const ctx = context(spec, [1, 2, 2], images);
  ctx.model.param('conv1.weight').data.set([1, 0, 0]);
  ctx.model.param('conv1.bias').data.set([0, -1, 3]);
  // c0: relu(x) is positive at one position of one image: alive. c1: -1 everywhere: dead. c2: 3: linear.
  assert.equal(deadFraction.compute(ctx, { eps: 0.01 })['diag/deadFraction/h1'], 1 / 3);
  assert.equal(linearFraction.compute(ctx, {})['diag/linearFraction/h1'], 1 / 3);
  // mean over batch and space: c0 = 2/8 = 0.25, c1 = 0, c2 = 3; mean 1.0833; s0 = 0.23.
  assert.equal(dormantFraction.compute(ctx, { tau: 0.2 })['diag/dormantFraction/h1'], 1 / 3);
  assert.equal(dormantFraction.compute(ctx, { tau: 0.25 })['diag/dormantFraction/h1'], 2 / 3);
});

test('saturating and leaky units: dead means within eps of an extreme on every input', () => {
  for (const [fn, biases, deadCount] of [
    // tanh: saturated at +1; flipping between -1 and +1 (no gradient either way); in the middle.
    ['tanh', [10, 0, 0], 2],
    // sigmoid: saturated at 0; at 1; in the middle.
    ['sigmoid', [-10, 10, 0], 2],
    // leaky relu: always negative (only the leak moves); positive; mixed.
    ['leakyRelu', [-5, 5, 0], 1],
  ] as const) {
    const ctx = context(mlp({ hidden: [3], outputs: 2, activation: fn }), [3], inputs);
    // u1 of tanh reads 100 * x1 (x1 = +-1): +-1 after tanh.
    ctx.model.param('fc1.weight').data.set(fn === 'tanh' ? [0, 0, 0, 0, 100, 0, 1, 0, 0] : [0, 0, 0, 0, 0, 0, 1, 0, 0]);
    ctx.model.param('fc1.bias').data.set(biases);
    assert.equal(deadFraction.compute(ctx, { eps: 0.01 })['diag/deadFraction'], deadCount / 3, fn);
  }
  // identity units cannot die: no key.
  const id = context(mlp({ hidden: [3], outputs: 2, activation: 'identity' }), [3], inputs);
  assert.deepEqual(deadFraction.compute(id, { eps: 0.01 }), {});
});

test('a CReLU unit is dead only when both of its features are zero', () => {
  const ctx = context(mlp({ hidden: [3], outputs: 2, activation: 'crelu' }), [3], inputs);
  ctx.model.param('fc1.weight').data.fill(0);
  // u0: pre 0 (both halves 0): dead; u1: pre -2 (relu(-x) = 2): alive; u2: pre 1: alive and linear.
  ctx.model.param('fc1.bias').data.set([0, -2, 1]);
  assert.equal(deadFraction.compute(ctx, { eps: 0.01 })['diag/deadFraction'], 1 / 3);
  assert.equal(linearFraction.compute(ctx, {})['diag/linearFraction'], 1 / 3);
  // mean|h| over both features: 0, 1, 0.5.
  assert.equal(dormantFraction.compute(ctx, { tau: 0 })['diag/dormantFraction'], 1 / 3);
});

test('a conv net probed in chunks gives the values of one pass over the whole batch', async () => {
  const { convNet } = await import('../nn/models/convNet.js');
  const { effectiveRank } = await import('./featureRank.js');
  const model = Model.build(convNet({ outputs: 3, channels: [4, 5], kernels: [3, 3], dense: [6] }), { inputShape: [2, 12, 12], backend, rng: Rng.seeded(3) });
  const n = 30;
  const x = backend.alloc(n * 288);
  Rng.seeded(4).fillUniform(x, -1, 1);
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.1 }), loss: crossEntropy });
  const ctx = (chunk: number): DiagnosticContext => ({ model, learner, backend, probe: { x: new Tensor(x, [n, 2, 12, 12]), y: backend.alloc(n) }, chunk, initial: [], rng: Rng.seeded(2) });
  const all = (c: DiagnosticContext) => ({
    ...deadFraction.compute(c, { eps: 0.01 }),
    ...dormantFraction.compute(c, { tau: 0.5 }),
    ...linearFraction.compute(c, {}),
    ...featureNorm.compute(c, {}),
    ...effectiveRank.compute(c, {}),
  });
  const whole = all(ctx(1000)), chunked = all(ctx(7));
  assert.deepEqual(Object.keys(chunked), Object.keys(whole));
  for (const k of Object.keys(whole)) assert.ok(Math.abs(chunked[k]! - whole[k]!) <= 1e-5 * Math.max(1, Math.abs(whole[k]!)), `${k}: ${chunked[k]} vs ${whole[k]}`);
  assert.ok(whole['diag/effectiveRank/h1']! > 1 && whole['diag/effectiveRank/h3']! > 1);
});
