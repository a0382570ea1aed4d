// The ceiling of the wasm backend's products on this machine, measured rather than derived from an assumed clock:
// the rate at which a core issues 128-bit multiply-adds (the kernels' multiplyAddPeak, ten independent chains), on
// one thread and on every core at once, against what the wasm gemm reaches on one thread and on the pool's threads
// for the products of the mini-batch rows of `npm run bench` (mlp-large-b256's 2000-wide layers, conv-b128's second
// convolution, vit-tiny-b64's qkv projection). Issue 17's wasm target on mlp-large-b256 asks for more multiply-adds a
// second than this ceiling; this script is the measurement behind that statement in the README (Performance).
//
//   node dist/bench/wasmPeak.js [--seconds S]   (S: about how long each peak reading runs, default 0.3)
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { instantiateKernels, kernelModule, kernelsUseFma, type Kernels } from '../src/backend/wasm/kernels.js';
import { createWasmBackend, type WasmBackend } from '../src/backend/wasm/wasmBackend.js';

/** Multiply-adds (four lanes each) per round of multiplyAddPeak: ten chains. */
const CHAINS = 10;
/** Lanes of a 128-bit f32 vector: multiply-adds per vector operation. */
const LANES = 4;

/** The kernels on a memory of their own (multiplyAddPeak touches no memory). */
export function peakKernels(): Kernels {
  return instantiateKernels(kernelModule(), new WebAssembly.Memory({ initial: 32, maximum: 65536, shared: true }));
}

/**
 * Scalar multiply-adds a second (GMAC/s) of multiplyAddPeak on this thread: warmed up (V8 compiles a hot wasm
 * function again, optimized, for its later calls), then the fastest of `readings` calls of `rounds` rounds.
 */
export function multiplyAddRate(k: Kernels, rounds: number, readings = 5): number {
  for (let i = 0; i < 20; i++) k.multiplyAddPeak(1000, 0.5);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < readings; r++) {
    const t = performance.now();
    k.multiplyAddPeak(rounds, 0.5);
    best = Math.min(best, performance.now() - t);
  }
  return (rounds * CHAINS * LANES) / best / 1e6;
}

/** Rounds of multiplyAddPeak that take about `seconds` on this thread (from a short calibration run). */
function roundsFor(k: Kernels, seconds: number): number {
  const probe = 1_000_000;
  const gmacs = multiplyAddRate(k, probe, 3);
  return Math.max(probe, Math.round((seconds * gmacs * 1e9) / (CHAINS * LANES)));
}

/**
 * multiplyAddPeak on `threads` threads at once (this one and threads - 1 workers), released together once all are
 * warm: the sum of their rates (each thread's rounds over its own time), fastest of `readings` releases.
 */
async function multiplyAddRateAll(threads: number, rounds: number, readings = 5): Promise<number> {
  // Word 0: readings released; word 1: threads ready plus readings done; then one f64 (milliseconds) per thread and reading.
  const sync = new SharedArrayBuffer(8 + 8 * threads * readings);
  const ctl = new Int32Array(sync, 0, 2);
  const times = new Float64Array(sync, 8);
  const workers = Array.from({ length: threads - 1 }, (_, w) => new Worker(new URL(import.meta.url), { workerData: { sync, slot: w + 1, threads, rounds, readings } }));
  const done = workers.map((w) => new Promise<void>((resolve, reject) => w.once('exit', () => resolve()).once('error', reject)));
  const k = peakKernels();
  multiplyAddRate(k, 1000, 1);
  Atomics.add(ctl, 1, 1);
  while (Atomics.load(ctl, 1) < threads) await new Promise((r) => setTimeout(r, 5));
  for (let r = 0; r < readings; r++) {
    Atomics.store(ctl, 0, r + 1);
    Atomics.notify(ctl, 0);
    const t = performance.now();
    k.multiplyAddPeak(rounds, 0.5);
    times[r * threads] = performance.now() - t;
    Atomics.add(ctl, 1, 1);
    // Every thread adds 1 when its reading is done: wait for them all before the next release.
    while (Atomics.load(ctl, 1) < threads * (r + 2)) await new Promise((res) => setTimeout(res, 1));
  }
  await Promise.all(done);
  let best = 0;
  for (let r = 0; r < readings; r++) {
    let sum = 0;
    for (let t = 0; t < threads; t++) sum += (rounds * CHAINS * LANES) / times[r * threads + t]! / 1e6;
    best = Math.max(best, sum);
  }
  return best;
}

