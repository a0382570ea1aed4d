import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import type { Param } from '../nn/Param.js';
import { adam, adamw, sgd } from './optimizers.js';
import { addDecayedWeights, chain, clipByGlobalNorm, scaleByLearningRate, trace } from './transforms.js';
import { scheduleAt, stepDecay } from './schedules.js';
import { applyUpdates, type Transform } from './Transform.js';
import { buildOptimizer, optimizerSchema } from './optimizerConfig.js';
import { collectSlots } from '../nn/Slots.js';
import { parseConfig } from '../config/parseConfig.js';

const backend = getBackend('ts64');

function param(values: number[]): Param {
  const data = backend.alloc(values.length);
  data.set(values);
  return { name: 'w', role: 'weight', shape: [values.length], data, grad: backend.alloc(values.length), init: { dist: 'constant', value: 0 }, trainable: true, index: 0 };
}

/** Run an optimizer on one parameter with a given gradient sequence; returns the parameter after each step. */
function run(opt: Transform, w0: number[], grads: number[][]): { history: number[][]; state: unknown; p: Param } {
  const p = param(w0);
  const state = opt.init([p], backend);
  const history: number[][] = [];
  grads.forEach((g, i) => {
    p.grad.set(g);
    opt.update([p.grad], state, [p], { step: i + 1, taskStep: i + 1, backend });
    applyUpdates([p], [p.grad], backend);
    history.push([...p.data]);
  });
  return { history, state, p };
}

const close = (a: number[], b: number[], tol = 1e-12) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)), `${a} vs ${b}`));

test('SGD with weight decay, momentum and Nesterov follows PyTorch by hand', () => {
  const g = [[1], [2], [-1]];
  // torch: d = g + wd w; buf = mu buf + d (buf_1 = d); w -= lr * buf (or lr * (d + mu buf) with nesterov)
  const lr = 0.1, wd = 0.01, mu = 0.9;
  let w = 1, buf = 0;
  const plain: number[] = [], nest: number[] = [];
  for (const [gi] of g) { const d = gi! + wd * w; buf = mu * buf + d; w -= lr * buf; plain.push(w); }
  w = 1; buf = 0;
  for (const [gi] of g) { const d = gi! + wd * w; buf = mu * buf + d; w -= lr * (d + mu * buf); nest.push(w); }
  close(run(sgd({ lr, weightDecay: wd, momentum: mu }), [1], g).history.map((h) => h[0]!), plain);
  close(run(sgd({ lr, weightDecay: wd, momentum: mu, nesterov: true }), [1], g).history.map((h) => h[0]!), nest);
});

test('Adam and AdamW follow their definitions by hand', () => {
  const g = [[0.5, -2], [1, 1], [-0.25, 3]];
  const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
  const expect = (decoupled: boolean) => {
    const w = [1, -1], m = [0, 0], v = [0, 0];
    const out: number[][] = [];
    g.forEach((gs, t) => {
      for (let i = 0; i < 2; i++) {
        let gi = gs[i]!;
        if (!decoupled) gi += wd * w[i]!;
        m[i] = b1 * m[i]! + (1 - b1) * gi;
        v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
        const mh = m[i]! / (1 - b1 ** (t + 1)), vh = v[i]! / (1 - b2 ** (t + 1));
        w[i] = w[i]! - lr * (mh / (Math.sqrt(vh) + eps) + (decoupled ? wd * w[i]! : 0));
      }
      out.push([...w]);
    });
    return out;
  };
  run(adam({ lr, b1, b2, eps, weightDecay: wd }), [1, -1], g).history.forEach((h, i) => close(h, expect(false)[i]!, 1e-10));
  run(adamw({ lr, b1, b2, eps, weightDecay: wd }), [1, -1], g).history.forEach((h, i) => close(h, expect(true)[i]!, 1e-10));
});

test("Adam's per-element counts: a reset element restarts its bias correction, the others do not", () => {
  const opt = adam({ lr: 1, b1: 0.9, b2: 0.999, eps: 0 });
  const { state, p } = run(opt, [0, 0], [[1, 1], [1, 1], [1, 1]]);
  const { params: slots } = collectSlots([state]);
  assert.deepEqual(slots.map((s) => s.name).sort(), ['adam.b1Power', 'adam.b2Power', 'adam.m', 'adam.v']);
  for (const s of slots) s.arrays[0]![1] = s.reset as number; // reset element 1 only
  const before = [...p.data];
  p.grad.set([0.3, 0.3]);
  opt.update([p.grad], state, [p], { step: 4, taskStep: 4, backend });
  // Element 1 is on its first step again: m_hat = g, v_hat = g^2, so the update is -lr * sign(g) = -1.
  assert.ok(Math.abs(p.grad[1]! - -1) < 1e-12);
  // Element 0 is on its fourth step: a smaller, bias-corrected step.
  const m = 0.9 * (0.9 * (0.9 * 0.1 + 0.1) + 0.1) + 0.1 * 0.3, v4 = (1 - 0.999 ** 3) * 0.999 + 0.001 * 0.09;
  const expected = -(m / (1 - 0.9 ** 4)) / Math.sqrt(v4 / (1 - 0.999 ** 4));
  assert.ok(Math.abs(p.grad[0]! - expected) < 1e-9, `${p.grad[0]} vs ${expected}`);
  assert.deepEqual([...p.data], before);
});

