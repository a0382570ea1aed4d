import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableBackends, getBackend } from '../backend/selectBackend.js';
import type { Backend } from '../backend/Backend.js';
import { mlp } from '../nn/models/mlp.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { Model } from '../nn/Model.js';
import { activation, batchNorm, conv2d, flatten, layerNorm, linear, sequential, type LayerSpec } from '../nn/LayerSpec.js';
import { applyEdits } from '../nn/applyEdits.js';
import { collectSlots } from '../nn/Slots.js';
import type { AddToParam, Edit } from '../nn/Edit.js';
import { Learner } from '../learn/Learner.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { adam, sgd } from '../optim/optimizers.js';
import type { StepInfo } from '../learn/Method.js';
import { cbp, type cbpSchema, type CbpState } from './cbp.js';
import { configureMethod } from './index.js';

const backend = getBackend('ts64');

function setup(spec: LayerSpec, inputShape: number[], config: Record<string, unknown>, optimizer = sgd({ lr: 0.1 })) {
  const model = Model.build(spec, { inputShape, backend, rng: Rng.seeded(4) });
  const learner = new Learner({ model, optimizer, loss: crossEntropy });
  const c = configureMethod(cbp, config) as ReturnType<typeof cbpSchema.parse>;
  const rng = Rng.seeded(9);
  const inst = cbp.create(c, { model, learner, backend, rng });
  return { model, learner, inst, state: inst.state as CbpState, rng };
}

function unitsOf(e: Edit): readonly number[] {
  assert.equal(e.kind, 'reinitUnits');
  return (e as Extract<Edit, { kind: 'reinitUnits' }>).units;
}

const info = (step: number): StepInfo => ({ step, task: 0, batch: null as never, loss: null as never, taskData: null as never });

function input(values: number[], shape: number[]): Tensor {
  const t = new Tensor(backend.alloc(values.length), shape);
  t.data.set(values);
  return t;
}

const net3 = sequential(linear(3), activation('relu'), linear(2));

test('cbp chooses the unit with the lowest contribution |h| * sum_k |w_out,k|, not the least active one', () => {
  const { model, inst } = setup(net3, [2], { rate: 1 / 3, maturity: 0, decay: 0.9 });
  model.param('fc1.weight').data.set([0.5, 0, 2, 0, 1, 0]);
  model.param('fc1.bias').data.fill(0);
  model.param('fc2.weight').data.set([1, 0.1, 0.4, -1, 0.1, -0.2]);
  // h = [0.5, 2, 1]; sum |w_out| = [2, 0.2, 0.6]; contributions [1, 0.4, 0.6]: unit 1 goes.
  model.forward(input([1, 0], [1, 2]), true);
  const edits = inst.afterUpdate!(info(1));
  assert.deepEqual(edits, [{ kind: 'reinitUnits', group: 'h1', units: [1], outgoing: 'zero', reason: 'cbp' }]);
  const u = (inst.state as CbpState).utility.arrays['h1']!;
  [1, 0.4, 0.6].forEach((y, i) => assert.ok(Math.abs(u[i]! - 0.1 * y) < 1e-12, `utility ${i}: ${u[i]} vs ${0.1 * y}`));
});

test('regression: cbp ranks by the bias-corrected utility u / (1 - eta^age), not the raw running average', () => {
  const { model, inst, state } = setup(net3, [2], { rate: 0.5, maturity: 1, decay: 0.5 });
  const set = (name: 'age' | 'utility' | 'decayPower', values: number[]) => state[name].arrays['h1']!.set(values);
  // Before this step: unit 0 is young (age 1), unit 1 old (age 9), unit 2 immature (age 0) with utility 0.
  set('age', [1, 9, 0]);
  set('decayPower', [0.5, 0.5 ** 9, 1]);
  set('utility', [0.4, 0.5, 0]);
  model.param('fc1.bias').data.fill(0);
  model.forward(input([0, 0], [1, 2]), true); // every unit silent: this step's contribution is 0
  const edits = inst.afterUpdate!(info(1));
  // After: raw u = [0.2, 0.25, 0], corrected [0.2 / 0.75, 0.25 / (1 - 2^-10), -]: unit 1 is the lowest; unit 2 is
  // protected (age 1 is not > maturity 1); ranking on raw u would pick unit 0.
  assert.deepEqual(edits.map((e) => unitsOf(e)), [[1]]);
  assert.deepEqual([...state.age.arrays['h1']!], [2, 10, 1]);
});

