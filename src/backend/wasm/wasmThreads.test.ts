import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../tensor/Rng.js';
import { Activation } from '../Backend.js';
import { denseReluStepByParts } from '../denseReluStepByParts.js';
import { createWasmBackend, defaultThreads, wasmAvailable, type WasmBackend, type WasmBackendOptions } from './wasmBackend.js';

// Worker threads split the output, or a reduction into halves fixed by its length alone (the thin NT product):
// results must not depend on the thread count.

const skip = !wasmAvailable();

function filled(b: WasmBackend, values: Float32Array): Float32Array {
  const a = b.alloc(values.length) as Float32Array;
  a.set(values);
  return a;
}

function random(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  rng.fillUniform(a, -1, 1);
  return a;
}

function assertBitIdentical(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}: value ${i} is ${got[i]} with threads, ${want[i]} without`);
}

/**
 * Runs `body` with a one-thread backend and the same on 2 and 3 threads under `split` (a threshold at 0: every job of
 * that kind is shared), their workers started; ends the workers after.
 */
async function onThreadCounts(split: WasmBackendOptions, body: (one: WasmBackend, many: WasmBackend[]) => void): Promise<void> {
  const one = createWasmBackend({ threads: 1 });
  const many = [createWasmBackend({ ...split, threads: 2 }), createWasmBackend({ ...split, threads: 3 })];
  for (const b of many) await b.startThreads();
  try {
    body(one, many);
  } finally {
    for (const b of many) await b.close();
  }
}

test('wasm gemm gives bit-identical results with 1, 2 and 3 threads', { skip }, async () => {
  await onThreadCounts({ gemmThreadWork: 0 }, (one, many) => {
    for (const b of many) assert.equal(b.threadsReady(), b.threads);
    const rng = Rng.seeded(7);
    // 192 x 20: chunks rounded down to a whole number per thread (3 to 2 on two threads); the last two go to the
    // thin kernel as NT (its two halves on two threads).
    const shapes: [number, number, number][] = [[2, 3, 5], [37, 1001, 261], [300, 41, 70], [9, 9, 600], [64, 2100, 9], [192, 20, 50], [10, 9, 20003], [9, 12, 40000]];
    for (const [m, n, k] of shapes)
      for (const tA of [false, true])
        for (const tB of [false, true])
          for (const beta of [0, 0.5]) {
            const A = random(rng, m * k), B = random(rng, k * n), C = random(rng, m * n);
            const c1 = filled(one, C);
            one.gemm(tA, tB, m, n, k, 0.75, filled(one, A), filled(one, B), beta, c1);
            for (const b of many) {
              const c = filled(b, C);
              b.gemm(tA, tB, m, n, k, 0.75, filled(b, A), filled(b, B), beta, c);
              assertBitIdentical(c, c1, `${b.threads} threads, ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${m}x${n}x${k} beta=${beta}`);
            }
          }
  });
});

test('wasm im2col and col2im give bit-identical results with threads', { skip }, async () => {
  const one = createWasmBackend({ threads: 1 });
  const two = createWasmBackend({ threads: 2, convThreadWork: 0 });
  await two.startThreads();
  try {
    const rng = Rng.seeded(8);
    for (const [n, c, h, w, k, stride, pad] of [[2, 5, 9, 7, 3, 1, 1], [1, 3, 12, 12, 5, 2, 2], [3, 1, 4, 4, 3, 1, 0], [4, 6, 6, 6, 3, 1, 0]] as number[][]) {
      const oh = Math.floor((h! + 2 * pad! - k!) / stride!) + 1, ow = Math.floor((w! + 2 * pad! - k!) / stride!) + 1;
      const X = random(rng, n! * c! * h! * w!), COLS = random(rng, c! * k! * k! * n! * oh * ow);
      const cols1 = one.alloc(COLS.length) as Float32Array, cols2 = two.alloc(COLS.length) as Float32Array;
      one.im2col(filled(one, X), n!, c!, h!, w!, k!, k!, stride!, pad!, cols1);
      two.im2col(filled(two, X), n!, c!, h!, w!, k!, k!, stride!, pad!, cols2);
      assertBitIdentical(cols2, cols1, 'im2col');
      const x1 = one.alloc(X.length) as Float32Array, x2 = two.alloc(X.length) as Float32Array;
      one.col2im(filled(one, COLS), n!, c!, h!, w!, k!, k!, stride!, pad!, x1);
      two.col2im(filled(two, COLS), n!, c!, h!, w!, k!, k!, stride!, pad!, x2);
      assertBitIdentical(x2, x1, 'col2im');
    }
  } finally {
    await two.close();
  }
});

test('wasm max pooling, batch norm, activations and transpose01 give bit-identical results with threads', { skip }, async () => {
  const one = createWasmBackend({ threads: 1 });
  const two = createWasmBackend({ threads: 2, convThreadWork: 0 });
  await two.startThreads();
  try {
    const rng = Rng.seeded(9);
    // 2x2 windows (the fast path), odd sizes, 3x3 windows with step 2 (the scatter path), planes two outputs wide,
    // rows of six outputs (a quad overlapping the last).
    for (const [n, c, h, w, k, stride] of [[3, 5, 8, 6, 2, 2], [2, 7, 9, 7, 2, 2], [2, 3, 9, 9, 3, 2], [4, 6, 4, 4, 2, 2], [3, 5, 12, 12, 2, 2]] as number[][]) {
      const oh = Math.floor((h! - k!) / stride!) + 1, ow = Math.floor((w! - k!) / stride!) + 1;
      const X = random(rng, n! * c! * h! * w!), DY = random(rng, n! * c! * oh * ow);
      const run = (b: WasmBackend) => {
        const y = b.alloc(DY.length) as Float32Array, argmax = b.alloc(DY.length) as Float32Array, dx = b.alloc(X.length) as Float32Array;
        b.maxPool(filled(b, X), n!, c!, h!, w!, k!, stride!, y, argmax);
        b.maxPoolBackward(filled(b, DY), argmax, n!, c!, h!, w!, oh, ow, dx);
        return { y, argmax, dx };
      };
      const a = run(one), b = run(two);
      assertBitIdentical(b.y, a.y, 'maxPool y');
      assertBitIdentical(b.argmax, a.argmax, 'maxPool argmax');
      assertBitIdentical(b.dx, a.dx, 'maxPoolBackward');
    }
    // Every activation kind (the exp-based ones have vector and scalar paths), lengths with a scalar tail.
    for (const len of [1003, 64]) {
      const X = random(rng, len), DY = random(rng, len);
      for (const kind of Object.values(Activation)) {
        const run = (b: WasmBackend) => {
          const x = filled(b, X), y = b.alloc(len) as Float32Array, dx = b.alloc(len) as Float32Array;
          b.activation(kind, x, y, 0.1);
          b.activationBackward(kind, x, y, filled(b, DY), dx, 0.1);
          return { y, dx };
        };
        const a = run(one), b = run(two);
        assertBitIdentical(b.y, a.y, `activation ${kind}`);
        assertBitIdentical(b.dx, a.dx, `activationBackward ${kind}`);
      }
    }
    for (const [d0, d1, inner] of [[5, 3, 9], [7, 4, 16], [3, 5, 2]] as number[][]) {
      const A = random(rng, d0! * d1! * inner!);
      const o1 = one.alloc(A.length) as Float32Array, o2 = two.alloc(A.length) as Float32Array;
      one.transpose01(filled(one, A), d0!, d1!, inner!, o1);
      two.transpose01(filled(two, A), d0!, d1!, inner!, o2);
      assertBitIdentical(o2, o1, `transpose01 [${d0}, ${d1}, ${inner}]`);
    }
    const badArgmax = filled(two, new Float32Array(2 * 3 * 4).fill(99));
    assert.throws(() => two.maxPoolBackward(filled(two, new Float32Array(24)), badArgmax, 2, 3, 4, 4, 2, 2, two.alloc(96)), /maxPoolBackward: 24 argmax value\(s\) are not an index of a 4x4 plane/);
    for (const [n, c, hw] of [[4, 6, 10], [3, 1, 7], [2, 9, 33]] as number[][]) {
      const X = random(rng, n! * c! * hw!), DY = random(rng, n! * c! * hw!), G = random(rng, c!), B = random(rng, c!), RM = random(rng, c!), RV = random(rng, c!).map(Math.abs);
      const run = (b: WasmBackend) => {
        const al = (len: number) => b.alloc(len) as Float32Array;
        const y = al(X.length), mean = al(c!), invStd = al(c!), rm = filled(b, RM), rv = filled(b, RV), dx = al(X.length), dg = al(c!), db = al(c!);
        const x = filled(b, X), gamma = filled(b, G);
        b.batchNormTrain(x, n!, c!, hw!, gamma, filled(b, B), 1e-5, 0.1, y, mean, invStd, rm, rv);
        b.batchNormBackward(x, filled(b, DY), n!, c!, hw!, gamma, mean, invStd, dx, dg, db);
        return { y, mean, invStd, rm, rv, dx, dg, db };
      };
      const a = run(one), b = run(two);
      for (const key of ['y', 'mean', 'invStd', 'rm', 'rv', 'dx', 'dg', 'db'] as const) assertBitIdentical(b[key], a[key], `batchNorm ${key} [${n}, ${c}, ${hw}]`);
    }
  } finally {
    await two.close();
  }
});

test('wasm attention gives bit-identical results with threads', { skip }, async () => {
  const one = createWasmBackend({ threads: 1 });
  const two = createWasmBackend({ threads: 2 });
  await two.startThreads();
  try {
    const rng = Rng.seeded(10);
    // Big enough to be split between threads (from 2^18 multiply-adds), in chunks of uneven sizes.
    for (const [n, t, heads, dh] of [[5, 65, 3, 16], [3, 33, 5, 20]] as number[][])
      for (const causal of [false, true]) {
        const d = heads! * dh!, scale = 1 / Math.sqrt(dh!);
        const QKV = random(rng, n! * t! * 3 * d), G = random(rng, n! * t! * d);
        const run = (b: WasmBackend) => {
          const probs = b.alloc(n! * heads! * t! * t!) as Float32Array, out = b.alloc(n! * t! * d) as Float32Array, dqkv = b.alloc(QKV.length) as Float32Array;
          const qkv = filled(b, QKV);
          b.attentionForward(qkv, n!, t!, heads!, dh!, causal, scale, probs, out);
          b.attentionBackward(qkv, probs, filled(b, G), n!, t!, heads!, dh!, causal, scale, dqkv);
          return { probs, out, dqkv };
        };
        const r1 = run(one), r2 = run(two);
        const what = `${n}x${t} tokens, ${heads}x${dh}${causal ? ' causal' : ''}`;
        assertBitIdentical(r2.probs, r1.probs, `attention probs, ${what}`);
        assertBitIdentical(r2.out, r1.out, `attention out, ${what}`);
        assertBitIdentical(r2.dqkv, r1.dqkv, `attention dQkv, ${what}`);
      }
  } finally {
    await two.close();
  }
});

test('wasm activations and their backward give bit-identical results with threads', { skip }, async () => {
  const one = createWasmBackend({ threads: 1 });
  const three = createWasmBackend({ threads: 3 });
  await three.startThreads();
  try {
    const rng = Rng.seeded(11);
    // From 2^15 values the exp-based kinds are split between threads; 70001 values: chunk ends that are not
    // multiples of the chunk count, and a tail past the last group of four.
    const n = 70001;
    const X = new Float32Array(n), DY = random(rng, n);
    rng.fillUniform(X, -8, 8);
    for (const [name, kind] of Object.entries(Activation)) {
      const run = (b: WasmBackend) => {
        const x = filled(b, X), y = b.alloc(n) as Float32Array, dx = b.alloc(n) as Float32Array;
        b.activation(kind, x, y, 0.3);
        b.activationBackward(kind, x, y, filled(b, DY), dx, 0.3);
        return { y, dx };
      };
      const r1 = run(one), r3 = run(three);
      assertBitIdentical(r3.y, r1.y, `${name} forward`);
      assertBitIdentical(r3.dx, r1.dx, `${name} backward`);
    }
  } finally {
    await three.close();
  }
});

test('workers see memory grown after they started', { skip }, async () => {
  const one = createWasmBackend({ threads: 1 });
  const two = createWasmBackend({ threads: 2, gemmThreadWork: 0 });
  await two.startThreads();
  try {
    const before = two.memory.memory.buffer.byteLength;
    two.alloc(before / 4); // forces a grow: the next arrays live past the old end
    assert.ok(two.memory.memory.buffer.byteLength > before);
    const rng = Rng.seeded(9);
    const m = 64, n = 96, k = 80;
    const A = random(rng, m * k), B = random(rng, k * n);
    const c1 = one.alloc(m * n) as Float32Array, c2 = two.alloc(m * n) as Float32Array;
    assert.ok(c2.byteOffset > before);
    one.gemm(false, false, m, n, k, 1, filled(one, A), filled(one, B), 0, c1);
    two.gemm(false, false, m, n, k, 1, filled(two, A), filled(two, B), 0, c2);
    assertBitIdentical(c2, c1, 'gemm on grown memory');
  } finally {
    await two.close();
  }
});

test('a process using worker threads exits by itself', { skip }, () => {
  const backend = fileURLToPath(new URL('./wasmBackend.js', import.meta.url));
  const script = `
    import { createWasmBackend } from ${JSON.stringify(backend)};
    const b = createWasmBackend({ threads: 2, gemmThreadWork: 0 });
    await b.startThreads();
    const a = b.alloc(64 * 64), c = b.alloc(64 * 64);
    a.fill(1);
    b.gemm(false, false, 64, 64, 64, 1, a, a, 0, c);
    if (b.threadsReady() !== 2 || c[0] !== 64) process.exit(3);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 20000, encoding: 'utf8' });
  assert.equal(r.error, undefined, 'the process did not exit within 20 s');
  assert.equal(r.status, 0, r.stderr);
});

