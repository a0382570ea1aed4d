// Kernel micro-benchmark: GFLOP/s of gemm shapes that matter to supple, per available backend and thread
// count, and the batch-1 training step of a 784-100-100-100-10 MLP (the online-learning workload).
//
//   node dist/bench/kernels.js [--backends=wasm,ts] [--threads=1,2] [--quick]
//
// Each measurement first runs for a while (V8 starts WebAssembly in its baseline compiler and tiers hot
// functions up later), then reports the best and the median of repeated timings. Nothing here is asserted.

import { availableParallelism } from 'node:os';
import type { Backend, BackendName } from '../src/backend/Backend.js';
import { Activation } from '../src/backend/Backend.js';
import { availableBackends, getBackend } from '../src/backend/selectBackend.js';
import { createWasmBackend } from '../src/backend/wasm/wasmBackend.js';
import type { FloatArray } from '../src/tensor/FloatArray.js';
import { Rng } from '../src/tensor/Rng.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const quick = args.has('quick');
const rng = Rng.seeded(1);

interface Timing {
  best: number;
  median: number;
}

/** Seconds per call: warm up for `warm` s, then time `reps` calls (or batches of calls for short ones). */
function time(fn: () => void, warm = quick ? 0.1 : 0.4, reps = quick ? 5 : 15): Timing {
  let t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < warm * 1000 || calls < 2) {
    fn();
    calls++;
  }
  // Batch short calls so each timing covers at least ~5 ms.
  const per = (performance.now() - t0) / calls;
  const batch = Math.max(1, Math.ceil(5 / per));
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    samples.push((performance.now() - t0) / batch / 1000);
  }
  samples.sort((a, b) => a - b);
  return { best: samples[0]!, median: samples[samples.length >> 1]! };
}

function filled(b: Backend, n: number, zeroFraction = 0): FloatArray {
  const a = b.alloc(n);
  for (let i = 0; i < n; i++) a[i] = rng.float() < zeroFraction ? 0 : rng.uniform(-1, 1);
  return a;
}

interface Shape {
  label: string;
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  beta: number;
  /** Fraction of zeros in A (ReLU gradients; the batch-1 paths skip them). */
  zerosA?: number;
  /** Too slow for the plain-TypeScript backends. */
  large?: boolean;
}

const shapes: Shape[] = [
  { label: 'batch-1 forward  y = x W^T   1x100x784 (NT)', transA: false, transB: true, m: 1, n: 100, k: 784, beta: 0 },
  { label: 'batch-1 input grad dx = dy W 1x784x100 (NN)', transA: false, transB: false, m: 1, n: 784, k: 100, beta: 0 },
  { label: 'batch-1 SGD ger W += a dy x^T 100x784x1 (TN)', transA: true, transB: false, m: 100, n: 784, k: 1, beta: 1 },
  { label: 'batch-1 SGD ger, 70% of dy zero', transA: true, transB: false, m: 100, n: 784, k: 1, beta: 1, zerosA: 0.7 },
  { label: 'mini-batch 64x100x784 (NT)', transA: false, transB: true, m: 64, n: 100, k: 784, beta: 0 },
  { label: 'linear fwd 256x2000x2000 (NT)', transA: false, transB: true, m: 256, n: 2000, k: 2000, beta: 0, large: true },
  { label: 'linear dx  256x2000x2000 (NN)', transA: false, transB: false, m: 256, n: 2000, k: 2000, beta: 0, large: true },
  { label: 'linear dW  2000x2000x256 (TN)', transA: true, transB: false, m: 2000, n: 2000, k: 256, beta: 1, large: true },
  { label: 'conv fwd   32x(128*784)x75 (NN)', transA: false, transB: false, m: 32, n: 128 * 784, k: 75, beta: 0, large: true },
  { label: 'conv dW    32x75x(128*784) (NT)', transA: false, transB: true, m: 32, n: 75, k: 128 * 784, beta: 0, large: true },
  { label: 'conv dcols 75x(128*784)x32 (TN)', transA: true, transB: false, m: 75, n: 128 * 784, k: 32, beta: 0, large: true },
];

function benchGemm(b: Backend, s: Shape): Timing {
  const { transA, transB, m, n, k, beta } = s;
  const A = filled(b, m * k, s.zerosA ?? 0), B = filled(b, k * n), C = filled(b, m * n);
  // alpha tiny so repeated ger updates do not blow up C
  const t = time(() => b.gemm(transA, transB, m, n, k, 1e-6, A, B, beta, C));
  b.free(A);
  b.free(B);
  b.free(C);
  return t;
}

/**
 * A synthetic MNIST-like 28x28 input: two to four thick strokes inside the central 20x20 box (~10-20% of the
 * pixels nonzero, the borders empty, as in MNIST).
 */
