/**
 * Measures the native backend: sgemm GFLOP/s through the addon (1 and 2 OpenBLAS threads), the per-call overhead
 * of tiny products against the wasm backend, and where BLAS starts to beat wasm (the gemm threshold).
 *
 *   npm run bench:native -- [--quick] [--wasm-large] [overhead small large lapack]
 *
 * --quick: fewer shapes and shorter timings. --wasm-large: also time the wasm gemm on the large shapes (slow while
 * the wasm gemm is the reference loop). Names pick sections (default all). Re-run after the wasm gemm changes: the
 * crossover moves with it. Timings are the best of 3 runs; on a loaded machine 2 threads can be slower than 1.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { Backend } from '../src/backend/Backend.js';
import { createWasmBackend } from '../src/backend/wasm/wasmBackend.js';
import {
  createNativeBackend,
  DEFAULT_GEMM_THRESHOLD,
  DEFAULT_VECTOR_THRESHOLD,
  nativeAddon,
  nativeAvailable,
  nativeInfo,
  nativeUnavailableReason,
  setNativeThreads,
  singularValues,
  symmetricEigenvalues,
} from '../src/backend/native/nativeBackend.js';

const quick = process.argv.includes('--quick');
const wasmLarge = process.argv.includes('--wasm-large');
const minTime = quick ? 0.05 : 0.2;
const picked = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const section = (name: string) => picked.length === 0 || picked.includes(name);

/** Seconds per call: repeat until minTime has passed, best of 3 such runs (the machine is shared). */
function time(f: () => void): number {
  f();
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    let reps = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      f();
      reps++;
      t = performance.now();
    } while (t - t0 < minTime * 1000);
    best = Math.min(best, (t - t0) / 1000 / reps);
  }
  return best;
}

function fillRandom(a: Float32Array | Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] = Math.random() - 0.5;
}

interface Shape {
  label: string;
  tA: boolean;
  tB: boolean;
  m: number;
  n: number;
  k: number;
}

function timeGemm(be: Backend, s: Shape): number {
  const a = be.alloc(s.m * s.k), b = be.alloc(s.k * s.n), c = be.alloc(s.m * s.n);
  fillRandom(a);
  fillRandom(b);
  const t = time(() => be.gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, b, 0, c));
  be.free(a);
  be.free(b);
  be.free(c);
  return t;
}

const fmtUs = (t: number) => `${(t * 1e6).toFixed(2)} us`;
const gflops = (s: Shape, t: number) => (2 * s.m * s.n * s.k) / t / 1e9;

if (!nativeAvailable()) {
  console.log(`native backend unavailable: ${nativeUnavailableReason()}`);
  process.exit(0);
}
const wasm = createWasmBackend();
const blas = createNativeBackend({ gemmThreshold: 0, vectorThreshold: 0 }); // every gemm through the addon
const cores = availableParallelism();
console.log(`${nativeInfo()!.config}; ${cores} cores (1-min load average ${loadavg()[0]!.toFixed(2)}); wasm gemm: ${wasm.description}`);

// 1. Per-call overhead: 1x1x1 products.
if (section('overhead')) {
  const s: Shape = { label: '1x1x1', tA: false, tB: false, m: 1, n: 1, k: 1 };
  setNativeThreads(1);
  const addon = nativeAddon()!;
  const a = new Float32Array(1), b = new Float32Array(1), c = new Float32Array(1);
  const direct = time(() => addon.sgemm(false, false, 1, 1, 1, 1, a, b, 0, c));
  console.log(`\nper call, 1x1x1 gemm: wasm backend ${fmtUs(timeGemm(wasm, s))}, native backend (forced to the addon) ${fmtUs(timeGemm(blas, s))}, raw addon call ${fmtUs(direct)}`);
}

// 2. Small products: where does the addon start to win?
const small: Shape[] = [];
for (const n of quick ? [32, 128, 512] : [16, 32, 64, 128, 256, 512, 1024, 2000]) {
  small.push({ label: `gemv 1x${n}x${n} (batch-1 forward)`, tA: false, tB: true, m: 1, n, k: n });
  small.push({ label: `ger ${n}x${n}x1 (batch-1 weight grad)`, tA: true, tB: false, m: n, n, k: 1 });
}
for (const n of quick ? [8, 32, 64] : [4, 8, 16, 24, 32, 48, 64, 96]) small.push({ label: `square ${n}x${n}x${n}`, tA: false, tB: false, m: n, n, k: n });
for (const n of quick ? [32, 128] : [16, 32, 64, 128, 256]) small.push({ label: `batch-32 dense 32x${n}x${n}`, tA: false, tB: true, m: 32, n, k: n });
small.sort((x, y) => x.m * x.n * x.k - y.m * y.n * y.k);

