import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { Model } from './Model.js';
import { mlp } from './models/mlp.js';
import { batchNorm, conv2d, flatten, linear, maxPool2d, relu, sequential } from './LayerSpec.js';
import { applyEdits } from './applyEdits.js';
import { ParamSlots, UnitSlots, collectSlots } from './Slots.js';
import { adam } from '../optim/optimizers.js';
import { Learner } from '../learn/Learner.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import type { FloatArray } from '../tensor/FloatArray.js';

const backend = getBackend('ts');

/** A small MLP trained a few Adam steps so that every optimizer slot is non-trivial. */
function trained(spec = mlp({ hidden: [5, 4], outputs: 3 }), inputShape = [6], batch = 4) {
  const model = Model.build(spec, { inputShape, backend, rng: Rng.seeded(1) });
  const learner = new Learner({ model, optimizer: adam({ lr: 0.01 }), loss: crossEntropy });
  const per = inputShape.reduce((a, b) => a * b, 1);
  const x = new Tensor(backend.alloc(batch * per), [batch, ...inputShape]);
  Rng.seeded(2).fillUniform(x.data, -1, 1);
  const y = backend.alloc(batch);
  const classes = model.outputShape[0]!;
  y.set(Array.from({ length: batch }, (_, i) => i % classes));
  for (let i = 0; i < 3; i++) learner.trainStep(x, y);
  return { model, learner };
}

const snapshot = (arrays: (FloatArray | null)[]) => arrays.map((a) => (a ? [...a] : null));

test('reinitUnits redraws exactly the unit: incoming row, bias 0, outgoing column 0, its Adam slots reset, nothing else', () => {
  const { model, learner } = trained();
  const units = new UnitSlots('cbp.utility', { h1: backend.alloc(5), h2: backend.alloc(4) }, 0);
  units.arrays.h1!.fill(7);
  units.arrays.h2!.fill(7);
  const params = snapshot(model.params.map((p) => p.data));
  const slots = collectSlots([learner.optState]).params;
  const slotsBefore = slots.map((s) => snapshot(s.arrays));
  const w1 = model.param('fc1.weight'), b1 = model.param('fc1.bias'), w2 = model.param('fc2.weight');
  const data1 = w1.data;
  const records = applyEdits([{ kind: 'reinitUnits', group: 'h1', units: [2], reason: 'test' }], { model, states: [learner.optState, { units }] }, Rng.seeded(3));
  assert.deepEqual(records, [{ kind: 'reinitUnits', group: 'h1', units: [2], reason: 'test' }]);
  assert.equal(w1.data, data1, 'edited in place, not copied');
  const bound = Math.SQRT2 * Math.sqrt(3 / 6);
  const inRow = (i: number) => i >= 2 * 6 && i < 3 * 6; // fc1.weight row 2
  const outCol = (i: number) => i % 5 === 2; // fc2.weight column 2
  for (let i = 0; i < w1.data.length; i++) {
    if (inRow(i)) assert.ok(Math.abs(w1.data[i]!) <= bound && w1.data[i] !== params[0]![i]);
    else assert.equal(w1.data[i], params[0]![i]);
  }
  assert.deepEqual([...b1.data].map((v, i) => (i === 2 ? v : v - params[1]![i]!)), [0, 0, 0, 0, 0]);
  for (let i = 0; i < w2.data.length; i++) assert.equal(w2.data[i], outCol(i) ? 0 : params[2]![i]);
  assert.deepEqual([...model.param('fc3.weight').data], params[4]);
  let untouchedAtReset = 0, untouched = 0;
  slots.forEach((s, k) => {
    const reset = s.reset as number;
    s.arrays.forEach((a, pi) => {
      const before = slotsBefore[k]![pi]!;
      for (let i = 0; i < a!.length; i++) {
        const touched = (pi === 0 && inRow(i)) || (pi === 1 && i === 2) || (pi === 2 && outCol(i));
        assert.equal(a![i], touched ? reset : before[i], `${s.name}[${model.params[pi]!.name}][${i}]`);
        if (!touched) {
          untouched++;
          if (a![i] === reset) untouchedAtReset++;
        }
      }
    });
  });
  // The check means something only if training moved most slots away from their reset values.
  assert.ok(untouchedAtReset < untouched / 4, `${untouchedAtReset} of ${untouched} untouched slots sit at their reset value`);
  assert.deepEqual([...units.arrays.h1!], [7, 7, 0, 7, 7]);
  assert.deepEqual([...units.arrays.h2!], [7, 7, 7, 7]);
});

test("outgoing 'keep' leaves the next layer and its slots alone", () => {
  const { model, learner } = trained();
  const w2 = [...model.param('fc2.weight').data];
  const m = collectSlots([learner.optState]).params.find((s) => s.name === 'adam.m')!;
  const m2 = [...m.arrays[2]!];
  applyEdits([{ kind: 'reinitUnits', group: 'h1', units: [0, 4], outgoing: 'keep' }], { model, states: [learner.optState] }, Rng.seeded(3));
  assert.deepEqual([...model.param('fc2.weight').data], w2);
  assert.deepEqual([...m.arrays[2]!], m2);
});