function digit(b: Backend): FloatArray {
  const img = b.alloc(784);
  const strokes = 2 + rng.int(3);
  for (let t = 0; t < strokes; t++) {
    let x = rng.uniform(6, 22), y = rng.uniform(6, 22);
    const dx = rng.uniform(-1, 1), dy = rng.uniform(-1, 1), len = rng.uniform(6, 16);
    for (let i = 0; i < len; i++, x += dx, y += dy)
      for (let ox = -1; ox <= 1; ox++)
        for (let oy = -1; oy <= 1; oy++) {
          const px = Math.round(x + ox), py = Math.round(y + oy);
          if (px >= 4 && px < 24 && py >= 4 && py < 24) img[py * 28 + px] = Math.max(img[py * 28 + px]!, rng.uniform(0.5, 1));
        }
  }
  return img;
}

/**
 * One SGD step at batch 1 of a 784-100-100-100-10 ReLU MLP with softmax cross-entropy on digit-like inputs,
 * SGD fused into gemm (W = W - lr dy x^T), as Linear layers call the backend.
 */
function benchMlp(b: Backend): Timing {
  const sizes = [784, 100, 100, 100, 10];
  const L = sizes.length - 1;
  const W: FloatArray[] = [], bias: FloatArray[] = [], z: FloatArray[] = [], h: FloatArray[] = [], d: FloatArray[] = [];
  for (let l = 0; l < L; l++) {
    const fi = sizes[l]!, fo = sizes[l + 1]!;
    const w = b.alloc(fo * fi);
    for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-1, 1) * Math.sqrt(6 / fi);
    W.push(w);
    bias.push(b.alloc(fo));
    z.push(b.alloc(fo));
    h.push(b.alloc(fo));
    d.push(b.alloc(fo));
  }
  const inputs: FloatArray[] = [];
  for (let s = 0; s < 64; s++) inputs.push(digit(b));
  const label = b.alloc(1), dout = b.alloc(10);
  const lr = 0.01;
  let step = 0;
  return time(() => {
    const x = inputs[step & 63]!;
    label[0] = step % 10;
    step++;
    let input = x;
    for (let l = 0; l < L; l++) {
      b.gemm(false, true, 1, sizes[l + 1]!, sizes[l]!, 1, input, W[l]!, 0, z[l]!);
      b.addRowVector(z[l]!, 1, sizes[l + 1]!, bias[l]!);
      if (l < L - 1) {
        b.activation(Activation.relu, z[l]!, h[l]!, 0);
        input = h[l]!;
      }
    }
    b.softmaxCrossEntropy(z[L - 1]!, label, 1, 10, 10, 1, dout);
    let dy = dout;
    for (let l = L - 1; l >= 0; l--) {
      const xin = l === 0 ? x : h[l - 1]!;
      if (l > 0) b.gemm(false, false, 1, sizes[l]!, sizes[l + 1]!, 1, dy, W[l]!, 0, d[l - 1]!);
      b.gemm(true, false, sizes[l + 1]!, sizes[l]!, 1, -lr, dy, xin, 1, W[l]!);
      b.sumRows(dy, 1, sizes[l + 1]!, -lr, 1, bias[l]!);
      if (l > 0) {
        b.activationBackward(Activation.relu, z[l - 1]!, h[l - 1]!, d[l - 1]!, d[l - 1]!, 0);
        dy = d[l - 1]!;
      }
    }
  });
}

/** im2col then col2im of a conv layer's input (128 images, 32 channels 28x28, 3x3 kernel, pad 1): memory-bound. */
function benchIm2col(b: Backend): { im2col: Timing; col2im: Timing; bytes: number } {
  const [n, c, h, w, k] = [128, 32, 28, 28, 3];
  const x = filled(b, n * c * h * w), cols = b.alloc(c * k * k * n * h * w);
  const im2col = time(() => b.im2col(x, n, c, h, w, k, k, 1, 1, cols));
  const col2im = time(() => b.col2im(cols, n, c, h, w, k, k, 1, 1, x));
  b.free(x);
  b.free(cols);
  return { im2col, col2im, bytes: 4 * (cols.length + x.length) };
}

/**
 * The memory-bound kernels of the conv workloads that threads split (planes, channels, ranges, rows): conv-b128's
 * first pooling and ReLU (128x32x28x28), its first im2col (3 channels, 5x5), and ResNet-18's first-stage batch norm
 * (64x32x32x32). Compare the wasm rows of 1 and 2 threads.
 */