test('clipping by global norm scales all updates together', () => {
  const { history } = run(chain(clipByGlobalNorm(1), scaleByLearningRate(1)), [0, 0], [[3, 4]]);
  close(history[0]!, [-0.6, -0.8], 1e-6);
  const small = run(chain(clipByGlobalNorm(10), scaleByLearningRate(1)), [0, 0], [[3, 4]]);
  close(small.history[0]!, [-3, -4]);
});

test('affine chains compose (fused SGD) and stateful ones are not affine', () => {
  const p = param([1]);
  const out = { a: 0, b: 0 };
  assert.ok(chain(addDecayedWeights(0.1), scaleByLearningRate(0.5)).affine!({ step: 1, taskStep: 1 }, p, out));
  assert.deepEqual(out, { a: -0.5, b: -0.05 });
  assert.equal(chain(trace({ momentum: 0.9 }), scaleByLearningRate(0.5)).affine, undefined);
  assert.equal(sgd({ lr: 0.1, momentum: 0.9 }).affine, undefined);
  assert.notEqual(sgd({ lr: 0.1, weightDecay: 1e-4 }).affine, undefined);
});

test('schedules: piecewise, the CIFAR-100 step decay, warmup, cosine', () => {
  const s = stepDecay(100);
  assert.deepEqual([1, 30, 31, 60, 61, 80, 81, 100].map((t) => scheduleAt(s, t)), [0.1, 0.1, 0.02, 0.02, 0.004, 0.004, 0.0008, 0.0008]);
  assert.equal(scheduleAt({ kind: 'warmup', warmup: 10, value: 1 }, 5), 0.5);
  assert.ok(Math.abs(scheduleAt({ kind: 'cosine', value: 1, steps: 10 }, 5) - 0.5) < 1e-12);
  assert.equal(scheduleAt({ kind: 'cosine', value: 1, steps: 10 }, 20), 0);
  const perTask = { kind: 'per-task', schedule: { kind: 'piecewise', boundaries: [10], values: [1, 0.5] } } as const;
  assert.equal(scheduleAt(perTask, { step: 25, taskStep: 5 }), 1);
  assert.equal(scheduleAt(perTask, { step: 25, taskStep: 15 }), 0.5);
  const byEpoch = { kind: 'epochs', boundaries: [60, 120, 160], values: [0.1, 0.02, 0.004, 0.0008] } as const;
  assert.deepEqual([0, 59, 60, 119, 120, 160, 199].map((epoch) => scheduleAt(byEpoch, { step: 1, taskStep: 1, epoch })), [0.1, 0.1, 0.02, 0.02, 0.004, 0.0008, 0.0008]);
});

test('optimizer config: defaults, adam-tuned preset, errors', () => {
  const c = parseConfig(optimizerSchema, { preset: 'adam-tuned', lr: 1e-3 }, 'optimizer');
  const opt = buildOptimizer(c);
  assert.match(opt.name, /scaleByAdam/);
  // beta1 = beta2 = 0.99: the first step of element with g = 1 is -lr, the second with g = 0 is -lr * (0.99/(1-0.99^2)) / sqrt(0.99/(1-0.99^2))
  const { history } = run(opt, [0], [[1], [0]]);
  close([history[0]![0]!], [-1e-3], 1e-9);
  const bc = (0.01 * 0.99) / (1 - 0.99 ** 2); // m_hat = v_hat after one step of g = 1 and one of g = 0
  close([history[1]![0]! - history[0]![0]!], [-1e-3 * bc / (Math.sqrt(bc) + 1e-8)], 1e-9);
  assert.throws(() => parseConfig(optimizerSchema, { name: 'rmsprop' }, 'optimizer'), /name = "rmsprop" is not allowed: allowed: "sgd", "adam", "adamw"/);
  assert.throws(() => parseConfig(optimizerSchema, { beta1: 0.9 }, 'optimizer'), /'beta1' is not an option; known keys: name, preset, lr/);
});