test('SUPPLE_THREADS sets the default thread count', () => {
  const saved = process.env.SUPPLE_THREADS;
  try {
    process.env.SUPPLE_THREADS = '3';
    assert.equal(defaultThreads(), 3);
    process.env.SUPPLE_THREADS = '1';
    assert.equal(defaultThreads(), 1);
    process.env.SUPPLE_THREADS = 'zero';
    assert.throws(() => defaultThreads(), /SUPPLE_THREADS/);
    delete process.env.SUPPLE_THREADS;
    assert.ok(defaultThreads() >= 1);
  } finally {
    if (saved === undefined) delete process.env.SUPPLE_THREADS;
    else process.env.SUPPLE_THREADS = saved;
  }
});

test('wasm shrinkAddNormal gives bit-identical results with 1, 2 and 3 threads (a stream per block of values)', { skip }, async () => {
  await onThreadCounts({ normalThreadValues: 0 }, (one, many) => {
    const rng = Rng.seeded(11);
    for (const n of [1, 300, 16384, 16385, 70001]) {
      const start = random(rng, n);
      const want = filled(one, start);
      one.shrinkAddNormal(want, 0.999, 0.01, [5, -6, 7, 8]);
      for (const b of many) {
        const got = filled(b, start);
        b.shrinkAddNormal(got, 0.999, 0.01, [5, -6, 7, 8]);
        assertBitIdentical(got, want, `shrinkAddNormal n=${n}, ${b.threads} threads`);
      }
    }
  });
});

