import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../backend/Backend.js';
import { availableBackends, getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { Model } from '../nn/Model.js';
import type { LayerSpec } from '../nn/LayerSpec.js';
import { mlp } from '../nn/models/mlp.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { meanSquaredError } from '../losses/meanSquaredError.js';
import type { Loss } from '../losses/Loss.js';
import { sgd } from '../optim/optimizers.js';
import type { Transform } from '../optim/Transform.js';
import { Learner } from './Learner.js';

/** The backend, counting the whole-step kernel's calls. */
function counting(b: Backend): { backend: Backend; calls: () => number } {
  let n = 0;
  const backend = new Proxy(b, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (key !== 'denseReluStep') return v;
      return (...args: Parameters<Backend['denseReluStep']>) => {
        n++;
        return target.denseReluStep(...args);
      };
    },
  });
  return { backend, calls: () => n };
}

interface Run {
  learner: Learner;
  losses: number[];
  correct: number;
  calls: number;
}

/** Online training (batch 1) on 40 random examples, 120 steps; regularizers: 'none', 'l2' (weights) or 'l2-init'. */
function run(b: Backend, fuse: 'auto' | 'layerwise', opts: { spec?: LayerSpec; loss?: Loss; optimizer?: Transform; regs?: 'none' | 'l2' | 'l2-init'; checkFinite?: boolean; batch?: number } = {}): Run {
  const { backend, calls } = counting(b);
  // 13 x 320 weights: above the native backend's layer threshold, so its addon runs the step.
  const spec = opts.spec ?? mlp({ hidden: [320, 9, 16], outputs: 5 });
  const model = Model.build(spec, { inputShape: [13], backend, rng: Rng.seeded(7), checkFinite: opts.checkFinite });
  const learner = new Learner({ model, optimizer: opts.optimizer ?? sgd({ lr: 0.05 }), loss: opts.loss ?? crossEntropy, fuse });
  if (opts.regs === 'l2') learner.addRegularizer({ coef: 0.01, appliesTo: (p) => p.role === 'weight' });
  if (opts.regs === 'l2-init') {
    learner.addRegularizer({
      coef: 0.02,
      anchor: model.params.map((p) => {
        const a = b.alloc(p.data.length);
        a.set(p.data);
        return a;
      }),
    });
  }
  const rng = Rng.seeded(11);
  const batch = opts.batch ?? 1;
  const classification = (opts.loss ?? crossEntropy).classification;
  const xs: Tensor[] = [];
  const ys: Float32Array[] = [];
  for (let i = 0; i < 40; i++) {
    const x = new Tensor(b.alloc(13 * batch), [batch, 13]);
    rng.fillUniform(x.data, -1, 1);
    const y = b.alloc(classification ? batch : batch * 5) as Float32Array;
    for (let j = 0; j < y.length; j++) y[j] = classification ? rng.int(5) : rng.uniform(-1, 1);
    xs.push(x);
    ys.push(y);
  }
  const losses: number[] = [];
  let correct = 0;
  for (let s = 0; s < 120; s++) {
    const r = learner.trainStep(xs[s % 40]!, ys[s % 40]!);
    losses.push(r.sum);
    correct += r.correct;
  }
  return { learner, losses, correct, calls: calls() };
}

/** Everything the step leaves for others to read: parameters, every layer's output, the ReLU inputs, the model output. */
function state(r: Run): Float32Array[] {
  const m = r.learner.model;
  const out: Float32Array[] = m.params.map((p) => Float32Array.from(p.data));
  for (const l of m.layers) {
    if (l.output) out.push(Float32Array.from(l.output.data));
    const input = (l as { input?: Tensor | null }).input;
    if (input) out.push(Float32Array.from(input.data));
  }
  return out;
}

// Bit for bit where the fused step runs the same kernels in the same order; native's addon kernels round
// differently from the wasm kernels its per-layer path uses for small layers.
const exact = (name: string): boolean => name !== 'native';

for (const name of availableBackends()) {
  for (const regs of ['none', 'l2', 'l2-init'] as const) {
    test(`the whole-step kernel leaves what the layer-by-layer step leaves (${name}, regularizers ${regs})`, () => {
      const b = getBackend(name);
      const fused = run(b, 'auto', { regs });
      const layered = run(b, 'layerwise', { regs });
      assert.equal(fused.calls, 120, 'every step is one denseReluStep call');
      assert.equal(layered.calls, 0);
      assert.equal(fused.learner.step, 120);
      assert.equal(fused.correct, layered.correct);
      const a = state(fused), c = state(layered);
      assert.equal(a.length, c.length);
      if (exact(name)) {
        assert.deepEqual(fused.losses, layered.losses);
        a.forEach((v, i) => assert.deepEqual(v, c[i], `array ${i}`));
      } else {
        fused.losses.forEach((v, i) => assert.ok(Math.abs(v - layered.losses[i]!) <= 1e-4 * Math.max(1, Math.abs(v)), `loss ${i}: ${v} vs ${layered.losses[i]}`));
        a.forEach((v, i) => {
          for (let j = 0; j < v.length; j++) assert.ok(Math.abs(v[j]! - c[i]![j]!) <= 1e-4 * Math.max(1, Math.abs(c[i]![j]!)), `array ${i}[${j}]: ${v[j]} vs ${c[i]![j]}`);
        });
      }
      // Training worked: the later losses are lower than the first ones.
      const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
      assert.ok(mean(fused.losses.slice(80)) < mean(fused.losses.slice(0, 40)), 'the loss went down');
    });
  }

  test(`the whole-step kernel: same seed, same run, bit for bit (${name})`, () => {
    const b = getBackend(name);
    const a = run(b, 'auto', { regs: 'l2' });
    const c = run(b, 'auto', { regs: 'l2' });
    assert.equal(a.calls, 120);
    assert.deepEqual(a.losses, c.losses);
    state(a).forEach((v, i) => assert.deepEqual(v, state(c)[i]));
  });
}

