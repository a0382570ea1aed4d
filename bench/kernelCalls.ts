// The cost of a kernel call through the wasm wrappers that wasm/wrapKernels.ts generates from kernelTable, against
// the same wrapper written by hand over the same exports (as wasmBackend.ts had them), for the small calls where
// the wrapper is most of the time: axpy on 100 floats, a sum, addRowVector, batchNormEval (13 arguments), and one
// example through a 100 x 100 dense layer (linearForward, hand-written in both). Rounds alternate between the two
// so that a busy machine slows both alike; the garbage collections during the timed calls show whether either
// allocates.
//
//   node dist/bench/kernelCalls.js [--calls=N] [--rounds=R]

import { PerformanceObserver } from 'node:perf_hooks';
import { checkLength } from '../src/backend/checks.js';
import { kernelChecks } from '../src/backend/kernelTable.js';
import { instantiateKernels, kernelModule } from '../src/backend/wasm/kernels.js';
import { createWasmBackend } from '../src/backend/wasm/wasmBackend.js';
import { isSize } from '../src/backend/wasm/wrapKernels.js';
import { Rng } from '../src/tensor/Rng.js';

const arg = (name: string, dflt: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const calls = arg('calls', 2_000_000);
const rounds = arg('rounds', 7);

const b = createWasmBackend({ threads: 1 });
const mem = b.memory;
// A second instance of the module on the same memory: the exports the hand-written wrappers call.
const K = instantiateKernels(kernelModule(), mem.memory);
const p = (a: Float32Array | Float64Array): number => mem.ptr(a);
function sizes(kernel: string, a: number, b2 = 0, c = 0): void {
  if (isSize(a) && isSize(b2) && isSize(c)) return;
  throw new Error(`${kernel}: bad sizes`);
}

// The hand-written wrappers, as wasmBackend.ts had them before the table.
const hand = {
  axpy(alpha: number, x: Float32Array, y: Float32Array): void {
    checkLength('axpy', 'y', y, x.length);
    K.axpy(x.length, alpha, p(x), p(y));
  },
  sum: (x: Float32Array): number => K.sum(p(x), x.length),
  addRowVector(a: Float32Array, rows: number, cols: number, v: Float32Array): void {
    kernelChecks.addRowVector(a, rows, cols, v);
    sizes('addRowVector', rows, cols);
    K.addRowVector(p(a), rows, cols, p(v));
  },
  batchNormEval(x: Float32Array, n: number, c: number, hw: number, gamma: Float32Array, beta: Float32Array, runMean: Float32Array, runVar: Float32Array, eps: number, y: Float32Array): void {
    kernelChecks.batchNormEval(x, n, c, hw, gamma, beta, runMean, runVar, eps, y);
    sizes('batchNormEval', n, c, hw);
    K.batchNormEval(p(x), n, c, hw, p(gamma), p(beta), p(runMean), p(runVar), eps, p(y));
  },
};

const rng = Rng.seeded(1);
const filled = (n: number): Float32Array => {
  const a = b.alloc(n) as Float32Array;
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
};
const x = filled(100), y = filled(100);
const rowA = filled(4 * 16), rowV = filled(16);
const bnX = filled(2 * 8 * 4), bnY = filled(2 * 8 * 4), g = filled(8), be = filled(8), rm = filled(8), rv = filled(8);
for (let i = 0; i < 8; i++) rv[i] = 1 + Math.abs(rv[i]!);
const lx = filled(100), lw = filled(100 * 100), lb = filled(100), ly = filled(100);

let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });

interface Pair {
  label: string;
  generated: () => void;
  handWritten: () => void;
}
// Each loop body is the call alone; the loops are separate functions so that V8 optimizes each on its own.
const pairs: Pair[] = [
  {
    label: 'axpy, 100 floats',
    generated: () => {
      for (let i = 0; i < calls; i++) b.axpy(1e-9, x, y);
    },
    handWritten: () => {
      for (let i = 0; i < calls; i++) hand.axpy(1e-9, x, y);
    },
  },
  {
    label: 'sum, 100 floats',
    generated: () => {
      let s = 0;
      for (let i = 0; i < calls; i++) s += b.sum(x);
      if (Number.isNaN(s)) throw new Error('sum');
    },
    handWritten: () => {
      let s = 0;
      for (let i = 0; i < calls; i++) s += hand.sum(x);
      if (Number.isNaN(s)) throw new Error('sum');
    },
  },
  {
    label: 'addRowVector, 4 x 16',
    generated: () => {
      for (let i = 0; i < calls; i++) b.addRowVector(rowA, 4, 16, rowV);
    },
    handWritten: () => {
      for (let i = 0; i < calls; i++) hand.addRowVector(rowA, 4, 16, rowV);
    },
  },
  {
    label: 'batchNormEval, 2 x 8 x 4',
    generated: () => {
      for (let i = 0; i < calls; i++) b.batchNormEval(bnX, 2, 8, 4, g, be, rm, rv, 1e-5, bnY);
    },
    handWritten: () => {
      for (let i = 0; i < calls; i++) hand.batchNormEval(bnX, 2, 8, 4, g, be, rm, rv, 1e-5, bnY);
    },
  },
];

function time(fn: () => void): { ns: number; gcs: number } {
  const before = gcs;
  const t0 = process.hrtime.bigint();
  fn();
  const ns = Number(process.hrtime.bigint() - t0) / calls;
  return { ns, gcs: gcs - before };
}

const median = (v: number[]): number => [...v].sort((a, c) => a - c)[v.length >> 1]!;
console.log(`ns per call, median (min) of ${rounds} rounds of ${calls} calls; GCs during the timed calls`);
for (const pair of pairs) {
  pair.generated();
  pair.handWritten(); // warm up: both optimized before timing
  const gen: number[] = [], hw: number[] = [];
  let gcGen = 0, gcHw = 0;
  for (let r = 0; r < rounds; r++) {
    const a = time(pair.generated), c = time(pair.handWritten);
    gen.push(a.ns);
    hw.push(c.ns);
    gcGen += a.gcs;
    gcHw += c.gcs;
  }
  const f = (v: number[]): string => `${median(v).toFixed(1)} (${Math.min(...v).toFixed(1)})`;
  console.log(`${pair.label.padEnd(26)} generated ${f(gen).padEnd(14)} hand-written ${f(hw).padEnd(14)} ratio ${(median(gen) / median(hw)).toFixed(3)}  GCs ${gcGen} / ${gcHw}`);
}

// One example through a dense layer: the hand-written linearForward (its checks come from the table).
const lf = (): void => {
  for (let i = 0; i < calls / 10; i++) b.linearForward(1, 100, 100, lx, lw, lb, ly);
};
lf();
const lfs: number[] = [];
let lgc = 0;
for (let r = 0; r < rounds; r++) {
  const t = time(lf);
  lfs.push(t.ns * 10);
  lgc += t.gcs;
}
console.log(`${'linearForward, 1 x 100x100'.padEnd(26)} ${median(lfs).toFixed(1)} (${Math.min(...lfs).toFixed(1)}) ns per call  GCs ${lgc}`);