function benchMemoryBound(b: Backend): { label: string; t: Timing; bytes: number }[] {
  const [n, c, h, w] = [128, 32, 28, 28];
  const x = filled(b, n * c * h * w), dx = b.alloc(x.length), y = b.alloc(x.length / 4), argmax = b.alloc(x.length / 4);
  const rows: { label: string; t: Timing; bytes: number }[] = [];
  rows.push({ label: 'maxPool 2x2 128x32x28x28', t: time(() => b.maxPool(x, n, c, h, w, 2, 2, y, argmax)), bytes: 4 * (x.length + 2 * y.length) });
  rows.push({ label: 'maxPoolBackward 2x2 128x32x28x28', t: time(() => b.maxPoolBackward(y, argmax, n, c, h, w, h / 2, w / 2, dx)), bytes: 4 * (x.length + 2 * y.length) });
  rows.push({ label: 'relu 128x32x28x28', t: time(() => b.activation(Activation.relu, x, dx, 0)), bytes: 8 * x.length });
  rows.push({ label: 'relu backward 128x32x28x28', t: time(() => b.activationBackward(Activation.relu, x, x, dx, dx, 0)), bytes: 12 * x.length });
  rows.push({ label: 'transpose01 32x128x784', t: time(() => b.transpose01(x, c, n, h * w, dx)), bytes: 8 * x.length });
  const img = filled(b, n * 3 * 32 * 32), cols = b.alloc(75 * n * h * w);
  rows.push({ label: 'im2col 128x3x32x32, 5x5', t: time(() => b.im2col(img, n, 3, 32, 32, 5, 5, 1, 0, cols)), bytes: 4 * (img.length + cols.length) });
  for (const a of [dx, y, argmax, img, cols]) b.free(a);
  const [bn, bc, hw] = [64, 32, 1024];
  const bx = filled(b, bn * bc * hw), by = b.alloc(bx.length), bdy = filled(b, bx.length), bdx = b.alloc(bx.length);
  const vec = (v: number) => {
    const a = b.alloc(bc);
    a.fill(v);
    return a;
  };
  const [gamma, beta, mean, invStd, runMean, runVar, dgamma, dbeta] = [vec(1), vec(0), vec(0), vec(1), vec(0), vec(1), vec(0), vec(0)];
  rows.push({ label: 'batchNormTrain 64x32x32x32', t: time(() => b.batchNormTrain(bx, bn, bc, hw, gamma, beta, 1e-5, 0.1, by, mean, invStd, runMean, runVar)), bytes: 12 * bx.length });
  rows.push({ label: 'batchNormBackward 64x32x32x32', t: time(() => b.batchNormBackward(bx, bdy, bn, bc, hw, gamma, mean, invStd, bdx, dgamma, dbeta)), bytes: 20 * bx.length });
  for (const a of [x, bx, by, bdy, bdx, gamma, beta, mean, invStd, runMean, runVar, dgamma, dbeta]) b.free(a);
  return rows;
}

const fmt = (x: number, w = 7): string => x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2).padStart(w);

async function main(): Promise<void> {
  const wanted = args.get('backends')?.split(',') as BackendName[] | undefined;
  const names = availableBackends().filter((n) => !wanted || wanted.includes(n));
  const threadCounts = (args.get('threads')?.split(',').map(Number) ?? [...new Set([1, availableParallelism()])]).filter((t) => t >= 1);
  console.log(`supple kernel benchmark (node ${process.version}, ${availableParallelism()} CPUs${quick ? ', quick' : ''})`);
  console.log('GFLOP/s = 2 m n k / time: best of the timed runs (median in parentheses)\n');

  const runs: { label: string; backend: Backend; close?: () => Promise<void> }[] = [];
  for (const name of names) {
    if (name === 'wasm') {
      for (const t of threadCounts) {
        const b = createWasmBackend({ threads: t });
        await b.startThreads();
        runs.push({ label: `wasm ${t} thread${t === 1 ? '' : 's'}`, backend: b, close: () => b.close() });
      }
    } else runs.push({ label: name, backend: getBackend(name) });
  }

  for (const run of runs) {
    const b = run.backend;
    const slow = b.name === 'ts' || b.name === 'ts64';
    console.log(`${run.label}: ${b.description}`);
    for (const s of shapes) {
      if (s.large && slow && !args.has('all')) continue;
      const t = benchGemm(b, s);
      const flop = 2 * s.m * s.n * s.k;
      console.log(`  ${s.label.padEnd(46)} ${fmt(flop / t.best / 1e9)} (${fmt(flop / t.median / 1e9, 0)}) GFLOP/s  ${fmt(t.best * 1e6, 9)} us`);
    }
    if (!slow || args.has('all')) {
      const r = benchIm2col(b);
      const gbs = (t: Timing): string => `${fmt(r.bytes / t.best / 1e9)} (${fmt(r.bytes / t.median / 1e9, 0)}) GB/s  ${fmt(t.best * 1e6, 9)} us`;
      console.log(`  ${'im2col 128x32x28x28, 3x3 pad 1'.padEnd(46)} ${gbs(r.im2col)}`);
      console.log(`  ${'col2im 128x32x28x28, 3x3 pad 1'.padEnd(46)} ${gbs(r.col2im)}`);
      for (const m of benchMemoryBound(b)) console.log(`  ${m.label.padEnd(46)} ${fmt(m.bytes / m.t.best / 1e9)} (${fmt(m.bytes / m.t.median / 1e9, 0)}) GB/s  ${fmt(m.t.best * 1e6, 9)} us`);
    }
    const step = benchMlp(b);
    console.log(`  ${'batch-1 MLP step 784-100-100-100-10, digits'.padEnd(46)} ${fmt(1 / step.best / 1000)} (${fmt(1 / step.median / 1000, 0)}) k steps/s ${fmt(step.best * 1e6, 8)} us/step\n`);
    if (run.close) await run.close();
  }
}

await main();