test('the learner falls back to the layer-by-layer step where the whole-step kernel does not apply', () => {
  const b = getBackend('ts');
  const cases: [string, Parameters<typeof run>[2]][] = [
    ['momentum (not affine)', { optimizer: sgd({ lr: 0.05, momentum: 0.9 }) }],
    ['mean squared error', { loss: meanSquaredError }],
    ['checkFinite', { checkFinite: true }],
    ['a batch of 2', { batch: 2 }],
    ['tanh', { spec: mlp({ hidden: [8], outputs: 5, activation: 'tanh' }) }],
    ['layer norm', { spec: mlp({ hidden: [8], outputs: 5, layerNorm: true }) }],
    ['spectral norm', { spec: mlp({ hidden: [8], outputs: 5, spectralNorm: 'all' }) }],
  ];
  for (const [what, opts] of cases) {
    const r = run(b, 'auto', opts);
    assert.equal(r.calls, 0, what);
    assert.equal(r.learner.step, 120, what);
  }
  // One linear layer (logistic regression) qualifies.
  assert.equal(run(b, 'auto', { spec: mlp({ hidden: [], outputs: 5 }) }).calls, 120);
});

test("fuse rejects a value it does not know", () => {
  const b = getBackend('ts');
  const model = Model.build(mlp({ hidden: [4], outputs: 2 }), { inputShape: [3], backend: b, rng: Rng.seeded(1) });
  assert.throws(() => new Learner({ model, optimizer: sgd({ lr: 0.1 }), loss: crossEntropy, fuse: 'always' as 'auto' }), /learner: fuse = 'always' is not allowed; allowed: auto, layerwise, never/);
});

// Continual backprop's adaptable utility reads sum |w| of every first-layer row each step; the step keeps those
// sums as it writes the rows (Backend.denseReluStep's rowAbsSums). Filled with the sums before the step, the array
// afterwards holds the backend's own rowSumsAbs of the updated weights, bit for bit: rows written, summed as they
// are written; rows left alone, kept.
for (const name of availableBackends()) {
  test(`the whole-step kernel keeps the first layer's row sums as rowSumsAbs sums the updated weights (${name})`, () => {
    const b = getBackend(name);
    // 300 x 64: above the native backend's layer threshold; 13 x 5: below it; a silent unit's row is not written.
    for (const sizes of [[300, 64, 16, 5], [13, 5, 4]]) {
      for (const decay of [0, 0.01]) {
        const rng = Rng.seeded(sizes[0]! + (decay ? 1 : 0));
        const layers = sizes.length - 1;
        const weights: Float32Array[] = [], biases: Float32Array[] = [], pre: Float32Array[] = [], post: Float32Array[] = [];
        const coefs = new Float64Array(4 * layers);
        for (let l = 0; l < layers; l++) {
          const w = b.alloc(sizes[l + 1]! * sizes[l]!) as Float32Array;
          rng.fillUniform(w, -1 / Math.sqrt(sizes[l]!), 1 / Math.sqrt(sizes[l]!));
          const bias = b.alloc(sizes[l + 1]!) as Float32Array;
          bias[0] = -100;
          weights.push(w);
          biases.push(bias);
          pre.push(b.alloc(sizes[l + 1]!) as Float32Array);
          if (l < layers - 1) post.push(b.alloc(sizes[l + 1]!) as Float32Array);
          coefs.set([-0.05, 1 - 0.05 * decay, -0.05, 1 - 0.05 * decay], 4 * l);
        }
        const x = b.alloc(sizes[0]!);
        rng.fillUniform(x, 0, 1);
        const label = b.alloc(1);
        label[0] = 1;
        const sums = b.alloc(sizes[1]!), expected = b.alloc(sizes[1]!);
        const scratch = b.alloc(2 * Math.max(...sizes.slice(1, -1)));
        for (let step = 0; step < 3; step++) {
          if (step === 0) b.rowSumsAbs(weights[0]!, sizes[1]!, sizes[0]!, sums);
          const before = weights[0]!.slice();
          b.denseReluStep(sizes, x, label, weights, biases, pre, post, coefs, b.alloc(sizes[layers]!), scratch, undefined, sums);
          b.rowSumsAbs(weights[0]!, sizes[1]!, sizes[0]!, expected);
          assert.deepEqual([...sums], [...expected], `sizes ${sizes.join('-')} decay ${decay} step ${step}`);
          assert.ok(weights[0]!.some((v, i) => v !== before[i]), 'the step wrote the first layer');
          if (decay === 0) assert.deepEqual(weights[0]!.subarray(0, sizes[0]!), before.subarray(0, sizes[0]!), 'the silent unit\'s row is left alone');
          rng.fillUniform(x, 0, 1);
        }
      }
    }
  });
}
