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

test('batch-1 linear forward and fused SGD backward (beta = 1: active rows four at a time) match the reference on every backend', () => {
  // 13 x 11: tails past the groups of four rows and of four columns (wasm); 37 x 203: above the native backend's
  // layer threshold (its own kernels). Every third gradient is zero: groups of four active rows and leftovers.
  for (const [out, inp] of [[13, 11], [37, 203], [8, 100]] as const) {
    const run = (name: string) => {
      const b = getBackend(name);
      const dy = b.alloc(out), x = b.alloc(inp), w = b.alloc(out * inp), dx = b.alloc(inp), bias = b.alloc(out), y = b.alloc(out);
      for (let i = 0; i < out; i++) { dy[i] = i % 3 === 1 ? 0 : 0.5 - 0.03 * i; bias[i] = 0.1 * i; }
      for (let j = 0; j < inp; j++) x[j] = Math.sin(j + 1);
      for (let k = 0; k < out * inp; k++) w[k] = Math.cos(3 * k);
      b.linearForward(1, out, inp, x, w, bias, y);
      b.linearBackward(1, out, inp, dy, x, w, dx, -0.01, 1, w, -0.01, 1, bias);
      return { y: [...y], w: [...w], dx: [...dx], bias: [...bias] };
    };
    const ref = run('ts');
    for (const name of availableBackends()) {
      const got = run(name);
      for (const key of ['y', 'w', 'dx', 'bias'] as const) {
        ref[key].forEach((v, i) => assert.ok(Math.abs(got[key][i]! - v) <= 1e-5 * (1 + Math.abs(v)), `${name} ${out}x${inp} ${key}[${i}]: ${got[key][i]} vs ts ${v}`));
      }
    }
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

test('cbpUtility with its state in backend memory: the loop over units bit for bit as the reference on every backend', () => {
  // Column sums given, and row sums of 9 values (exact in float64 in any order), so every float32 backend must compute
  // the same float64 values (the kernel's unit loop is the reference's arithmetic, lane by lane); 13 units: pairs and
  // a tail.
  const units = 13, rowsOut = 6, inSize = 9;
  for (const kind of ['contribution', 'mean', 'adaptable'] as const) {
    const withMean = kind !== 'contribution';
    const run = (name: string) => {
      const b = getBackend(name);
      const rows = withMean ? 5 : 3;
      const bytes = b.allocBytes(8 * rows * units);
      const state = new Float64Array(bytes.buffer, bytes.byteOffset, rows * units);
      for (let i = 0; i < units; i++) {
        state[i] = 0.1 * i; // utility
        state[units + i] = 95 + i; // age
        state[2 * units + i] = 0.99 ** (95 + i); // decay power
        if (withMean) state[3 * units + i] = 0.2 * Math.cos(i);
      }
      const h = b.alloc(units), colSum = b.alloc(units), rowSum = b.alloc(units), wIn = b.alloc(units * inSize);
      for (let i = 0; i < units; i++) {
        h[i] = i % 3 === 0 ? 0 : Math.sin(i);
        colSum[i] = 1 + Math.cos(i);
      }
      // Unit 4's incoming row is all zero: the adaptable value is Infinity (h differs from its mean).
      for (let k = 0; k < units * inSize; k++) wIn[k] = Math.floor(k / inSize) === 4 ? 0 : Math.sin(3 * k);
      const mature = b.cbpUtility(units, rowsOut, null, h, inSize, kind === 'adaptable' ? wIn : null, 0.99, 100, withMean, state, colSum, kind === 'adaptable' ? rowSum : null);
      return { mature, state: [...state] };
    };
    const ref = run('ts');
    assert.equal(ref.mature, 8, 'ages 96..108 after the step: 8 above 100');
    if (kind === 'adaptable') assert.equal(ref.state[4], Infinity);
    for (const name of availableBackends()) if (name !== 'ts64') assert.deepEqual(run(name), ref, `${name} ${kind}`);
  }
});

test('maxPoolCnhw and maxPoolBackwardCnhw: the unfused sequence (transpose01AddBias, maxPool; maxPoolBackward, transpose01SumChannels) on every backend, and wasm as the reference', () => {
  const [c, n, h, w] = [5, 3, 6, 7];
  const hw = h * w, oh = 3, ow = 3;
  const A = Float32Array.from({ length: c * n * hw }, (_, i) => Math.sin(1.7 * i + 0.3));
  const BIAS = Float32Array.from({ length: c }, (_, i) => 0.1 * i - 0.2);
  const DY = Float32Array.from({ length: n * c * oh * ow }, (_, i) => Math.cos(0.9 * i));
  const results: Record<string, { y: number[]; argmax: number[]; dx: number[]; sums: number[] }> = {};
  for (const name of availableBackends()) {
    const b = getBackend(name);
    const put = (v: Float32Array) => {
      const a = b.alloc(v.length);
      a.set(v);
      return a;
    };
    const a = put(A), y = b.alloc(DY.length), argmax = b.alloc(DY.length), dx = b.alloc(A.length), sums = put(BIAS);
    b.maxPoolCnhw(a, c, n, h, w, 2, 2, put(BIAS), y, argmax);
    b.maxPoolBackwardCnhw(put(DY), argmax, n, c, h, w, oh, ow, dx, -0.5, 0.75, sums);
    // The sequence the kernels stand for, on the same backend: the same bits.
    const x = b.alloc(A.length), y2 = b.alloc(DY.length), m2 = b.alloc(DY.length), g = b.alloc(A.length), dx2 = b.alloc(A.length), s2 = put(BIAS);
    b.transpose01AddBias(put(A), c, n, hw, put(BIAS), x);
    b.maxPool(x, n, c, h, w, 2, 2, y2, m2);
    b.maxPoolBackward(put(DY), m2, n, c, h, w, oh, ow, g);
    b.transpose01SumChannels(g, n, c, hw, dx2, -0.5, 0.75, s2);
    const same = (p: ArrayLike<number>, q: ArrayLike<number>, what: string) => {
      for (let i = 0; i < q.length; i++) if (!Object.is(p[i], q[i])) assert.fail(`${name} ${what}[${i}]: ${p[i]} fused, ${q[i]} unfused`);
    };
    same(y, y2, 'y');
    same(argmax, m2, 'argmax');
    same(dx, dx2, 'dx');
    same(sums, s2, 'sums');
    results[name] = { y: [...y], argmax: [...argmax], dx: [...dx], sums: [...sums] };
  }
  const ref = results.ts!;
  for (const [name, got] of Object.entries(results)) {
    assert.deepEqual(got.argmax, ref.argmax, `${name} argmax`);
    // ts64 computes in float64: values as close as float32 rounding.
    for (const key of ['y', 'dx', 'sums'] as const) {
      got[key].forEach((v, i) => assert.ok(Math.abs(v - ref[key][i]!) <= 1e-5 * (1 + Math.abs(ref[key][i]!)), `${name} ${key}[${i}]: ${v} vs ts ${ref[key][i]}`));
    }
  }
});