/** A worker of multiplyAddRateAll: warm up, then one timed call per release. */
function peakWorker(): void {
  const { sync, slot, threads, rounds, readings } = workerData as { sync: SharedArrayBuffer; slot: number; threads: number; rounds: number; readings: number };
  const ctl = new Int32Array(sync, 0, 2);
  const times = new Float64Array(sync, 8);
  const k = peakKernels();
  multiplyAddRate(k, 1000, 1);
  Atomics.add(ctl, 1, 1);
  for (let r = 0; r < readings; r++) {
    Atomics.wait(ctl, 0, r);
    const t = performance.now();
    k.multiplyAddPeak(rounds, 0.5);
    times[r * threads + slot] = performance.now() - t;
    Atomics.add(ctl, 1, 1);
  }
  parentPort?.close();
}

/** A product of the bench's rows: C [m, n] = op(A) op(B), k deep. */
export interface ProductShape {
  readonly label: string;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

export const productShapes: readonly ProductShape[] = [
  { label: 'mlp-large-b256 forward (x W^T)', transA: false, transB: true, m: 256, n: 2000, k: 2000 },
  { label: 'mlp-large-b256 weight gradient (dy^T x)', transA: true, transB: false, m: 2000, n: 2000, k: 256 },
  { label: 'mlp-large-b256 input gradient (dy W)', transA: false, transB: false, m: 256, n: 2000, k: 2000 },
  { label: 'conv-b128 conv2 forward (W cols)', transA: false, transB: false, m: 64, n: 18432, k: 288 },
  { label: 'vit-tiny-b64 qkv forward (x W^T)', transA: false, transB: true, m: 4160, n: 192, k: 64 },
];

/** GMAC/s of backend.gemm on `shape`, the fastest of `readings` products (after one untimed). */
export function gemmRate(backend: WasmBackend, shape: ProductShape, readings = 5): number {
  const { transA, transB, m, n, k } = shape;
  const a = backend.alloc(m * k), b = backend.alloc(k * n), c = backend.alloc(m * n);
  for (let i = 0; i < a.length; i++) a[i] = ((i * 7919) % 997) / 997 - 0.5;
  for (let i = 0; i < b.length; i++) b[i] = ((i * 104729) % 991) / 991 - 0.5;
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r <= readings; r++) {
    const t = performance.now();
    backend.gemm(transA, transB, m, n, k, 1, a, b, 0, c);
    if (r > 0) best = Math.min(best, performance.now() - t);
  }
  backend.free(c);
  backend.free(b);
  backend.free(a);
  return (m * n * k) / best / 1e6;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--seconds');
  const seconds = i >= 0 ? Number(process.argv[i + 1]) : 0.3;
  if (!(seconds > 0)) throw new Error(`--seconds: '${process.argv[i + 1]}' is not allowed; a positive number of seconds`);
  const cores = availableParallelism();
  const k = peakKernels();
  const build = kernelsUseFma() ? 'kernels-fma.wasm (fused multiply-adds)' : 'kernels.wasm (a multiply and an add)';
  const rounds = roundsFor(k, seconds);
  const one = multiplyAddRate(k, rounds);
  const all = cores > 1 ? await multiplyAddRateAll(cores, rounds) : one;
  console.log(`wasm 128-bit multiply-add ceiling, ${build}, ${cores} cores`);
  console.log(`  one thread:       ${one.toFixed(1)} GMAC/s`);
  console.log(`  ${cores} threads at once: ${all.toFixed(1)} GMAC/s`);
  const single = createWasmBackend({ threads: 1 });
  const pooled = createWasmBackend({ threads: cores });
  await pooled.startThreads();
  console.log(`\n  gemm (GMAC/s, share of the ceiling)      one thread        ${cores} threads`);
  for (const s of productShapes) {
    const r1 = gemmRate(single, s), rn = gemmRate(pooled, s);
    const cell = (r: number, peak: number) => `${r.toFixed(1).padStart(6)} (${Math.round((100 * r) / peak)}%)`;
    console.log(`  ${`${s.label} ${s.m}x${s.n}x${s.k}`.padEnd(62)} ${cell(r1, one)}   ${cell(rn, all)}`);
  }
  await pooled.close();
  await single.close();
}

if (!isMainThread) peakWorker();
else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
