import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend, availableBackends } from './selectBackend.js';

test('the wasm axpy and fill match the reference', () => {
  if (!availableBackends().includes('wasm')) return;
  const w = getBackend('wasm');
  const x = w.alloc(7), y = w.alloc(7);
  for (let i = 0; i < 7; i++) { x[i] = i; y[i] = 1; }
  w.axpy(2, x, y);
  assert.deepEqual([...y], [1, 3, 5, 7, 9, 11, 13]);
  w.fill(y, 0.5);
  assert.deepEqual([...y], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
});

test('the wasm fused batch-1 linear backward with weight decay (beta != 1) matches the reference', () => {
  if (!availableBackends().includes('wasm')) return;
  const out = 5;
  // 11: the row tails past the last group of four; 37: the wasm loops of two and four vectors, then both tails.
  // With dx (a hidden layer: one sweep reads each weight for dx and updates it) and without (the first layer).
  for (const inp of [11, 37]) for (const withDx of [true, false]) {
    const run = (name: 'ts' | 'wasm') => {
      const b = getBackend(name);
      const dy = b.alloc(out), x = b.alloc(inp), w = b.alloc(out * inp), dx = withDx ? b.alloc(inp) : null, bias = b.alloc(out);
      for (let i = 0; i < out; i++) { dy[i] = i % 2 === 0 ? 0 : 0.5 - 0.3 * i; bias[i] = 0.1 * i; } // zero rows are only decayed
      for (let j = 0; j < inp; j++) x[j] = Math.sin(j + 1);
      for (let k = 0; k < out * inp; k++) w[k] = Math.cos(3 * k);
      // SGD fused into backward: the weights are their own update target (w <- beta w + alpha dy x^T).
      b.linearBackward(1, out, inp, dy, x, w, dx, -0.01, 0.999, w, -0.01, 0.999, bias);
      return { w: [...w], dx: dx ? [...dx] : [], bias: [...bias] };
    };
    const ref = run('ts'), got = run('wasm');
    for (const key of ['w', 'dx', 'bias'] as const) {
      ref[key].forEach((v, i) => assert.ok(Math.abs(got[key][i]! - v) <= 1e-6 * (1 + Math.abs(v)), `inp ${inp} dx ${withDx}: ${key}[${i}]: wasm ${got[key][i]} vs ts ${v}`));
    }
    // The rows with zero gradient moved by the decay alone.
    for (let k = 0; k < inp; k++) assert.ok(Math.abs(got.w[k]! - 0.999 * Math.fround(Math.cos(3 * k))) < 1e-6, `inp ${inp} dx ${withDx}: w[${k}]`);
  }
});

test('sumAbsDiffAndCopy: the sum of |x - copy| and the refreshed copy match the reference on every backend', () => {
  for (const name of availableBackends()) for (const n of [23, 1000]) {
    // 23: one block and a tail; 1000: many blocks of 64 values (the wasm kernel sums those in f32).
    const b = getBackend(name);
    const x = b.alloc(n), copy = b.alloc(n);
    let expected = 0;
    for (let i = 0; i < n; i++) {
      x[i] = Math.sin(i);
      copy[i] = Math.cos(2 * i);
      expected += Math.abs(x[i]! - copy[i]!);
    }
    const got = b.sumAbsDiffAndCopy(x, copy);
    assert.ok(Math.abs(got - expected) < 1e-6 * expected, `${name} ${n}: ${got} vs ${expected}`);
    assert.deepEqual([...copy], [...x], `${name}: copy refreshed`);
    assert.equal(b.sumAbsDiffAndCopy(x, copy), 0, `${name}: nothing moved`);
  }
});