test('the accumulator: rate 1e-2 with 10 mature units replaces one unit every 10 steps', () => {
  const { model, learner, inst, state, rng } = setup(sequential(linear(10), activation('relu'), linear(2)), [3], { rate: 1e-2, maturity: 0 });
  const x = input([0.3, -0.2, 0.9], [1, 3]);
  const at: number[] = [];
  for (let step = 1; step <= 100; step++) {
    model.forward(x, true);
    const edits = inst.afterUpdate!(info(step));
    if (edits.length) {
      at.push(step);
      assert.equal(unitsOf(edits[0]!).length, 1);
      applyEdits(edits, { model, states: [learner.optState, state] }, rng);
    }
  }
  assert.deepEqual(at, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  assert.equal(state.replaced['h1'], 10);
});

test('no burst at maturity: the accumulator counts mature units only, so replacements start 1 / (rate * units) steps after maturity', () => {
  const { model, learner, inst, state, rng } = setup(sequential(linear(10), activation('relu'), linear(2)), [3], { rate: 1e-2, maturity: 50 });
  const x = input([0.3, -0.2, 0.9], [1, 3]);
  const at: number[] = [];
  for (let step = 1; step <= 80; step++) {
    model.forward(x, true);
    const edits = inst.afterUpdate!(info(step));
    for (const e of edits) {
      at.push(step);
      assert.equal(unitsOf(e).length, 1, 'one unit at a time');
    }
    applyEdits(edits, { model, states: [learner.optState, state] }, rng);
  }
  // All 10 units become mature at step 51 (age 51 > 50); c = 0.01 * 10 * 10 reaches 1 at step 60. Then the new
  // unit is immature again: 9 mature units add 0.09 a step, c reaches 1 twelve steps later.
  assert.deepEqual(at, [60, 72]);
});

test('new units are protected until they are mature', () => {
  const { model, learner, inst, state, rng } = setup(net3, [2], { rate: 1 / 3, maturity: 5 });
  const x = input([0.7, -0.4], [1, 2]);
  const last = new Map<number, number>();
  let count = 0;
  for (let step = 1; step <= 60; step++) {
    model.forward(x, true);
    const edits = inst.afterUpdate!(info(step));
    for (const e of edits) {
      for (const u of unitsOf(e)) {
        const prev = last.get(u);
        // Reset to age 0 at `prev`; at step prev + k its age is k, mature when k > 5.
        if (prev !== undefined) assert.ok(step - prev >= 6, `unit ${u} replaced at ${prev} and again at ${step}`);
        last.set(u, step);
        count++;
      }
    }
    applyEdits(edits, { model, states: [learner.optState, state] }, rng);
  }
  assert.ok(count >= 8, `units were replaced ${count} times`);
  assert.equal(last.size, 3);
});

test('a replaced unit: incoming row redrawn, bias 0, norm entries reset, outgoing column 0; Adam moments and counts of exactly those entries reset', () => {
  const spec = sequential(linear(4), layerNorm(), activation('relu'), linear(3));
  const { model, learner, inst, state, rng } = setup(spec, [5], { rate: 0.25, maturity: 0 }, adam({ lr: 0.01 }));
  const xs = new Tensor(backend.alloc(10), [2, 5]);
  Rng.seeded(2).fillUniform(xs.data, -1, 1);
  const ys = backend.alloc(2);
  ys.set([0, 2]);
  for (let i = 0; i < 5; i++) learner.trainStep(xs, ys);
  // Make the norm entries differ from their reset values so that a reset shows.
  model.param('ln1.gain').data.set([1.5, 1.5, 1.5, 1.5]);
  model.param('ln1.shift').data.set([0.3, 0.3, 0.3, 0.3]);
  model.forward(xs, true);
  const edits = inst.afterUpdate!(info(6));
  assert.equal(edits.length, 1);
  const u = unitsOf(edits[0]!)[0]!;
  const params = new Map(model.params.map((p) => [p.name, p.data.slice()]));
  const slots = collectSlots([learner.optState]).params;
  assert.equal(slots.length, 4, 'adam m, v and the two per-element beta powers');
  const slotsBefore = slots.map((s) => s.arrays.map((a) => a!.slice()));
  for (const s of slotsBefore) for (const a of s) assert.ok(a.every((v) => v !== 0 && v !== 1), 'all slots moved away from their reset values');
  applyEdits(edits, { model, states: [learner.optState, state] }, rng);

  // Which entries of each parameter belong to unit u.
  const touched: Record<string, (i: number) => boolean> = {
    'fc1.weight': (i) => Math.floor(i / 5) === u,
    'fc1.bias': (i) => i === u,
    'ln1.gain': (i) => i === u,
    'ln1.shift': (i) => i === u,
    'fc2.weight': (i) => i % 4 === u,
    'fc2.bias': () => false,
  };
  const bound = 1 / Math.sqrt(5);
  for (const p of model.params) {
    const before = params.get(p.name)!;
    p.data.forEach((v, i) => {
      if (!touched[p.name]!(i)) assert.equal(v, before[i], `${p.name}[${i}] changed`);
    });
  }
  const row = model.param('fc1.weight').data.slice(u * 5, u * 5 + 5);
  assert.ok(row.every((v, j) => v !== params.get('fc1.weight')![u * 5 + j] && Math.abs(v) <= bound), 'incoming row redrawn from U(-1/sqrt(5), 1/sqrt(5))');
  assert.equal(model.param('fc1.bias').data[u], 0);
  assert.equal(model.param('ln1.gain').data[u], 1);
  assert.equal(model.param('ln1.shift').data[u], 0);
  for (let r = 0; r < 3; r++) assert.equal(model.param('fc2.weight').data[r * 4 + u], 0);
  slots.forEach((s, k) => {
    const reset = s.reset as number;
    model.params.forEach((p) => {
      const a = s.arrays[p.index]!;
      a.forEach((v, i) => {
        if (touched[p.name]!(i)) assert.equal(v, reset, `${s.name} of ${p.name}[${i}] not reset`);
        else assert.equal(v, slotsBefore[k]![p.index]![i], `${s.name} of ${p.name}[${i}] was touched`);
      });
    });
  });
  assert.equal(state.utility.arrays['h1']![u], 0);
  assert.equal(state.age.arrays['h1']![u], 0);
  assert.equal(state.decayPower.arrays['h1']![u], 1);
  for (let i = 0; i < 4; i++) if (i !== u) assert.equal(state.age.arrays['h1']![i], 1);
});

test('conv units are channels: a replaced channel gets a new kernel block, its BatchNorm entries and running stats reset, its outgoing kernels zeroed', () => {
  const spec = sequential(conv2d(3, 3), batchNorm(), activation('relu'), conv2d(2, 3));
  const { model, learner, inst, state, rng } = setup(spec, [2, 6, 6], { rate: 1 / 3, maturity: 0 }, adam({ lr: 0.01 }));
  const x = new Tensor(backend.alloc(2 * 72), [2, 2, 6, 6]);
  Rng.seeded(3).fillUniform(x.data, -1, 1);
  model.forward(x, true);
  const before = new Map(model.params.map((p) => [p.name, p.data.slice()]));
  const runMean = model.buffers.find((b) => b.name === 'bn1.runningMean')!;
  const runBefore = runMean.data.slice();
  const edits = inst.afterUpdate!(info(1));
  const u = unitsOf(edits[0]!)[0]!;
  applyEdits(edits, { model, states: [learner.optState, state] }, rng);
  const w1 = model.param('conv1.weight').data;
  for (let i = 0; i < w1.length; i++) {
    const inUnit = Math.floor(i / 18) === u;
    assert.equal(w1[i] !== before.get('conv1.weight')![i], inUnit, `conv1.weight[${i}]`);
  }
  assert.equal(runMean.data[u], 0);
  for (let c = 0; c < 3; c++) if (c !== u) assert.equal(runMean.data[c], runBefore[c]);
  const w2 = model.param('conv2.weight').data; // [2, 3, 3, 3]: channel u reads the block [u*9, u*9 + 9) of each row
  for (let i = 0; i < w2.length; i++) {
    const inUnit = Math.floor((i % 27) / 9) === u;
    if (inUnit) assert.equal(w2[i], 0);
    else assert.equal(w2[i], before.get('conv2.weight')![i]);
  }
});

test('conv utilities: conv -> conv uses mean |h| over batch and space times the mean over taps of sum_k |w_out|; conv -> dense pairs each position with its column', () => {
  // conv(2 channels, 1x1) on a 1x2x2 input, relu; consumers: a 1x1 conv, or flatten + linear.
  const make = (tail: LayerSpec[]) => setup(sequential(conv2d(2, 1, { bias: false }), activation('relu'), ...tail), [1, 2, 2], { rate: 0, decay: 0 });
  const x = input([1, 2, 3, -4], [1, 1, 2, 2]);
  const measure = (s: ReturnType<typeof make>) => {
    s.model.param('conv1.weight').data.set([1, 0.5]); // h[c, p] = relu(w_c x_p): c0 = [1, 2, 3, 0], c1 = [0.5, 1, 1.5, 0]
    s.model.forward(x, true);
    // rate 0 skips all work: call the hook with a positive rate through a fresh instance sharing the state.
  };
  {
    const s = make([conv2d(3, 1, { bias: false })]);
    s.model.param('conv2.weight').data.set([1, -2, 0.5, 0.5, 3, 1]); // [3 out, 2 in]: sum_k |w_k,c| = [4.5, 3.5]
    measure(s);
    const inst = cbp.create(configureMethod(cbp, { rate: 1e-9, decay: 0 }) as never, { model: s.model, learner: s.learner, backend, rng: s.rng });
    inst.afterUpdate!(info(1));
    const u = (inst.state as CbpState).utility.arrays['h1']!;
    assert.ok(Math.abs(u[0]! - 1.5 * 4.5) < 1e-12, `${u[0]}`); // mean |h| of c0 = 6/4
    assert.ok(Math.abs(u[1]! - 0.75 * 3.5) < 1e-12, `${u[1]}`);
  }
  {
    const s = make([flatten(), linear(2, { bias: false })]);
    // [2 out, 8 in]: columns c*4 + p.
    s.model.param('fc1.weight').data.set([1, 1, 1, 1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2]);
    measure(s);
    const inst = cbp.create(configureMethod(cbp, { rate: 1e-9, decay: 0 }) as never, { model: s.model, learner: s.learner, backend, rng: s.rng });
    inst.afterUpdate!(info(1));
    const u = (inst.state as CbpState).utility.arrays['h1']!;
    // c0: (1*2 + 2*1 + 3*1 + 0*1) / 4; c1: (0.5*2 + 1*0 + 1.5*0 + 0*2) / 4.
    assert.ok(Math.abs(u[0]! - 7 / 4) < 1e-12, `${u[0]}`);
    assert.ok(Math.abs(u[1]! - 1 / 4) < 1e-12, `${u[1]}`);
  }
});

test('adaptable utility: |h - bias-corrected mean h| * mean |w_out| / mean |w_in|', () => {
  const { model, inst, state } = setup(net3, [2], { rate: 1e-9, maturity: 0, decay: 0.5, utility: 'adaptable' });
  model.param('fc1.weight').data.set([0.5, -1, 2, 0, 1, 1]);
  model.param('fc1.bias').data.fill(0);
  model.param('fc2.weight').data.set([1, 0.1, 0.4, -1, 0.1, -0.2]);
  const x1 = [1, 0], x2 = [0.5, 1];
  const h = (x: number[]) => [0, 1, 2].map((i) => Math.max(0, model.param('fc1.weight').data[i * 2]! * x[0]! + model.param('fc1.weight').data[i * 2 + 1]! * x[1]!));
  const outMag = [1, 0.1, 0.3], inMag = [0.75, 1, 1];
  const h1 = h(x1), h2 = h(x2);
  model.forward(input(x1, [1, 2]), true);
  inst.afterUpdate!(info(1));
  model.forward(input(x2, [1, 2]), true);
  inst.afterUpdate!(info(2));
  for (let i = 0; i < 3; i++) {
    // Step 1: mean = 0.5 h1, corrected h1, deviation 0. Step 2: mean = 0.25 h1 + 0.5 h2 over (1 - 0.25).
    const m2 = (0.25 * h1[i]! + 0.5 * h2[i]!) / 0.75;
    const y2 = (Math.abs(h2[i]! - m2) * outMag[i]!) / inMag[i]!;
    const expected = 0.5 * (0.5 * 0) + 0.5 * y2;
    assert.ok(Math.abs(state.utility.arrays['h1']![i]! - expected) < 1e-12, `unit ${i}: ${state.utility.arrays['h1']![i]} vs ${expected}`);
  }
});

test('bias compensation: the next layer bias gains the replaced unit mean activation times its outgoing weights, before the unit is reset', () => {
  const { model, inst } = setup(net3, [2], { rate: 1 / 3, maturity: 0, decay: 0.9, compensateBias: true });
  model.param('fc1.weight').data.set([0.5, 0, 2, 0, 1, 0]);
  model.param('fc1.bias').data.fill(0);
  model.param('fc2.weight').data.set([1, 0.1, 0.4, -1, 0.1, -0.2]);
  model.forward(input([1, 0], [1, 2]), true);
  const edits = inst.afterUpdate!(info(1)) as Edit[];
  // Unit 1 (h = 2; its bias-corrected mean after one step is 2): bias += 2 * [0.1, 0.1].
  assert.equal(edits.length, 2);
  assert.equal(edits[0]!.kind, 'addToParam');
  const add = edits[0] as AddToParam;
  assert.equal(add.param, 'fc2.bias');
  assert.deepEqual(add.indices, [0, 1]);
  add.values.forEach((v) => assert.ok(Math.abs(v - 0.2) < 1e-12));
  assert.equal(edits[1]!.kind, 'reinitUnits');
});

test('cbp groups option picks layers and names the known ones on a typo', () => {
  const model = Model.build(sequential(linear(3), activation('relu'), linear(3), activation('relu'), linear(2)), { inputShape: [2], backend, rng: Rng.seeded(1) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.1 }), loss: crossEntropy });
  const make = (groups: string[]) => cbp.create(configureMethod(cbp, { groups }) as never, { model, learner, backend, rng: Rng.seeded(1) });
  assert.deepEqual(Object.keys((make(['h2']).state as CbpState).age.arrays), ['h2']);
  assert.throws(() => make(['h3']), /no unit group named 'h3'; groups: h1, h2/);
});