for (const threads of section('small') ? [1, Math.min(2, cores)] : []) {
  setNativeThreads(threads);
  console.log(`\nsmall products, ${threads} OpenBLAS thread${threads === 1 ? '' : 's'} (time per call; ratio > 1: addon faster)`);
  console.log('  shape                                        m*n*k       wasm       addon   wasm/addon');
  // Per kind (matrix, vector): the smallest size where the addon won and the largest where wasm won.
  const firstWin = [Infinity, Infinity], lastLoss = [0, 0];
  for (const s of small) {
    const tw = timeGemm(wasm, s), tn = timeGemm(blas, s);
    const mnk = s.m * s.n * s.k;
    const kind = s.m === 1 || s.n === 1 || s.k === 1 ? 1 : 0;
    if (tw > tn) firstWin[kind] = Math.min(firstWin[kind]!, mnk);
    else lastLoss[kind] = Math.max(lastLoss[kind]!, mnk);
    console.log(`  ${s.label.padEnd(40)} ${String(mnk).padStart(9)} ${fmtUs(tw).padStart(11)} ${fmtUs(tn).padStart(11)} ${(tw / tn).toFixed(2).padStart(8)}`);
  }
  for (const [kind, name, min] of [[0, 'matrix', DEFAULT_GEMM_THRESHOLD], [1, 'vector', DEFAULT_VECTOR_THRESHOLD]] as const) {
    console.log(`  ${name} shapes: addon first faster at m*n*k = ${firstWin[kind]}, wasm last faster at ${lastLoss[kind]} (threshold in use: ${min})`);
  }
  if (quick) break;
}

// 3. Large products: GFLOP/s with 1 and 2 threads.
const large: Shape[] = [
  { label: 'dense fwd 256x2000x2000 (X W^T)', tA: false, tB: true, m: 256, n: 2000, k: 2000 },
  { label: 'dense dX  256x2000x2000 (dY W)', tA: false, tB: false, m: 256, n: 2000, k: 2000 },
  { label: 'dense dW  2000x2000x256 (dY^T X)', tA: true, tB: false, m: 2000, n: 2000, k: 256 },
  // conv 3x3, 64 -> 64 channels, batch 32 of 16x16: W [64, 576] x cols [576, 8192]
  { label: 'conv fwd  64x8192x576 (W cols)', tA: false, tB: false, m: 64, n: 8192, k: 576 },
  { label: 'conv dW   64x576x8192 (dY cols^T)', tA: false, tB: true, m: 64, n: 576, k: 8192 },
  { label: 'conv dcol 576x8192x64 (W^T dY)', tA: true, tB: false, m: 576, n: 8192, k: 64 },
];
if (section('large')) {
  console.log('\nlarge products, GFLOP/s');
  console.log(`  shape                                  1 thread   ${cores > 1 ? '2 threads' : ''}${wasmLarge ? '   wasm' : ''}`);
}
for (const s of !section('large') ? [] : quick ? large.slice(0, 1).concat(large.slice(3, 4)) : large) {
  const cols: string[] = [];
  for (const threads of cores > 1 ? [1, 2] : [1]) {
    setNativeThreads(threads);
    cols.push(gflops(s, timeGemm(blas, s)).toFixed(1).padStart(9));
  }
  if (wasmLarge) cols.push(gflops(s, timeGemm(wasm, s)).toFixed(2).padStart(9));
  console.log(`  ${s.label.padEnd(36)} ${cols.join('  ')}`);
}

// 4. gram and LAPACK (singular values for the diagnostics).
setNativeThreads(Math.min(2, cores));
if (section('lapack')) {
  const rows = 256, cols = 512;
  const a = wasm.alloc(rows * cols), a2 = blas.alloc(rows * cols);
  fillRandom(a);
  a2.set(a);
  const out = new Float64Array(cols * cols);
  const tw = time(() => wasm.gram(a, rows, cols, out));
  const tn = time(() => blas.gram(a2, rows, cols, out));
  console.log(`\ngram ${rows}x${cols} (float64): wasm ${(tw * 1e3).toFixed(2)} ms, addon ${(tn * 1e3).toFixed(2)} ms`);
  const te = time(() => symmetricEigenvalues(out, cols));
  console.log(`dsyevd eigenvalues ${cols}x${cols}: ${(te * 1e3).toFixed(2)} ms`);
  const ts = time(() => singularValues(a2, rows, cols));
  console.log(`sgesdd singular values ${rows}x${cols}: ${(ts * 1e3).toFixed(2)} ms`);
}
setNativeThreads(cores);