test('wasm transpose01AddBias and transpose01SumChannels give the unfused kernels bits with 1, 2 and 3 threads', { skip }, async () => {
  const backends = [createWasmBackend({ threads: 1 }), createWasmBackend({ threads: 2, convThreadWork: 0 }), createWasmBackend({ threads: 3, convThreadWork: 0 })];
  for (const b of backends) await b.startThreads();
  try {
    const rng = Rng.seeded(11);
    // conv-like shapes: [outC, n, P] forward and [n, outC, P] backward; P = 1 takes sumChannels' column path.
    for (const [d0, d1, inner] of [[6, 5, 49], [4, 9, 16], [3, 7, 130], [5, 6, 1], [2, 3, 3]] as number[][]) {
      const A = random(rng, d0! * d1! * inner!), BIAS = random(rng, d0!), S0 = random(rng, d1!);
      // The unfused sequence on one thread.
      const ref = backends[0]!;
      const y = ref.alloc(A.length) as Float32Array, t = ref.alloc(A.length) as Float32Array;
      ref.transpose01(filled(ref, A), d0!, d1!, inner!, y);
      ref.addChannelBias(y, d1!, d0!, inner!, filled(ref, BIAS));
      ref.transpose01(filled(ref, A), d0!, d1!, inner!, t);
      const sums = filled(ref, S0);
      ref.sumChannels(filled(ref, A), d0!, d1!, inner!, -0.5, 0.75, sums);
      for (const b of backends) {
        const out = b.alloc(A.length) as Float32Array, dyT = b.alloc(A.length) as Float32Array, s = filled(b, S0);
        b.transpose01AddBias(filled(b, A), d0!, d1!, inner!, filled(b, BIAS), out);
        b.transpose01SumChannels(filled(b, A), d0!, d1!, inner!, dyT, -0.5, 0.75, s);
        const what = `[${d0}, ${d1}, ${inner}] on ${b.threads} thread(s)`;
        assertBitIdentical(out, y, `transpose01AddBias ${what}`);
        assertBitIdentical(dyT, t, `transpose01SumChannels out ${what}`);
        assertBitIdentical(s, sums, `transpose01SumChannels sums ${what}`);
      }
    }
  } finally {
    for (const b of backends) await b.close();
  }
});