test('a CReLU unit has two features (relu(z), relu(-z)): its contribution sums both, each with its own outgoing column', () => {
  const { model, inst, state } = setup(sequential(linear(2, { bias: false }), { type: 'crelu' }, linear(1, { bias: false })), [1], { rate: 1e-9, decay: 0 });
  model.param('fc1.weight').data.set([1, -2]); // z = [1, -2] for x = 1: features [relu(z), relu(-z)] = [1, 0, 0, 2]
  model.param('fc2.weight').data.set([0.5, -3, 7, -0.25]);
  model.forward(input([1], [1, 1]), true);
  inst.afterUpdate!(info(1));
  const u = state.utility.arrays['h1']!;
  assert.ok(Math.abs(u[0]! - (1 * 0.5 + 0 * 7)) < 1e-12, `${u[0]}`);
  assert.ok(Math.abs(u[1]! - (0 * 3 + 2 * 0.25)) < 1e-12, `${u[1]}`);
});

// The adaptable utility divides by mean |w_in|; on the online MLP the first layer's row sums are kept by the whole
// step as it writes the rows (GroupPlan.keepRowSums) instead of summed over all its weights every step. Anything
// else that touches the weights (an evaluation, a replacement, a probe) reads param.data, after which they are summed
// again. Here one run reads the first layer's weights after every step, so every step sums them, and the other
// never does: the same units replaced, the same utilities and weights, bit for bit.
for (const name of availableBackends()) {
  test(`adaptable cbp: the first-layer row sums the online step keeps give the run that sums them every step, bit for bit (${name})`, () => {
    const go = (readEveryStep: boolean) => {
      let kept = 0;
      const b = getBackend(name);
      const counted = new Proxy(b, {
        get(target, key, receiver) {
          const v = Reflect.get(target, key, receiver);
          if (key !== 'cbpUtility') return v;
          return (...args: Parameters<Backend['cbpUtility']>) => {
            if (args[5] === null && args[11] !== null) kept++;
            return target.cbpUtility(...args);
          };
        },
      });
      // 300 x 64 first-layer weights: the native backend's addon runs the step.
      const model = Model.build(mlp({ hidden: [64, 16], outputs: 5 }), { inputShape: [300], backend: counted, rng: Rng.seeded(3) });
      const learner = new Learner({ model, optimizer: sgd({ lr: 0.05 }), loss: crossEntropy });
      const c = configureMethod(cbp, { utility: 'adaptable', rate: 0.002, maturity: 20 }) as ReturnType<typeof cbpSchema.parse>;
      const inst = cbp.create(c, { model, learner, backend: counted, rng: Rng.seeded(9) });
      const state = inst.state as CbpState;
      const rng = Rng.seeded(5), editRng = Rng.seeded(6);
      const x = new Tensor(b.alloc(300), [1, 300]);
      const y = b.alloc(1);
      let replaced = 0;
      for (let s = 1; s <= 200; s++) {
        rng.fillUniform(x.data, 0, 1);
        y[0] = rng.int(5);
        learner.trainStep(x, y);
        const edits = inst.afterUpdate!(info(s));
        replaced += edits.length;
        applyEdits(edits, { model, states: [learner.optState, state] }, editRng);
        if (readEveryStep) assert.ok(Number.isFinite(model.params[0]!.data[0]));
      }
      const groups = ['h1', 'h2'];
      return {
        kept,
        replaced,
        utility: groups.map((g) => [...state.utility.arrays[g]!]),
        params: model.params.map((p) => [...p.data]),
      };
    };
    const keeping = go(false), summing = go(true);
    assert.ok(keeping.replaced > 0, 'units were replaced');
    assert.ok(keeping.kept > 120, `steps that used the kept sums: ${keeping.kept}`);
    assert.equal(summing.kept, 0);
    assert.equal(keeping.replaced, summing.replaced);
    assert.deepEqual(keeping.utility, summing.utility);
    assert.deepEqual(keeping.params, summing.params);
  });
}