test('conv units: the channel block of the weight, BatchNorm entries, and the flatten block of the next layer', () => {
  const spec = sequential(conv2d(3, 3), batchNorm(), relu(), maxPool2d(2), flatten(), linear(2));
  const { model } = trained(spec, [2, 6, 6]);
  const bn = model.layers.find((l) => l.type === 'batchnorm')!;
  const [gain, shift] = bn.params;
  const [mean, variance] = bn.buffers;
  gain!.data.fill(2); shift!.data.fill(3); mean!.data.fill(4); variance!.data.fill(5);
  const w = [...model.param('conv1.weight').data];
  applyEdits([{ kind: 'reinitUnits', group: 'h1', units: [1] }], { model, states: [] }, Rng.seeded(3));
  const cw = model.param('conv1.weight').data;
  for (let i = 0; i < cw.length; i++) if (Math.floor(i / 18) !== 1) assert.equal(cw[i], w[i]);
  assert.deepEqual([...gain!.data], [2, 1, 2]);
  assert.deepEqual([...shift!.data], [3, 0, 3]);
  assert.deepEqual([...mean!.data], [4, 0, 4]);
  assert.deepEqual([...variance!.data], [5, 1, 5]);
  const fc = model.param('fc1.weight').data; // [2, 3 * 2 * 2]: channel 1 = columns 4..7
  for (let r = 0; r < 2; r++) for (let c = 0; c < 12; c++) if (c >= 4 && c < 8) assert.equal(fc[r * 12 + c], 0);
});

test('scaleRows, shrinkPerturb (with and without an anchor), addToParam, reinitParams, resetOptimizer', () => {
  const { model, learner } = trained();
  const w = model.param('fc3.weight'); // [3, 4]
  const before = [...w.data];
  applyEdits([{ kind: 'scaleRows', param: 'fc3.weight', factors: [1, 0.5, 0] }], { model, states: [] }, Rng.seeded(1));
  before.forEach((v, i) => assert.ok(Math.abs(w.data[i]! - v * [1, 0.5, 0][Math.floor(i / 4)]!) < 1e-7));
  const b = model.param('fc3.bias');
  const anchor = model.params.map((p) => (p === b ? Float32Array.from(b.data.map(() => 1)) : null));
  const b0 = [...b.data];
  applyEdits([{ kind: 'shrinkPerturb', params: ['fc3.bias'], shrink: 0.25, noise: 0, anchor }], { model, states: [] }, Rng.seeded(1));
  b0.forEach((v, i) => assert.ok(Math.abs(b.data[i]! - (0.25 * v + 0.75)) < 1e-6));
  const w1 = [...model.param('fc1.weight').data];
  applyEdits([{ kind: 'shrinkPerturb', params: ['fc1.weight'], shrink: 0.5, noise: 0.01 }], { model, states: [] }, Rng.seeded(1));
  const d = model.param('fc1.weight').data.map((v, i) => v - 0.5 * w1[i]!);
  let ss = 0;
  for (const v of d) ss += v * v;
  const sd = Math.sqrt(ss / d.length);
  assert.ok(sd > 0.003 && sd < 0.03, `noise sd ${sd}`);
  applyEdits([{ kind: 'addToParam', param: 'fc3.bias', indices: [1], values: [2] }], { model, states: [] }, Rng.seeded(1));
  const slots = collectSlots([learner.optState]).params;
  applyEdits([{ kind: 'reinitParams', params: ['fc3.weight', 'fc3.bias'] }], { model, states: [learner.optState] }, Rng.seeded(1));
  assert.ok(model.param('fc3.bias').data.every((v) => v === 0));
  for (const s of slots) assert.ok(s.arrays[4]!.every((v) => v === s.reset) && s.arrays[5]!.every((v) => v === s.reset));
  assert.ok(slots.find((s) => s.name === 'adam.m')!.arrays[0]!.some((v) => v !== 0));
  applyEdits([{ kind: 'resetOptimizer' }], { model, states: [learner.optState] }, Rng.seeded(1));
  for (const s of slots) for (const a of s.arrays) assert.ok(a!.every((v) => v === s.reset));
});

test('growHead adds outputs, keeps the old rows and grows every slot with reset values', () => {
  const { model, learner } = trained();
  const w = [...model.head.weight.data];
  const anchor = new ParamSlots('anchor', model.params.map((p) => p.data.slice()), 'param');
  applyEdits([{ kind: 'growHead', k: 2 }], { model, states: [learner.optState, anchor] }, Rng.seeded(1));
  assert.deepEqual(model.outputShape, [5]);
  assert.deepEqual(model.head.weight.shape, [5, 4]);
  assert.deepEqual([...model.head.weight.data.slice(0, 12)], w);
  assert.ok(model.head.weight.data.slice(12).some((v) => v !== 0));
  for (const s of collectSlots([learner.optState]).params) {
    assert.equal(s.arrays[4]!.length, 20);
    assert.ok(s.arrays[4]!.slice(12).every((v) => v === s.reset));
  }
  assert.deepEqual([...anchor.arrays[4]!.slice(12)], [...model.head.weight.data.slice(12)]);
  // Training continues on the wider head.
  const x = new Tensor(backend.alloc(6), [1, 6]);
  const y = backend.alloc(1);
  y[0] = 4;
  const r = learner.trainStep(x, y);
  assert.ok(Number.isFinite(r.sum));
});

test('bad edits are rejected clearly', () => {
  const { model } = trained();
  const t = { model, states: [] };
  assert.throws(() => applyEdits([{ kind: 'reinitUnits', group: 'h9', units: [0] }], t, Rng.seeded(1)), /no unit group named 'h9'; groups: h1, h2/);
  assert.throws(() => applyEdits([{ kind: 'reinitUnits', group: 'h1', units: [5] }], t, Rng.seeded(1)), /unit 5 is not in group h1 \(size 5\)/);
  assert.throws(() => applyEdits([{ kind: 'scaleRows', param: 'fc1.weight', factors: [1, 2] }], t, Rng.seeded(1)), /2 factors for 5 rows/);
});