test('wasm maxPoolCnhw and maxPoolBackwardCnhw give the unfused kernels bits with 1, 2 and 3 threads', { skip }, async () => {
  const backends = [createWasmBackend({ threads: 1 }), createWasmBackend({ threads: 2, convThreadWork: 0 }), createWasmBackend({ threads: 3, convThreadWork: 0 })];
  for (const b of backends) await b.startThreads();
  try {
    const rng = Rng.seeded(12);
    // A conv's product [c, n, h, w]: 2x2 windows (the fast paths, planes two outputs wide, odd sizes), 3x3 with step 2 (scatter), one image.
    for (const [c, n, h, w, k, stride] of [[5, 3, 8, 6, 2, 2], [7, 2, 9, 7, 2, 2], [3, 4, 4, 4, 2, 2], [4, 2, 9, 9, 3, 2], [6, 1, 12, 12, 2, 2]] as number[][]) {
      const oh = Math.floor((h! - k!) / stride!) + 1, ow = Math.floor((w! - k!) / stride!) + 1;
      const hw = h! * w!;
      const A = random(rng, c! * n! * hw), BIAS = random(rng, c!), DY = random(rng, n! * c! * oh * ow), S0 = random(rng, c!);
      // The unfused sequence on one thread: transpose01AddBias, maxPool; maxPoolBackward, transpose01SumChannels.
      const ref = backends[0]!;
      const x = ref.alloc(A.length) as Float32Array, y = ref.alloc(DY.length) as Float32Array, argmax = ref.alloc(DY.length) as Float32Array;
      ref.transpose01AddBias(filled(ref, A), c!, n!, hw, filled(ref, BIAS), x);
      ref.maxPool(x, n!, c!, h!, w!, k!, stride!, y, argmax);
      const g = ref.alloc(A.length) as Float32Array, dyT = ref.alloc(A.length) as Float32Array, sums = filled(ref, S0);
      ref.maxPoolBackward(filled(ref, DY), argmax, n!, c!, h!, w!, oh, ow, g);
      ref.transpose01SumChannels(g, n!, c!, hw, dyT, -0.5, 0.75, sums);
      const biased = ref.alloc(A.length) as Float32Array;
      ref.transpose01(x, n!, c!, hw, biased);
      for (const b of backends) {
        const what = `[${c}, ${n}, ${h}, ${w}] k ${k} step ${stride} on ${b.threads} thread(s)`;
        const a = filled(b, A), y2 = b.alloc(DY.length) as Float32Array, m2 = b.alloc(DY.length) as Float32Array;
        b.maxPoolCnhw(a, c!, n!, h!, w!, k!, stride!, filled(b, BIAS), y2, m2);
        assertBitIdentical(y2, y, `maxPoolCnhw y ${what}`);
        assertBitIdentical(m2, argmax, `maxPoolCnhw argmax ${what}`);
        assertBitIdentical(a, biased, `maxPoolCnhw biased input ${what}`);
        const d2 = b.alloc(A.length) as Float32Array, s2 = filled(b, S0);
        b.maxPoolBackwardCnhw(filled(b, DY), m2, n!, c!, h!, w!, oh, ow, d2, -0.5, 0.75, s2);
        assertBitIdentical(d2, dyT, `maxPoolBackwardCnhw dx ${what}`);
        assertBitIdentical(s2, sums, `maxPoolBackwardCnhw sums ${what}`);
        // Without bias and sums: the plain pooling of a, the same dx.
        const a3 = filled(b, A), y3 = b.alloc(DY.length) as Float32Array, m3 = b.alloc(DY.length) as Float32Array, d3 = b.alloc(A.length) as Float32Array;
        const t = b.alloc(A.length) as Float32Array, y4 = b.alloc(DY.length) as Float32Array, m4 = b.alloc(DY.length) as Float32Array;
        b.transpose01(filled(b, A), c!, n!, hw, t);
        b.maxPool(t, n!, c!, h!, w!, k!, stride!, y4, m4);
        b.maxPoolCnhw(a3, c!, n!, h!, w!, k!, stride!, null, y3, m3);
        assertBitIdentical(y3, y4, `maxPoolCnhw without bias ${what}`);
        b.maxPoolBackwardCnhw(filled(b, DY), m2, n!, c!, h!, w!, oh, ow, d3, 1, 0, null);
        assertBitIdentical(d3, dyT, `maxPoolBackwardCnhw without sums ${what}`);
      }
    }
    const two = backends[1]!;
    const badArgmax = filled(two, new Float32Array(2 * 3 * 4).fill(99));
    assert.throws(() => two.maxPoolBackwardCnhw(filled(two, new Float32Array(24)), badArgmax, 2, 3, 4, 4, 2, 2, two.alloc(96), 1, 0, null), /maxPoolBackwardCnhw: 24 argmax value\(s\) are not an index of a 4x4 plane/);
  } finally {
    for (const b of backends) await b.close();
  }
});

test('wasm whole dense-ReLU step (plain and deferred): the same bits on 1, 2 and 3 threads and layer by layer', { skip }, async () => {
  await onThreadCounts({ denseStepThreadWeights: 0 }, (one, many) => {
    const rng = Rng.seeded(11);
    // Odd widths (shares that end inside a group of four, a last thread with nothing), 784-wide inputs with runs of
    // zeros (the skip), weight decay (beta != 1), a bias-free layer, and a hidden layer of more than 2^20 weights
    // (its input gradient summed by blocks of rows: assembly/linear.ts).
    const cases: { sizes: number[]; beta: number; bias: boolean[]; zeros: boolean }[] = [
      { sizes: [37, 50, 33, 10], beta: 1, bias: [true, true, true], zeros: false },
      { sizes: [784, 100, 100, 10], beta: 1, bias: [true, true, true], zeros: true },
      { sizes: [130, 61, 7, 3], beta: 0.999, bias: [false, true, true], zeros: false },
      { sizes: [5, 300, 2], beta: 0.99, bias: [true, false], zeros: true },
      { sizes: [50, 1030, 1031, 10], beta: 1, bias: [true, true, true], zeros: false },
      { sizes: [20, 1031, 1030, 7], beta: 0.999, bias: [true, false, true], zeros: false },
    ];
    for (const { sizes, beta, bias, zeros } of cases) {
      const layers = sizes.length - 1;
      const W = Array.from({ length: layers }, (_, l) => random(rng, sizes[l]! * sizes[l + 1]!).map((v) => v * (0.5 / Math.sqrt(sizes[l]!))));
      const B = Array.from({ length: layers }, (_, l) => random(rng, sizes[l + 1]!).map((v) => v * 0.1));
      const coefs = new Float64Array(4 * layers);
      for (let l = 0; l < layers; l++) coefs.set([-0.05, beta, -0.05, 1], 4 * l);
      const examples = Array.from({ length: 4 }, () => {
        const x = random(rng, sizes[0]!);
        if (zeros) for (let i = 0; i < x.length; i++) if (i % 64 < 40) x[i] = 0;
        return { x, label: rng.int(sizes[layers]!) };
      });
      for (const deferred of [false, true]) {
        // Each way runs the same steps from the same state; every array the step writes is compared.
        type Way = 'kernel' | 'counted' | 'layers';
        const run = (b: WasmBackend, way: Way): { loss: number[]; arrays: Float32Array[] } => {
          const weights = W.map((w) => filled(b, w));
          const biases = B.map((v, l) => (bias[l] ? filled(b, v) : null));
          const pre = sizes.slice(1).map((n) => b.alloc(n) as Float32Array);
          const post = sizes.slice(1, -1).map((n) => b.alloc(n) as Float32Array);
          const dlogits = b.alloc(sizes[layers]!) as Float32Array;
          const scratch = b.alloc(2 * Math.max(...sizes.slice(1, -1), 1));
          const pending = b.alloc(sizes[0]! + sizes[1]!) as Float32Array;
          const changes = way === 'counted' ? new Float64Array(layers) : undefined;
          const loss: number[] = [];
          examples.forEach(({ x, label }, i) => {
            const args = [sizes, filled(b, x), filled(b, new Float32Array([label])), weights, biases, pre, post, coefs, dlogits, scratch] as const;
            const held = { pending, alpha: -0.05, beta, apply: i > 0 };
            if (way === 'layers') loss.push(denseReluStepByParts(b, ...args, undefined, deferred ? held : undefined));
            else loss.push(deferred ? b.denseReluStepDeferred(...args, pending, -0.05, beta, i > 0) : b.denseReluStep(...args, changes));
          });
          const kept = biases.filter((v): v is Float32Array => v !== null);
          return { loss, arrays: [...(weights as Float32Array[]), ...kept, ...pre, ...post, dlogits, ...(deferred ? [pending] : [])] };
        };
        const want = run(one, 'kernel');
        const others: [string, { loss: number[]; arrays: Float32Array[] }][] = [
          ['layer by layer', run(one, 'layers')],
          ...(deferred ? [] : [['with update sizes', run(one, 'counted')] as [string, ReturnType<typeof run>]]),
          ...many.map((b) => [`${b.threads} threads`, run(b, 'kernel')] as [string, ReturnType<typeof run>]),
        ];
        for (const [how, got] of others) {
          const what = `${how}, ${sizes.join('-')}, beta ${beta}${deferred ? ', deferred' : ''}`;
          assert.deepEqual(got.loss, want.loss, `${what}: losses`);
          got.arrays.forEach((a, i) => assertBitIdentical(a, want.arrays[i]!, `${what}, array ${i}`));
        }
      }
    }
  });
});
