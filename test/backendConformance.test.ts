// Backend conformance: every kernel of every available backend against the float32 reference
// (createTsBackend(32)), on random inputs and edge shapes, plus the argument checks every backend must share.
//
// The suite is a table of kernel cases. A case names its arrays (length and how to draw them) and calls one
// kernel; the harness runs it on the reference and on each backend with the same values and compares every
// array and the return value. A new backend is covered by appearing in availableBackends(); a new kernel (a row of
// src/backend/kernelTable.ts) by adding its cases to `cases()` below.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Activation, type ActivationCode, type Backend, type BackendName } from '../src/backend/Backend.js';
import { kernelNames, winogradValues } from '../src/backend/kernelTable.js';
import { availableBackends, getBackend } from '../src/backend/selectBackend.js';
import { createTsBackend } from '../src/backend/ts/tsBackend.js';
import type { FloatArray } from '../src/tensor/FloatArray.js';
import { Rng } from '../src/tensor/Rng.js';

// --- arrays ---

/** How to draw an array's values. */
type Gen =
  | 'u' // uniform in [-1, 1]
  | 'pos' // uniform in [0.1, 2] (variances, scales)
  | 'wide' // uniform in [-30, 30], plus a few large, tiny and exactly-zero values (activations)
  | 'grid' // +-10^e for e uniform in [-8, 2.2]: every magnitude an approximation must cover
  | 'sparse' // 70% exact zeros (ReLU gradients), else uniform
  | 'runs' // runs of 24 zeros between runs of 12 uniform values (image borders: the zero-run skips)
  | 'ties' // quarters in [-2, 2] (many ties), a few NaN
  | 'nan' // uniform with NaN, +-Infinity sprinkled in
  | 'offset' // 100 + uniform (a large mean for normalization)
  | 'nanfill' // all NaN (outputs that beta = 0 must ignore)
  | { int: number } // integers in [0, int)
  | { value: number };

interface Spec {
  n: number;
  gen?: Gen;
  /** A plain Float64Array rather than backend memory (gram's output). */
  f64?: boolean;
}

type Arrays = Record<string, FloatArray>;

interface Case {
  kernel: string;
  label: string;
  arrays: Record<string, Spec>;
  run(b: Backend, a: Arrays): unknown;
  /** |got - ref| <= rtol |ref| + atol * max |ref of that array| + abs. */
  rtol?: number;
  atol?: number;
  abs?: number;
  /** Arrays that must be rejected when one value short. */
  checked?: string[];
}

function draw(rng: Rng, spec: Spec): Float64Array {
  const out = new Float64Array(spec.n);
  const g = spec.gen ?? 'u';
  for (let i = 0; i < spec.n; i++) {
    let v: number;
    if (typeof g === 'object') v = 'int' in g ? rng.int(g.int) : g.value;
    else if (g === 'u') v = rng.uniform(-1, 1);
    else if (g === 'pos') v = rng.uniform(0.1, 2);
    else if (g === 'offset') v = 100 + rng.uniform(-1, 1);
    else if (g === 'nanfill') v = NaN;
    else if (g === 'grid') v = (rng.float() < 0.5 ? -1 : 1) * 10 ** rng.uniform(-8, 2.2);
    else if (g === 'sparse') v = rng.float() < 0.7 ? 0 : rng.uniform(-1, 1);
    else if (g === 'runs') v = Math.floor(i / 12) % 3 === 0 ? rng.uniform(-1, 1) : 0;
    else if (g === 'ties') v = rng.float() < 0.05 ? NaN : Math.round(rng.uniform(-2, 2) * 4) / 4;
    else if (g === 'nan') {
      const r = rng.float();
      v = r < 0.05 ? NaN : r < 0.08 ? Infinity : r < 0.11 ? -Infinity : rng.uniform(-1, 1);
    } else {
      const r = rng.float();
      v = r < 0.03 ? 0 : r < 0.06 ? rng.uniform(-1e-6, 1e-6) : r < 0.09 ? rng.uniform(-100, 100) : rng.uniform(-30, 30) * rng.float();
    }
    out[i] = Math.fround(v);
  }
  return out;
}

function materialize(b: Backend, values: Record<string, Float64Array>, specs: Record<string, Spec>, shorten?: string): Arrays {
  const out: Arrays = {};
  for (const [name, v] of Object.entries(values)) {
    const n = name === shorten ? v.length - 1 : v.length;
    const a = specs[name]!.f64 ? new Float64Array(n) : b.alloc(n);
    for (let i = 0; i < n; i++) a[i] = v[i]!;
    out[name] = a;
  }
  return out;
}

function compare(what: string, got: ArrayLike<number>, ref: ArrayLike<number>, rtol: number, atol: number, abs = 0): void {
  assert.equal(got.length, ref.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < ref.length; i++) if (Number.isFinite(ref[i]!)) scale = Math.max(scale, Math.abs(ref[i]!));
  const floor = atol * scale + abs + 1e-37;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!, g = got[i]!;
    if (Number.isNaN(r) || !Number.isFinite(r)) {
      if (!Object.is(g, r) && !(Number.isNaN(r) && Number.isNaN(g))) assert.fail(`${what}[${i}] = ${g}, reference ${r}`);
      continue;
    }
    if (!(Math.abs(g - r) <= rtol * Math.abs(r) + floor)) {
      assert.fail(`${what}[${i}] = ${g}, reference ${r} (|diff| ${Math.abs(g - r)} > ${rtol} |ref| + ${floor})`);
    }
  }
}

function compareResult(what: string, got: unknown, ref: unknown, rtol: number, atol: number, abs: number): void {
  if (typeof ref === 'number') compare(what, [got as number], [ref], rtol, atol, abs);
  else assert.deepEqual(got, ref, what);
}

// --- the table ---

const gemmShapes: [number, number, number][] = [
  // batch 1 (gemv, ger), a few examples (small m), rank-few updates (small k), then the blocked path around
  // its 4x8 tiles, 256-deep K slices, 128-row blocks and 2048-column panels
  [1, 1, 1], [1, 7, 5], [3, 1, 9], [5, 9, 1], [1, 100, 77], [2, 3, 4], [2, 37, 100], [8, 19, 33], [6, 70, 5],
  [50, 33, 3], [40, 21, 8], [4, 8, 16], [9, 12, 9], [13, 17, 19], [5, 33, 257], [130, 9, 11], [12, 2055, 9], [33, 65, 70],
  // a small C over a long reduction (a conv's weight gradient: native and wasm cut the reduction in two halves; NT
  // goes to wasm's thin kernel): whole tiles, then edge rows and columns and a reduction ending in 3 values
  [9, 12, 40000], [10, 9, 20003],
];
const alphaBeta: [number, number][] = [[1, 0], [0.5, 1], [-1.5, 0.25]];
const actKinds = Object.entries(Activation) as [string, ActivationCode][];

function cases(): Case[] {
  const out: Case[] = [];
  const add = (c: Case): void => void out.push(c);

  // vector ops
  for (const n of [1, 3, 4, 7, 16, 33, 1001]) {
    add({ kernel: 'fill', label: `n=${n}`, arrays: { y: { n } }, run: (b, a) => b.fill(a.y!, -0.75) });
    add({ kernel: 'copy', label: `n=${n}`, arrays: { x: { n }, y: { n: n + 2 } }, run: (b, a) => b.copy(a.x!, a.y!), checked: [] });
    add({ kernel: 'scale', label: `n=${n}`, arrays: { y: { n } }, run: (b, a) => b.scale(a.y!, -1.3) });
    add({ kernel: 'axpy', label: `n=${n}`, arrays: { x: { n }, y: { n } }, run: (b, a) => b.axpy(0.7, a.x!, a.y!), checked: ['y'] });
    add({ kernel: 'axpby', label: `n=${n}`, arrays: { x: { n }, y: { n } }, run: (b, a) => b.axpby(0.7, a.x!, -0.3, a.y!), checked: ['y'] });
    add({ kernel: 'axpby', label: `n=${n} beta=0`, arrays: { x: { n }, y: { n, gen: 'nanfill' } }, run: (b, a) => b.axpby(2, a.x!, 0, a.y!) });
    add({ kernel: 'mul', label: `n=${n}`, arrays: { x: { n }, y: { n }, out: { n } }, run: (b, a) => b.mul(a.x!, a.y!, a.out!), checked: ['y', 'out'] });
    add({ kernel: 'mul', label: `n=${n} in place`, arrays: { x: { n }, y: { n } }, run: (b, a) => b.mul(a.x!, a.y!, a.x!) });
    add({ kernel: 'sum', label: `n=${n}`, arrays: { x: { n } }, run: (b, a) => b.sum(a.x!), rtol: 1e-9, atol: 1e-9 });
    add({ kernel: 'sumAbs', label: `n=${n}`, arrays: { x: { n } }, run: (b, a) => b.sumAbs(a.x!), rtol: 1e-9 });
    add({ kernel: 'sumSquares', label: `n=${n}`, arrays: { x: { n } }, run: (b, a) => b.sumSquares(a.x!), rtol: 1e-9 });
    // Float32 blocks of 64 summed in float64 on wasm: ~1e-7 relative to the float64 reference.
    add({ kernel: 'sumAbsDiffAndCopy', label: `n=${n}`, arrays: { x: { n }, copy: { n } }, run: (b, a) => b.sumAbsDiffAndCopy(a.x!, a.copy!), rtol: 1e-6, atol: 1e-9, checked: ['copy'] });
    add({ kernel: 'dot', label: `n=${n}`, arrays: { x: { n }, y: { n } }, run: (b, a) => b.dot(a.x!, a.y!), rtol: 1e-9, atol: 1e-9, checked: ['y'] });
    add({ kernel: 'hasNonFinite', label: `n=${n} finite`, arrays: { x: { n } }, run: (b, a) => b.hasNonFinite(a.x!) });
    add({ kernel: 'hasNonFinite', label: `n=${n} with NaN/Inf`, arrays: { x: { n, gen: 'nan' } }, run: (b, a) => b.hasNonFinite(a.x!) });
    add({
      kernel: 'hasNonFinite',
      label: `n=${n} last is Inf`,
      arrays: { x: { n } },
      run: (b, a) => {
        a.x![n - 1] = -Infinity;
        return b.hasNonFinite(a.x!);
      },
    });
  }

  // gemm: every transpose, alpha/beta, shapes around the tile and block sizes; beta = 0 ignores a NaN C.
  for (const [m, n, k] of gemmShapes)
    for (const tA of [false, true])
      for (const tB of [false, true])
        for (const [ab, [alpha, beta]] of alphaBeta.entries()) {
          // A dense, with ReLU-like zeros, or with runs of zeros: every skip path of the batch-1 kernels
          const gen: Gen = (['runs', 'sparse', 'u'] as const)[ab]!;
          add({
            kernel: 'gemm',
            label: `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} m=${m} n=${n} k=${k} alpha=${alpha} beta=${beta} A ${gen}`,
            arrays: { a: { n: m * k, gen }, b: { n: k * n }, c: { n: m * n, gen: beta === 0 ? 'nanfill' : 'u' } },
            run: (b, a) => b.gemm(tA, tB, m, n, k, alpha, a.a!, a.b!, beta, a.c!),
            rtol: 1e-5,
            atol: 1e-5,
            checked: ['a', 'b', 'c'],
          });
        }

  // dense layers: one example (the fused single-pass kernels; 100 x 784 crosses the native vector threshold) and
  // batches; dx on and off; the weight gradient into W itself (SGD fused), into a buffer (beta = 0 ignores a NaN
  // buffer; beta = -1.5 scales), or nowhere; the bias likewise.
  for (const [n, out, inp] of [[1, 100, 784], [1, 100, 100], [1, 10, 100], [1, 7, 13], [1, 5, 3], [3, 7, 13], [4, 33, 20]] as [number, number, number][]) {
    const shape = `n=${n} out=${out} in=${inp}`;
    for (const withBias of [true, false])
      add({
        kernel: 'linearForward',
        label: `${shape} bias=${withBias}`,
        arrays: { x: { n: n * inp, gen: 'sparse' }, w: { n: out * inp }, bias: { n: out }, y: { n: n * out, gen: 'nanfill' } },
        run: (b, a) => b.linearForward(n, out, inp, a.x!, a.w!, withBias ? a.bias! : null, a.y!),
        rtol: 1e-5,
        atol: 1e-5,
        checked: withBias ? ['x', 'w', 'bias', 'y'] : ['x', 'w', 'y'],
      });
    const targets = [
      { w: 'fused', alpha: -0.01, beta: 1, bias: 'separate', bAlpha: -0.01, bBeta: 1 },
      { w: 'separate', alpha: 1, beta: 0, bias: 'separate', bAlpha: 1, bBeta: 0 },
      { w: 'separate', alpha: 0.5, beta: -1.5, bias: 'none', bAlpha: 0, bBeta: 0 },
      { w: 'none', alpha: 0, beta: 0, bias: 'separate', bAlpha: 2, bBeta: 0.5 },
    ] as const;
    for (const t of targets)
      for (const withDx of [true, false])
        for (const gen of ['sparse', 'u'] as Gen[])
          add({
            kernel: 'linearBackward',
            label: `${shape} dx=${withDx} w->${t.w} alpha=${t.alpha} beta=${t.beta} bias->${t.bias} dy ${gen}`,
            arrays: {
              dy: { n: n * out, gen },
              x: { n: n * inp, gen: 'sparse' },
              w: { n: out * inp },
              dx: { n: n * inp, gen: 'nanfill' },
              wBuf: { n: out * inp, gen: t.beta === 0 ? 'nanfill' : 'u' },
              biasBuf: { n: out, gen: t.bBeta === 0 ? 'nanfill' : 'u' },
            },
            run: (b, a) =>
              b.linearBackward(n, out, inp, a.dy!, a.x!, a.w!, withDx ? a.dx! : null, t.alpha, t.beta, t.w === 'fused' ? a.w! : t.w === 'separate' ? a.wBuf! : null, t.bAlpha, t.bBeta, t.bias === 'separate' ? a.biasBuf! : null),
            rtol: 1e-5,
            atol: 1e-5,
            checked: ['dy', 'x', 'w', ...(withDx ? ['dx'] : []), ...(t.w === 'separate' ? ['wBuf'] : []), ...(t.bias === 'separate' ? ['biasBuf'] : [])],
          });
  }

  // the whole online step of a dense ReLU stack: depths 1-4, widths around the SIMD tails (784-100-100-10 crosses
  // the native layer threshold), units switched off (a bias of -100 silences a hidden unit: its row is skipped or,
  // with weight decay, only scaled), with and without biases, plain SGD and SGD with a linear regularizer (beta != 1)
  for (const sizes of [[13, 5], [7, 9, 3], [33, 17, 1, 20, 4], [784, 100, 100, 10]]) {
    const layers = sizes.length - 1;
    const widest = Math.max(1, ...sizes.slice(1, -1));
    for (const withBias of [true, false])
      for (const decay of [0, 0.01]) {
        const arrays: Record<string, Spec> = {
          x: { n: sizes[0]!, gen: sizes[0]! > 100 ? 'sparse' : 'u' },
          label: { n: 1, gen: { int: sizes[layers]! } },
          coefs: { n: 4 * layers, f64: true, gen: { value: 0 } },
          dlogits: { n: sizes[layers]!, gen: 'nanfill' },
          scratch: { n: 2 * widest, gen: 'nanfill' },
        };
        for (let l = 0; l < layers; l++) {
          arrays[`w${l}`] = { n: sizes[l + 1]! * sizes[l]! };
          arrays[`b${l}`] = { n: sizes[l + 1]! };
          arrays[`pre${l}`] = { n: sizes[l + 1]!, gen: 'nanfill' };
          if (l < layers - 1) arrays[`post${l}`] = { n: sizes[l + 1]!, gen: 'nanfill' };
        }
        // The step's lists from the case's arrays: weights scaled as an initialization would (moderate logits), a
        // silent unit in every hidden layer, SGD coefficients with the decay.
        const stepArgs = (a: Arrays) => {
          const ws = [], bs = [], pre = [], post = [];
          const c = a.coefs! as Float64Array;
          for (let l = 0; l < layers; l++) {
            const w = a[`w${l}`]!;
            for (let i = 0; i < w.length; i++) w[i] = w[i]! / Math.sqrt(sizes[l]!);
            const bias = a[`b${l}`]!;
            if (l < layers - 1) bias[0] = -100;
            ws.push(w);
            bs.push(withBias ? bias : null);
            pre.push(a[`pre${l}`]!);
            if (l < layers - 1) post.push(a[`post${l}`]!);
            // Element by element: a case run with coefs one value short must reach the kernel's own check.
            c[4 * l] = -0.05;
            c[4 * l + 1] = 1 - 0.05 * decay;
            c[4 * l + 2] = -0.05;
            c[4 * l + 3] = 1 - 0.05 * decay;
          }
          return { ws, bs, pre, post, c };
        };
        add({
          kernel: 'denseReluStep',
          label: `sizes=${sizes.join('-')} bias=${withBias} decay=${decay}`,
          arrays,
          run(b, a) {
            const { ws, bs, pre, post, c } = stepArgs(a);
            return b.denseReluStep(sizes, a.x!, a.label!, ws, bs, pre, post, c, a.dlogits!, a.scratch!);
          },
          rtol: 1e-4,
          atol: 1e-5,
          checked: ['x', 'label', 'w0', 'pre0', 'dlogits', ...(layers > 1 ? ['scratch', 'post0', `w${layers - 1}`] : []), ...(withBias ? ['b0'] : []), 'coefs'],
        });
        // The same step keeping the first layer's row sums (cbp's adaptable utility): filled with the sums of the
        // weights before the step, as the reader keeps them, so that rows the step leaves alone agree however a
        // backend treats them (kept or summed again).
        add({
          kernel: 'denseReluStep',
          label: `sizes=${sizes.join('-')} bias=${withBias} decay=${decay} rowAbsSums`,
          arrays: { ...arrays, rowSums: { n: sizes[1]!, gen: 'nanfill' } },
          run(b, a) {
            const { ws, bs, pre, post, c } = stepArgs(a);
            b.rowSumsAbs(ws[0]!, sizes[1]!, sizes[0]!, a.rowSums!);
            return b.denseReluStep(sizes, a.x!, a.label!, ws, bs, pre, post, c, a.dlogits!, a.scratch!, undefined, a.rowSums!);
          },
          rtol: 1e-4,
          atol: 1e-5,
          checked: ['x', 'label', 'w0', 'pre0', 'dlogits', 'rowSums', ...(layers > 1 ? ['scratch', 'post0', `w${layers - 1}`] : []), ...(withBias ? ['b0'] : []), 'coefs'],
        });
        // The same step with the first layer's update deferred: a pending update (some of its output gradients zero)
        // applied first or none, and this step's left in pending.
        for (const apply of [false, true])
          add({
            kernel: 'denseReluStepDeferred',
            label: `sizes=${sizes.join('-')} bias=${withBias} decay=${decay} apply=${apply}`,
            arrays: { ...arrays, pending: { n: sizes[0]! + sizes[1]! } },
            run(b, a) {
              const { ws, bs, pre, post, c } = stepArgs(a);
              const pending = a.pending!;
              for (let i = sizes[0]!; i < pending.length; i += 3) pending[i] = 0;
              return b.denseReluStepDeferred(sizes, a.x!, a.label!, ws, bs, pre, post, c, a.dlogits!, a.scratch!, pending, -0.05, 1 - 0.05 * decay, apply);
            },
            rtol: 1e-4,
            atol: 1e-5,
            checked: ['x', 'label', 'w0', 'pre0', 'dlogits', 'pending', ...(layers > 1 ? ['scratch', 'post0', `w${layers - 1}`] : []), ...(withBias ? ['b0'] : []), 'coefs'],
          });
      }
  }

  // row/column kernels
  for (const [rows, cols] of [[1, 1], [1, 100], [3, 5], [7, 9], [16, 8], [33, 17], [20, 100], [9, 213]] as [number, number][]) {
    const rc = `${rows}x${cols}`;
    add({ kernel: 'addRowVector', label: rc, arrays: { a: { n: rows * cols }, v: { n: cols } }, run: (b, a) => b.addRowVector(a.a!, rows, cols, a.v!), checked: ['a', 'v'] });
    for (const [alpha, beta] of alphaBeta)
      add({
        kernel: 'sumRows',
        label: `${rc} alpha=${alpha} beta=${beta}`,
        arrays: { a: { n: rows * cols }, out: { n: cols, gen: beta === 0 ? 'nanfill' : 'u' } },
        run: (b, a) => b.sumRows(a.a!, rows, cols, alpha, beta, a.out!),
        checked: ['a', 'out'],
      });
    add({ kernel: 'colSumsAbs', label: rc, arrays: { a: { n: rows * cols }, out: { n: cols } }, run: (b, a) => b.colSumsAbs(a.a!, rows, cols, a.out!), checked: ['a', 'out'] });
    add({ kernel: 'rowSumsAbs', label: rc, arrays: { a: { n: rows * cols }, out: { n: rows } }, run: (b, a) => b.rowSumsAbs(a.a!, rows, cols, a.out!), checked: ['a', 'out'] });
    add({
      kernel: 'gram',
      label: rc,
      arrays: { a: { n: rows * cols }, out: { n: cols * cols, f64: true } },
      run: (b, a) => b.gram(a.a!, rows, cols, a.out as Float64Array),
      rtol: 1e-9,
      atol: 1e-9,
      checked: ['a', 'out'],
    });
  }
  // Large enough for the native backend's own kernel (continual backprop's outgoing weights), wider than its stack buffer.
  for (const [rows, cols] of [[100, 100], [10, 784], [3, 1500]] as [number, number][])
    add({ kernel: 'colSumsAbs', label: `${rows}x${cols}`, arrays: { a: { n: rows * cols, gen: 'wide' }, out: { n: cols } }, run: (b, a) => b.colSumsAbs(a.a!, rows, cols, a.out!), checked: ['a', 'out'] });
  // Continual backprop's utility step: an odd unit count (the wasm pair loop's tail), a layer of the online MLP
  // (100 x 100, above the native backend's threshold for its own column sums), a first layer (784-wide rows, the
  // adaptable utility's row sums) and 59 columns (three 16-column blocks, then colSums's 8-column and single-column
  // paths); contribution, contribution with the running mean, adaptable; column sums computed or given. The float64
  // state is a plain array here (staged by the wasm backend); src/backend/conformance.test.ts has it in backend memory.
  for (const [units, rowsOut, inSize] of [[7, 5, 13], [100, 100, 784], [59, 9, 4]] as [number, number, number][]) {
    for (const kind of ['contribution', 'mean', 'adaptable', 'given'] as const) {
      const adaptable = kind === 'adaptable', mean = kind === 'mean' || adaptable;
      const rows = mean ? 5 : 3;
      add({
        kernel: 'cbpUtility',
        label: `${units} units, ${rowsOut} rows out, ${inSize} in, ${kind}`,
        arrays: {
          wOut: { n: rowsOut * units, gen: 'wide' },
          h: { n: units, gen: 'sparse' },
          wIn: { n: adaptable ? units * inSize : 1, gen: 'sparse' },
          // utility, age, power (and mean, corrected): ages from 0 to 199 around the maturity of 100, power 0.75.
          state: { n: rows * units, gen: { int: 200 }, f64: true },
          colSum: { n: units, gen: kind === 'given' ? 'pos' : 'nanfill' },
          rowSum: { n: units, gen: 'nanfill' },
        },
        run: (b, a) => {
          const s = a.state as Float64Array;
          s.fill(0.75, 2 * units, 3 * units);
          if (mean) s.fill(Number.NaN, 4 * units);
          return b.cbpUtility(units, rowsOut, kind === 'given' ? null : a.wOut!, a.h!, adaptable ? inSize : 0, adaptable ? a.wIn! : null, 0.99, 100, mean, s, a.colSum!, adaptable ? a.rowSum! : null);
        },
        // The sums' order differs between backends (float64 partial sums of float32 values): ~1e-7 relative.
        rtol: 1e-6,
        checked: kind === 'given' ? ['h', 'state', 'colSum'] : adaptable ? ['wOut', 'wIn', 'state', 'rowSum'] : ['wOut', 'h', 'state', 'colSum'],
      });
    }
  }
  for (const [d0, d1, inner] of [[1, 1, 1], [2, 3, 1], [5, 7, 3], [3, 4, 16], [9, 10, 2]] as [number, number, number][])
    add({
      kernel: 'transpose01',
      label: `${d0}x${d1}x${inner}`,
      arrays: { a: { n: d0 * d1 * inner }, out: { n: d0 * d1 * inner } },
      run: (b, a) => b.transpose01(a.a!, d0, d1, inner, a.out!),
      checked: ['a', 'out'],
    });
  // The fused conv passes: rows of 1 (sumChannels' column path), short rows, rows past one SIMD chunk of 64.
  for (const [d0, d1, inner] of [[1, 1, 1], [2, 3, 1], [5, 7, 3], [3, 4, 16], [9, 10, 2], [4, 3, 70], [2, 5, 130]] as [number, number, number][]) {
    const dims = `${d0}x${d1}x${inner}`;
    const size = d0 * d1 * inner;
    add({
      kernel: 'transpose01AddBias',
      label: dims,
      arrays: { a: { n: size }, bias: { n: d0 }, out: { n: size, gen: 'nanfill' } },
      run: (b, a) => b.transpose01AddBias(a.a!, d0, d1, inner, a.bias!, a.out!),
      checked: ['a', 'bias', 'out'],
    });
    for (const [alpha, beta] of alphaBeta)
      add({
        kernel: 'transpose01SumChannels',
        label: `${dims} alpha=${alpha} beta=${beta}`,
        arrays: { a: { n: size }, out: { n: size, gen: 'nanfill' }, sums: { n: d1, gen: beta === 0 ? 'nanfill' : 'u' } },
        run: (b, a) => b.transpose01SumChannels(a.a!, d0, d1, inner, a.out!, alpha, beta, a.sums!),
        checked: ['a', 'out', 'sums'],
      });
  }

  // channels, activations on images, pooling
  for (const [n, c, hw] of [[1, 1, 1], [2, 3, 1], [1, 5, 7], [3, 4, 9], [2, 3, 16]] as [number, number, number][]) {
    const nch = `n=${n} c=${c} hw=${hw}`;
    const size = n * c * hw;
    add({ kernel: 'addChannelBias', label: nch, arrays: { a: { n: size }, bias: { n: c } }, run: (b, a) => b.addChannelBias(a.a!, n, c, hw, a.bias!), checked: ['a', 'bias'] });
    for (const [alpha, beta] of alphaBeta)
      add({
        kernel: 'sumChannels',
        label: `${nch} alpha=${alpha} beta=${beta}`,
        arrays: { a: { n: size }, out: { n: c, gen: beta === 0 ? 'nanfill' : 'u' } },
        run: (b, a) => b.sumChannels(a.a!, n, c, hw, alpha, beta, a.out!),
        checked: ['a', 'out'],
      });
    add({ kernel: 'crelu', label: nch, arrays: { x: { n: size, gen: 'ties' }, y: { n: 2 * size } }, run: (b, a) => b.crelu(a.x!, n, c, hw, a.y!), checked: ['x', 'y'] });
    add({
      kernel: 'creluBackward',
      label: nch,
      arrays: { x: { n: size, gen: 'ties' }, dy: { n: 2 * size }, dx: { n: size } },
      run: (b, a) => b.creluBackward(a.x!, a.dy!, n, c, hw, a.dx!),
      checked: ['x', 'dy', 'dx'],
    });
    add({ kernel: 'globalAvgPool', label: nch, arrays: { x: { n: size }, y: { n: n * c } }, run: (b, a) => b.globalAvgPool(a.x!, n, c, hw, a.y!), checked: ['x', 'y'] });
    add({
      kernel: 'globalAvgPoolBackward',
      label: nch,
      arrays: { dy: { n: n * c }, dx: { n: size } },
      run: (b, a) => b.globalAvgPoolBackward(a.dy!, n, c, hw, a.dx!),
      checked: ['dy', 'dx'],
    });
    for (const gen of ['u', 'offset'] as Gen[]) {
      const g = `${nch}${gen === 'offset' ? ' mean 100' : ''}`;
      add({
        kernel: 'batchNormTrain',
        label: g,
        arrays: { x: { n: size, gen }, gamma: { n: c }, beta: { n: c }, y: { n: size }, mean: { n: c }, invStd: { n: c }, runMean: { n: c }, runVar: { n: c, gen: 'pos' } },
        run: (b, a) => b.batchNormTrain(a.x!, n, c, hw, a.gamma!, a.beta!, 1e-5, 0.1, a.y!, a.mean!, a.invStd!, a.runMean!, a.runVar!),
        rtol: 1e-5,
        atol: 1e-5,
        checked: ['x', 'y', 'gamma', 'beta', 'mean', 'invStd', 'runMean', 'runVar'],
      });
      add({
        kernel: 'batchNormEval',
        label: g,
        arrays: { x: { n: size, gen }, gamma: { n: c }, beta: { n: c }, runMean: { n: c, gen }, runVar: { n: c, gen: 'pos' }, y: { n: size } },
        run: (b, a) => b.batchNormEval(a.x!, n, c, hw, a.gamma!, a.beta!, a.runMean!, a.runVar!, 1e-5, a.y!),
        rtol: 1e-5,
        atol: 1e-5,
        checked: ['x', 'y', 'gamma', 'beta', 'runMean', 'runVar'],
      });
      add({
        kernel: 'batchNormBackward',
        label: g,
        arrays: { x: { n: size, gen }, dy: { n: size }, gamma: { n: c }, mean: { n: c, gen }, invStd: { n: c, gen: 'pos' }, dx: { n: size }, dgamma: { n: c }, dbeta: { n: c } },
        run: (b, a) => b.batchNormBackward(a.x!, a.dy!, n, c, hw, a.gamma!, a.mean!, a.invStd!, a.dx!, a.dgamma!, a.dbeta!),
        rtol: 1e-5,
        atol: 1e-5,
        checked: ['x', 'dy', 'dx', 'gamma', 'mean', 'invStd', 'dgamma', 'dbeta'],
      });
    }
  }
  for (const [rows, cols] of [[1, 1], [1, 10], [3, 7], [4, 16], [5, 33]] as [number, number][])
    for (const gen of ['u', 'offset'] as Gen[]) {
      const rc = `${rows}x${cols}${gen === 'offset' ? ' mean 100' : ''}`;
      add({
        kernel: 'layerNorm',
        label: rc,
        arrays: { x: { n: rows * cols, gen }, gamma: { n: cols }, beta: { n: cols }, y: { n: rows * cols }, mean: { n: rows }, invStd: { n: rows } },
        run: (b, a) => b.layerNorm(a.x!, rows, cols, a.gamma!, a.beta!, 1e-5, a.y!, a.mean!, a.invStd!),
        rtol: 1e-5,
        atol: 1e-5,
        checked: ['x', 'y', 'gamma', 'beta', 'mean', 'invStd'],
      });
      add({
        kernel: 'layerNormBackward',
        label: rc,
        arrays: { x: { n: rows * cols, gen }, dy: { n: rows * cols }, gamma: { n: cols }, mean: { n: rows, gen }, invStd: { n: rows, gen: 'pos' }, dx: { n: rows * cols }, dgamma: { n: cols }, dbeta: { n: cols } },
        run: (b, a) => b.layerNormBackward(a.x!, a.dy!, rows, cols, a.gamma!, a.mean!, a.invStd!, a.dx!, a.dgamma!, a.dbeta!),
        rtol: 1e-5,
        atol: 1e-5,
        checked: ['x', 'dy', 'dx', 'gamma', 'mean', 'invStd', 'dgamma', 'dbeta'],
      });
    }

  // activations: every kind on a wide range (exp-based ones checked to ~1e-6 relative)
  for (const n of [1, 3, 8, 37, 1000])
    for (const [name, kind] of actKinds) {
      const param = name === 'elu' ? 1.3 : 0.01;
      add({ kernel: 'activation', label: `${name} n=${n}`, arrays: { x: { n, gen: 'wide' }, y: { n } }, run: (b, a) => b.activation(kind, a.x!, a.y!, param), rtol: 1e-6, atol: 1e-7, checked: ['y'] });
      // pointwise relative error (no scale floor) over every magnitude
      add({ kernel: 'activation', label: `${name} n=${n} magnitudes`, arrays: { x: { n, gen: 'grid' }, y: { n } }, run: (b, a) => b.activation(kind, a.x!, a.y!, param), rtol: 1e-6, atol: 0, abs: 1e-37 });
      add({ kernel: 'activation', label: `${name} n=${n} NaN/Inf in place`, arrays: { x: { n, gen: 'nan' } }, run: (b, a) => b.activation(kind, a.x!, a.x!, param), rtol: 2e-6, atol: 1e-7 });
      add({
        kernel: 'activationBackward',
        label: `${name} n=${n}`,
        arrays: { x: { n, gen: 'wide' }, y: { n }, dy: { n }, dx: { n } },
        run: (b, a) => {
          // y = f(x), as the layers call it; computed by the backend under test itself.
          b.activation(kind, a.x!, a.y!, param);
          b.activationBackward(kind, a.x!, a.y!, a.dy!, a.dx!, param);
        },
        rtol: 1e-5,
        atol: 1e-6,
        checked: ['x', 'y', 'dx'],
      });
      add({
        kernel: 'activationBackward',
        label: `${name} n=${n} NaN/Inf in dy, in place`,
        arrays: { x: { n, gen: 'ties' }, y: { n }, dy: { n, gen: 'nan' } },
        run: (b, a) => {
          b.activation(kind, a.x!, a.y!, param);
          b.activationBackward(kind, a.x!, a.y!, a.dy!, a.dy!, param);
        },
        rtol: 1e-5,
        atol: 1e-6,
      });
    }

  // convolution and pooling
  for (const [n, c, h, w, kh, kw, stride, pad] of [
    [1, 1, 1, 1, 1, 1, 1, 0],
    [1, 1, 5, 5, 3, 3, 1, 1],
    [2, 3, 7, 6, 3, 2, 1, 0],
    [1, 2, 9, 9, 3, 3, 2, 1],
    [2, 2, 8, 11, 5, 5, 1, 2],
    [1, 3, 7, 7, 2, 2, 3, 0],
    [1, 1, 4, 4, 3, 3, 1, 3],
    [2, 1, 6, 6, 1, 1, 2, 0],
    // stride 1 without padding (the valid-convolution path): rows of 4 values (conv-b128's last layer), of 9
    [3, 4, 6, 6, 3, 3, 1, 0],
    [2, 3, 11, 13, 5, 5, 1, 0],
  ] as number[][]) {
    const oh = Math.floor((h! + 2 * pad! - kh!) / stride!) + 1, ow = Math.floor((w! + 2 * pad! - kw!) / stride!) + 1;
    const colsN = c! * kh! * kw! * n! * oh * ow;
    const lbl = `n=${n} c=${c} ${h}x${w} k=${kh}x${kw} stride=${stride} pad=${pad}`;
    add({
      kernel: 'im2col',
      label: lbl,
      arrays: { x: { n: n! * c! * h! * w! }, cols: { n: colsN } },
      run: (b, a) => b.im2col(a.x!, n!, c!, h!, w!, kh!, kw!, stride!, pad!, a.cols!),
      checked: ['x', 'cols'],
    });
    add({
      kernel: 'col2im',
      label: lbl,
      arrays: { cols: { n: colsN }, x: { n: n! * c! * h! * w! } },
      run: (b, a) => b.col2im(a.cols!, n!, c!, h!, w!, kh!, kw!, stride!, pad!, a.x!),
      checked: ['x', 'cols'],
    });
  }
  // Winograd F(2x2, 3x3): odd outputs (tiles cut at the edge), the input gradient's padding 2, planes wide enough
  // for the wasm kernel's in-bounds vector path.
  for (const [n, c, h, w, pad] of [
    [1, 1, 4, 4, 1],
    [2, 3, 5, 7, 1],
    [2, 2, 6, 6, 0],
    [1, 2, 5, 5, 2],
    [2, 5, 9, 8, 1],
    [1, 3, 12, 10, 0],
    [1, 1, 1, 1, 1],
    // The wasm kernels' staged planes: ResNet's 8x8 and 4x4 planes (whole quads; two tiles a row), a plane whose
    // quads all lie inside (the output adjoint reads it in place), one wider than a staged segment of 1024 tiles, and
    // ones taller than a staged band.
    [2, 3, 8, 8, 1],
    [3, 2, 4, 4, 1],
    [2, 2, 17, 19, 1],
    [1, 1, 3, 2100, 1],
    [1, 1, 1700, 6, 1],
    [1, 1, 2100, 5, 0],
  ] as number[][]) {
    const oh = h! + 2 * pad! - 2, ow = w! + 2 * pad! - 2;
    const vn = winogradValues(n!, c!, oh, ow);
    const lbl = `n=${n} c=${c} ${h}x${w} pad=${pad}`;
    add({ kernel: 'winogradInput', label: lbl, arrays: { x: { n: n! * c! * h! * w! }, v: { n: vn } }, run: (b, a) => b.winogradInput(a.x!, n!, c!, h!, w!, pad!, a.v!), rtol: 1e-6, atol: 1e-7, checked: ['x', 'v'] });
    for (const bias of [false, true])
      add({
        kernel: 'winogradOutput',
        label: `${lbl} (${oh}x${ow} out)${bias ? ' bias' : ''}`,
        arrays: { m: { n: vn }, bias: { n: c! }, y: { n: n! * c! * oh * ow } },
        run: (b, a) => b.winogradOutput(a.m!, n!, c!, oh, ow, bias ? a.bias! : null, a.y!),
        rtol: 1e-6,
        atol: 1e-7,
        checked: bias ? ['m', 'bias', 'y'] : ['m', 'y'],
      });
    add({ kernel: 'winogradOutputAdjoint', label: `${lbl} (${oh}x${ow} out)`, arrays: { dy: { n: n! * c! * oh * ow }, dm: { n: vn } }, run: (b, a) => b.winogradOutputAdjoint(a.dy!, n!, c!, oh, ow, a.dm!), rtol: 1e-6, atol: 1e-7, checked: ['dy', 'dm'] });
  }
  for (const [oc, ic] of [
    [1, 1],
    [3, 2],
    [5, 7],
    // More kernels than one of the wasm filter transform's blocks (256), and not a multiple of it.
    [17, 19],
  ] as number[][]) {
    add({ kernel: 'winogradFilter', label: `${oc}x${ic}`, arrays: { w: { n: oc! * ic! * 9 }, u: { n: 16 * oc! * ic! } }, run: (b, a) => b.winogradFilter(a.w!, oc!, ic!, a.u!), rtol: 1e-6, atol: 1e-7, checked: ['w', 'u'] });
    for (const [alpha, beta] of alphaBeta)
      add({
        kernel: 'winogradFilterAdjoint',
        label: `${oc}x${ic} alpha=${alpha} beta=${beta}`,
        arrays: { du: { n: 16 * oc! * ic! }, dw: { n: oc! * ic! * 9, gen: beta === 0 ? 'nanfill' : 'u' } },
        run: (b, a) => b.winogradFilterAdjoint(a.du!, oc!, ic!, alpha, beta, a.dw!),
        rtol: 1e-6,
        atol: 1e-7,
        checked: ['du', 'dw'],
      });
  }
  for (const [n, c, h, w, k, stride] of [
    [1, 1, 1, 1, 1, 1],
    [1, 1, 4, 4, 2, 2],
    [2, 3, 7, 5, 3, 2],
    [1, 2, 6, 6, 3, 1],
    [2, 2, 9, 8, 2, 3],
    [2, 3, 9, 17, 2, 2], // the vectorized 2x2 path: two quads per row, odd height and width
    [1, 2, 8, 10, 2, 2], // a quad and a remainder column
    [2, 3, 4, 4, 2, 2], // planes two outputs wide: two output rows as one group of four
    [1, 2, 6, 5, 2, 2], // the same with an odd output row left and an odd width
    [2, 2, 12, 12, 2, 2], // six outputs a row: a quad and a quad overlapping it up to the row's end
    [1, 1, 4, 28, 2, 2], // fourteen outputs a row (conv-b128's first pooling)
  ] as number[][]) {
    const oh = Math.floor((h! - k!) / stride!) + 1, ow = Math.floor((w! - k!) / stride!) + 1;
    const lbl = `n=${n} c=${c} ${h}x${w} k=${k} stride=${stride}`;
    for (const gen of ['u', 'ties', 'nan'] as Gen[])
      add({
        kernel: 'maxPool',
        label: `${lbl} ${gen}`,
        arrays: { x: { n: n! * c! * h! * w!, gen }, y: { n: n! * c! * oh * ow }, argmax: { n: n! * c! * oh * ow } },
        run: (b, a) => b.maxPool(a.x!, n!, c!, h!, w!, k!, stride!, a.y!, a.argmax!),
        checked: ['x', 'y', 'argmax'],
      });
    add({
      kernel: 'maxPoolBackward',
      label: lbl,
      arrays: { dy: { n: n! * c! * oh * ow }, argmax: { n: n! * c! * oh * ow, gen: { int: h! * w! } }, dx: { n: n! * c! * h! * w! } },
      run: (b, a) => b.maxPoolBackward(a.dy!, a.argmax!, n!, c!, h!, w!, oh, ow, a.dx!),
      checked: ['dy', 'argmax', 'dx'],
    });
    // The backward of a real forward pass (argmax inside each window: the fast 2x2 path where it applies).
    for (const gen of ['u', 'ties', 'nan'] as Gen[])
      add({
        kernel: 'maxPoolBackward',
        label: `${lbl} after a forward, ${gen}`,
        arrays: { x: { n: n! * c! * h! * w!, gen }, y: { n: n! * c! * oh * ow }, argmax: { n: n! * c! * oh * ow }, dy: { n: n! * c! * oh * ow }, dx: { n: n! * c! * h! * w! } },
        run: (b, a) => {
          b.maxPool(a.x!, n!, c!, h!, w!, k!, stride!, a.y!, a.argmax!);
          b.maxPoolBackward(a.dy!, a.argmax!, n!, c!, h!, w!, oh, ow, a.dx!);
        },
        checked: ['y', 'argmax', 'dx'],
      });
    // The fused conv-ReLU-pool path's pooling on the gemm's channel-major product [c, n, h, w] (bias added as it
    // reads), and its backward writing the gradient channel-major with the bias gradient summed (alpha, beta).
    for (const bias of [false, true])
      add({
        kernel: 'maxPoolCnhw',
        label: `${lbl}${bias ? ' bias' : ''}`,
        arrays: { x: { n: n! * c! * h! * w! }, ...(bias ? { bias: { n: c! } } : {}), y: { n: n! * c! * oh * ow }, argmax: { n: n! * c! * oh * ow } },
        run: (b, a) => b.maxPoolCnhw(a.x!, c!, n!, h!, w!, k!, stride!, bias ? a.bias! : null, a.y!, a.argmax!),
        checked: ['x', 'y', 'argmax'],
      });
    for (const sums of [false, true])
      add({
        kernel: 'maxPoolBackwardCnhw',
        label: `${lbl} after a forward${sums ? ', bias gradient' : ''}`,
        arrays: { x: { n: n! * c! * h! * w! }, y: { n: n! * c! * oh * ow }, argmax: { n: n! * c! * oh * ow }, dy: { n: n! * c! * oh * ow }, dx: { n: n! * c! * h! * w! }, ...(sums ? { sums: { n: c! } } : {}) },
        run: (b, a) => {
          b.maxPoolCnhw(a.x!, c!, n!, h!, w!, k!, stride!, null, a.y!, a.argmax!);
          b.maxPoolBackwardCnhw(a.dy!, a.argmax!, n!, c!, h!, w!, oh, ow, a.dx!, 0.5, 1, sums ? a.sums! : null);
        },
        checked: sums ? ['y', 'argmax', 'dx', 'sums'] : ['y', 'argmax', 'dx'],
      });
  }

  // attention: row softmax (plain and causal), in place too, and its backward
  for (const [rows, cols] of [[1, 1], [3, 3], [4, 5], [8, 4], [10, 10], [2 * 49, 49], [50, 50]] as [number, number][])
    for (const causal of [false, true]) {
      if (causal && rows % cols !== 0) continue;
      for (const gen of ['u', 'wide'] as Gen[]) {
        add({
          kernel: 'softmaxRows',
          label: `${rows}x${cols}${causal ? ' causal' : ''} ${gen}`,
          arrays: { x: { n: rows * cols, gen }, y: { n: rows * cols, gen: 'nanfill' } },
          run: (b, a) => b.softmaxRows(a.x!, rows, cols, causal, a.y!),
          rtol: 1e-5,
          atol: 1e-7,
          checked: ['x', 'y'],
        });
      }
      add({
        kernel: 'softmaxRows',
        label: `${rows}x${cols}${causal ? ' causal' : ''} in place, NaN`,
        arrays: { x: { n: rows * cols, gen: 'nan' } },
        run: (b, a) => b.softmaxRows(a.x!, rows, cols, causal, a.x!),
        rtol: 1e-5,
        atol: 1e-7,
      });
      add({
        kernel: 'softmaxRowsBackward',
        label: `${rows}x${cols}${causal ? ' causal' : ''}`,
        // Moderate scores: with a peaked softmax, dx = y (dy - y.dy) cancels and float32 keeps no digits to compare.
        arrays: { x: { n: rows * cols, gen: 'u' }, y: { n: rows * cols }, dy: { n: rows * cols }, dx: { n: rows * cols, gen: 'nanfill' } },
        run: (b, a) => {
          b.softmaxRows(a.x!, rows, cols, causal, a.y!);
          b.softmaxRowsBackward(a.y!, a.dy!, rows, cols, a.dx!);
        },
        rtol: 1e-5,
        atol: 1e-6,
        checked: ['y', 'dy', 'dx'],
      });
      add({
        kernel: 'softmaxRowsBackward',
        label: `${rows}x${cols}${causal ? ' causal' : ''} in place`,
        arrays: { x: { n: rows * cols, gen: 'u' }, y: { n: rows * cols }, dy: { n: rows * cols } },
        run: (b, a) => {
          b.softmaxRows(a.x!, rows, cols, causal, a.y!);
          b.softmaxRowsBackward(a.y!, a.dy!, rows, cols, a.dy!);
        },
        rtol: 1e-5,
        atol: 1e-6,
      });
    }

  // attention: fused scaled dot-product attention of every (example, head) pair, forward and backward, with head
  // widths that take every vector path (16: a full group, 4, 20 = 16 + 4, 3 and 1: scalar) and odd token counts;
  // 32 wide over 17 tokens: native's per-head BLAS path (heads from 32, products from its gemm threshold)
  for (const [n, t, heads, dh] of [[1, 1, 1, 1], [2, 5, 2, 4], [3, 7, 1, 3], [2, 9, 3, 16], [1, 13, 2, 20], [2, 65, 4, 16], [2, 17, 2, 32]] as [number, number, number, number][])
    for (const causal of [false, true]) {
      const d = heads * dh;
      const lbl = `n ${n}, ${t} tokens, ${heads}x${dh}${causal ? ' causal' : ''}`;
      const scale = 1 / Math.sqrt(dh);
      add({
        kernel: 'attentionForward',
        label: lbl,
        arrays: { qkv: { n: n * t * 3 * d }, probs: { n: n * heads * t * t, gen: 'nanfill' }, out: { n: n * t * d, gen: 'nanfill' } },
        run: (b, a) => b.attentionForward(a.qkv!, n, t, heads, dh, causal, scale, a.probs!, a.out!),
        rtol: 1e-5,
        atol: 1e-6,
        checked: ['qkv', 'probs', 'out'],
      });
      add({
        kernel: 'attentionBackward',
        label: `${lbl} after a forward`,
        arrays: {
          qkv: { n: n * t * 3 * d },
          probs: { n: n * heads * t * t },
          out: { n: n * t * d },
          dOut: { n: n * t * d },
          dQkv: { n: n * t * 3 * d, gen: 'nanfill' },
        },
        run: (b, a) => {
          b.attentionForward(a.qkv!, n, t, heads, dh, causal, scale, a.probs!, a.out!);
          b.attentionBackward(a.qkv!, a.probs!, a.dOut!, n, t, heads, dh, causal, scale, a.dQkv!);
        },
        rtol: 1e-4,
        atol: 1e-5,
        checked: ['qkv', 'probs', 'dOut', 'dQkv'],
      });
    }

  // losses
  for (const [rows, cols, ld] of [[1, 1, 1], [1, 10, 10], [3, 7, 8], [4, 5, 16], [9, 33, 40]] as [number, number, number][])
    for (const gen of ['u', 'wide'] as Gen[]) {
      add({
        kernel: 'softmaxCrossEntropy',
        label: `${rows}x${cols} ld=${ld} ${gen}`,
        arrays: { logits: { n: rows * ld, gen }, labels: { n: rows, gen: { int: cols } }, dlogits: { n: rows * ld, gen: 'nanfill' } },
        run: (b, a) => b.softmaxCrossEntropy(a.logits!, a.labels!, rows, cols, ld, 0.25, a.dlogits!),
        rtol: 1e-5,
        atol: 1e-6,
        checked: ['logits', 'labels', 'dlogits'],
      });
      add({
        kernel: 'argmaxRows',
        label: `${rows}x${cols} ld=${ld} ties/NaN`,
        arrays: { a: { n: rows * ld, gen: 'ties' }, out: { n: rows } },
        run: (b, a) => b.argmaxRows(a.a!, rows, cols, ld, a.out!),
        checked: ['a', 'out'],
      });
    }
  for (const n of [1, 5, 64, 1001])
    add({
      kernel: 'squaredError',
      label: `n=${n}`,
      arrays: { pred: { n }, target: { n }, dpred: { n } },
      run: (b, a) => b.squaredError(a.pred!, a.target!, 0.5, a.dpred!),
      rtol: 1e-6,
      checked: ['target', 'dpred'],
    });

  // optimizers
  for (const n of [1, 3, 4, 9, 1001]) {
    for (const p of [1, 0.9])
      add({
        kernel: 'adam',
        label: `n=${n} p=${p}`,
        arrays: { g: { n }, m: { n }, v: { n, gen: 'pos' }, p1: { n, gen: { value: p } }, p2: { n, gen: { value: p } } },
        run: (b, a) => {
          // three steps: the bias correction of the first ones is where precision matters
          for (let s = 0; s < 3; s++) b.adam(a.g!, a.m!, a.v!, a.p1!, a.p2!, 0.9, 0.999, 1e-8);
        },
        rtol: 1e-5,
        atol: 1e-6,
        checked: ['m', 'v', 'p1', 'p2'],
      });
    for (const nesterov of [false, true])
      add({
        kernel: 'momentum',
        label: `n=${n} nesterov=${nesterov}`,
        arrays: { g: { n }, buf: { n } },
        run: (b, a) => b.momentum(a.g!, a.buf!, 0.9, nesterov),
        checked: ['buf'],
      });
  }
  return out;
}

// --- checks every backend shares: empty batches, labels, bad indices ---

interface Rejection {
  label: string;
  message: RegExp;
  run(b: Backend): unknown;
}

function rejections(): Rejection[] {
  const batch = /empty batches are rejected/;
  const f = (b: Backend, n: number): FloatArray => b.alloc(n);
  const labels = (b: Backend, v: number): FloatArray => {
    const l = b.alloc(2);
    l[1] = v;
    return l;
  };
  return [
    { label: 'gemm m = 0', message: /empty operands are rejected/, run: (b) => b.gemm(false, false, 0, 2, 2, 1, f(b, 4), f(b, 4), 0, f(b, 4)) },
    { label: 'linearForward n = 0', message: /linearForward: the batch has 0 examples/, run: (b) => b.linearForward(0, 2, 2, f(b, 4), f(b, 4), null, f(b, 4)) },
    { label: 'linearForward out = 0', message: /linearForward: outFeatures = 0, inFeatures = 2 must be positive integers/, run: (b) => b.linearForward(1, 0, 2, f(b, 4), f(b, 4), null, f(b, 4)) },
    { label: 'denseReluStep label out of range', message: /denseReluStep: label 3 is not a class index in \[0, 3\)/, run: (b) => b.denseReluStep([2, 3], f(b, 2), b.alloc(1).fill(3), [f(b, 6)], [null], [f(b, 3)], [], new Float64Array(4), f(b, 3), f(b, 0)) },
    { label: 'denseReluStep no layer', message: /denseReluStep: sizes has 1 entries/, run: (b) => b.denseReluStep([2], f(b, 2), f(b, 1), [], [], [], [], new Float64Array(0), f(b, 3), f(b, 0)) },
    { label: 'denseReluStep lists of the wrong length', message: /denseReluStep: 2 layers need 2 weights/, run: (b) => b.denseReluStep([2, 3, 2], f(b, 2), f(b, 1), [f(b, 6)], [null, null], [f(b, 3), f(b, 2)], [f(b, 3)], new Float64Array(8), f(b, 2), f(b, 6)) },
    { label: 'linearBackward in = 1.5', message: /linearBackward: outFeatures = 2, inFeatures = 1.5 must be positive integers/, run: (b) => b.linearBackward(1, 2, 1.5, f(b, 4), f(b, 4), f(b, 4), null, 1, 1, null, 1, 1, null) },
    { label: 'gemm k = 0', message: /empty operands are rejected/, run: (b) => b.gemm(false, true, 2, 2, 0, 1, f(b, 4), f(b, 4), 0, f(b, 4)) },
    { label: 'addChannelBias n = 0', message: batch, run: (b) => b.addChannelBias(f(b, 4), 0, 2, 2, f(b, 2)) },
    { label: 'sumChannels n = 0', message: batch, run: (b) => b.sumChannels(f(b, 4), 0, 2, 2, 1, 0, f(b, 2)) },
    { label: 'transpose01SumChannels d0 = 0', message: batch, run: (b) => b.transpose01SumChannels(f(b, 4), 0, 2, 2, f(b, 4), 1, 0, f(b, 2)) },
    { label: 'crelu n = 0', message: batch, run: (b) => b.crelu(f(b, 4), 0, 2, 2, f(b, 8)) },
    { label: 'creluBackward n = 0', message: batch, run: (b) => b.creluBackward(f(b, 4), f(b, 8), 0, 2, 2, f(b, 4)) },
    { label: 'im2col n = 0', message: batch, run: (b) => b.im2col(f(b, 16), 0, 1, 4, 4, 3, 3, 1, 1, f(b, 144)) },
    { label: 'col2im n = 0', message: batch, run: (b) => b.col2im(f(b, 144), 0, 1, 4, 4, 3, 3, 1, 1, f(b, 16)) },
    { label: 'maxPool n = 0', message: batch, run: (b) => b.maxPool(f(b, 16), 0, 1, 4, 4, 2, 2, f(b, 4), f(b, 4)) },
    { label: 'maxPoolBackward n = 0', message: batch, run: (b) => b.maxPoolBackward(f(b, 4), f(b, 4), 0, 1, 4, 4, 2, 2, f(b, 16)) },
    { label: 'globalAvgPool n = 0', message: batch, run: (b) => b.globalAvgPool(f(b, 4), 0, 1, 4, f(b, 1)) },
    { label: 'globalAvgPoolBackward n = 0', message: batch, run: (b) => b.globalAvgPoolBackward(f(b, 1), 0, 1, 4, f(b, 4)) },
    { label: 'batchNormTrain n = 0', message: batch, run: (b) => b.batchNormTrain(f(b, 4), 0, 1, 4, f(b, 1), f(b, 1), 1e-5, 0.1, f(b, 4), f(b, 1), f(b, 1), f(b, 1), f(b, 1)) },
    { label: 'batchNormEval n = 0', message: batch, run: (b) => b.batchNormEval(f(b, 4), 0, 1, 4, f(b, 1), f(b, 1), f(b, 1), f(b, 1), 1e-5, f(b, 4)) },
    { label: 'batchNormBackward n = 0', message: batch, run: (b) => b.batchNormBackward(f(b, 4), f(b, 4), 0, 1, 4, f(b, 1), f(b, 1), f(b, 1), f(b, 4), f(b, 1), f(b, 1)) },
    { label: 'layerNorm rows = 0', message: batch, run: (b) => b.layerNorm(f(b, 4), 0, 4, f(b, 4), f(b, 4), 1e-5, f(b, 4), f(b, 1), f(b, 1)) },
    { label: 'layerNormBackward rows = 0', message: batch, run: (b) => b.layerNormBackward(f(b, 4), f(b, 4), 0, 4, f(b, 4), f(b, 1), f(b, 1), f(b, 4), f(b, 4), f(b, 4)) },
    { label: 'softmaxCrossEntropy rows = 0', message: batch, run: (b) => b.softmaxCrossEntropy(f(b, 4), f(b, 1), 0, 4, 4, 1, f(b, 4)) },
    { label: 'softmaxCrossEntropy label = cols', message: /label 3 of row 1 is not a class index in \[0, 3\)/, run: (b) => b.softmaxCrossEntropy(f(b, 6), labels(b, 3), 2, 3, 3, 1, f(b, 6)) },
    { label: 'softmaxCrossEntropy label = -1', message: /not a class index/, run: (b) => b.softmaxCrossEntropy(f(b, 6), labels(b, -1), 2, 3, 3, 1, f(b, 6)) },
    { label: 'softmaxCrossEntropy label = 1.5', message: /not a class index/, run: (b) => b.softmaxCrossEntropy(f(b, 6), labels(b, 1.5), 2, 3, 3, 1, f(b, 6)) },
    { label: 'softmaxCrossEntropy label = NaN', message: /not a class index/, run: (b) => b.softmaxCrossEntropy(f(b, 6), labels(b, NaN), 2, 3, 3, 1, f(b, 6)) },
    { label: 'softmaxCrossEntropy cols > ld', message: /must be in \[1, ld/, run: (b) => b.softmaxCrossEntropy(f(b, 6), f(b, 2), 2, 4, 3, 1, f(b, 6)) },
    { label: 'argmaxRows cols > ld', message: /must be at most ld/, run: (b) => b.argmaxRows(f(b, 6), 2, 4, 3, f(b, 2)) },
    {
      label: 'maxPoolBackward argmax outside the plane',
      message: /not an index of a 4x4 plane/,
      run: (b) => {
        const am = b.alloc(4);
        am[2] = 16;
        return b.maxPoolBackward(f(b, 4), am, 1, 1, 4, 4, 2, 2, f(b, 16));
      },
    },
    { label: 'softmaxRows rows = 0', message: batch, run: (b) => b.softmaxRows(f(b, 4), 0, 4, false, f(b, 4)) },
    { label: 'softmaxRows causal, rows not a multiple of cols', message: /must be a multiple of cols/, run: (b) => b.softmaxRows(f(b, 6), 2, 3, true, f(b, 6)) },
    { label: 'softmaxRowsBackward rows = 0', message: batch, run: (b) => b.softmaxRowsBackward(f(b, 4), f(b, 4), 0, 4, f(b, 4)) },
    { label: 'attentionForward n = 0', message: batch, run: (b) => b.attentionForward(f(b, 6), 0, 1, 1, 2, false, 1, f(b, 1), f(b, 2)) },
    { label: 'attentionForward heads = 1.5', message: /attentionForward: heads = 1.5 must be a positive integer/, run: (b) => b.attentionForward(f(b, 6), 1, 1, 1.5, 2, false, 1, f(b, 1), f(b, 2)) },
    { label: 'attentionBackward headDim = 0', message: /attentionBackward: headDim = 0 must be a positive integer/, run: (b) => b.attentionBackward(f(b, 6), f(b, 1), f(b, 2), 1, 1, 1, 0, false, 1, f(b, 6)) },
    { label: 'activation unknown kind', message: /unknown kind 9/, run: (b) => b.activation(9 as ActivationCode, f(b, 4), f(b, 4), 0) },
  ];
}

// --- running ---

const ref = createTsBackend(32);
const tested: BackendName[] = availableBackends().filter((n) => n !== 'ts');
const all = cases();
const seedOf = (s: string): number => {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
};

function runCase(name: BackendName, c: Case): void {
  const b = getBackend(name);
  const rng = Rng.seeded(seedOf(`${c.kernel} ${c.label}`));
  const values: Record<string, Float64Array> = {};
  for (const [k, spec] of Object.entries(c.arrays)) values[k] = draw(rng, spec);
  const ra = materialize(ref, values, c.arrays);
  const ba = materialize(b, values, c.arrays);
  const rr = c.run(ref, ra);
  const br = c.run(b, ba);
  // ts64 keeps full float64 values: compare it at float32 resolution.
  const rtol = Math.max(c.rtol ?? 1e-6, name === 'ts64' ? 2e-6 : 0);
  const atol = Math.max(c.atol ?? 1e-7, name === 'ts64' ? 1e-6 : 0);
  const what = `${name} ${c.kernel} (${c.label})`;
  // ts64 does not round y = f(x) to float32 (1 - tanh^2 of a saturated tanh is 1e-10, not 0): a small floor.
  const abs = Math.max(c.abs ?? 0, name === 'ts64' ? 1e-9 : 0);
  compareResult(`${what} result`, br, rr, rtol, atol, abs);
  for (const k of Object.keys(c.arrays)) compare(`${what} ${k}`, ba[k]!, ra[k]!, rtol, atol, abs);
  for (const k of Object.keys(ba)) if (!c.arrays[k]!.f64) b.free(ba[k]!);
}

for (const name of tested) {
  test(`${name}: every kernel matches the float32 reference`, () => {
    const kernels = new Set<string>();
    for (const c of all) {
      runCase(name, c);
      kernels.add(c.kernel);
    }
    // Every kernel of the interface has cases (a new kernel must add some).
    // (encodeBytes, addNormal and shrinkAddNormal have tests of their own below.)
    const iface = kernelNames.filter((k) => k !== 'encodeBytes' && k !== 'addNormal' && k !== 'shrinkAddNormal');
    assert.deepEqual(iface.filter((k) => !kernels.has(k)), [], 'kernels without conformance cases');
  });
}

for (const name of ['ts', ...tested]) {
  test(`${name}: arrays one value too short are rejected`, () => {
    const b = getBackend(name);
    for (const c of all) {
      for (const short of c.checked ?? []) {
        const rng = Rng.seeded(1);
        const values: Record<string, Float64Array> = {};
        for (const [k, spec] of Object.entries(c.arrays)) values[k] = draw(rng, spec);
        const a = materialize(b, values, c.arrays, short);
        assert.throws(() => c.run(b, a), /holds \d+ values but/, `${name} ${c.kernel} (${c.label}) with ${short} one value short`);
      }
    }
  });

  test(`${name}: empty batches, bad labels and bad indices are rejected`, () => {
    const b = getBackend(name);
    for (const r of rejections()) assert.throws(() => r.run(b), r.message, `${name}: ${r.label}`);
  });
}

test('the conformance suite covers every available backend but the reference', () => {
  assert.ok(tested.includes('ts64'));
  assert.ok(!tested.includes('ts'));
});

test('backends say which arrays they can read; a model rejects an input from elsewhere', async () => {
  const { Model } = await import('../src/nn/Model.js');
  const { mlp } = await import('../src/nn/models/mlp.js');
  const { Rng } = await import('../src/tensor/Rng.js');
  const { Tensor } = await import('../src/tensor/Tensor.js');
  for (const name of availableBackends()) {
    const b = getBackend(name);
    assert.equal(b.owns(b.alloc(3)), true, name);
    if (name === 'ts64' || name === 'ts') continue;
    assert.equal(b.owns(new Float32Array(3)), false, name);
    const m = Model.build(mlp({ hidden: [4], outputs: 2 }), { inputShape: [3], backend: b, rng: Rng.seeded(1) });
    assert.throws(() => m.forward(new Tensor(new Float32Array(3), [1, 3]), true), /is not in (wasm|native) memory; allocate batches with backend.alloc/);
  }
});

test('encodeBytes: pixel bytes through a per-channel table, permuted or not, on every backend as the reference', () => {
  const ref = createTsBackend(32);
  const rng = Rng.seeded(11);
  for (const name of availableBackends()) {
    const b = getBackend(name);
    for (const [n, plane, permuted, srcOffset, outOffset] of [[784, 784, true, 784 * 3, 0], [784, 784, false, 0, 5], [3 * 35, 35, true, 7, 2], [3 * 35, 35, false, 0, 0], [1, 1, true, 0, 0]] as [number, number, boolean, number, number][]) {
      const channels = Math.ceil(n / plane);
      const src = b.allocBytes(srcOffset + n), srcR = ref.allocBytes(srcOffset + n);
      for (let i = 0; i < src.length; i++) src[i] = srcR[i] = rng.int(256);
      const lut = b.alloc(channels * 256), lutR = ref.alloc(channels * 256);
      for (let i = 0; i < lut.length; i++) lut[i] = lutR[i] = Math.fround(rng.normal());
      const p = permuted ? rng.permutation(n) : null;
      const perm = p ? b.allocInt32(n) : null, permR = p ? ref.allocInt32(n) : null;
      if (p) { perm!.set(p); permR!.set(p); }
      const out = b.alloc(outOffset + n + 3), outR = ref.alloc(outOffset + n + 3);
      out.fill(-7); outR.fill(-7);
      b.encodeBytes(src, srcOffset, n, plane, lut, perm, out, outOffset);
      ref.encodeBytes(srcR, srcOffset, n, plane, lutR, permR, outR, outOffset);
      assert.deepEqual([...out], [...outR], `${name} n=${n} plane=${plane} permuted=${permuted}`);
    }
    const bad = b.allocInt32(4);
    bad.set([0, 1, 4, 2]);
    assert.throws(() => b.encodeBytes(b.allocBytes(4), 0, 4, 4, b.alloc(256), bad, b.alloc(4), 0), /permutation has an entry outside \[0, 4\)/, name);
    assert.throws(() => b.encodeBytes(b.allocBytes(3), 0, 4, 4, b.alloc(256), null, b.alloc(4), 0), /src holds 3 values but 4 are needed/, name);
    if (name !== 'ts' && name !== 'ts64') assert.throws(() => b.encodeBytes(new Uint8Array(4), 0, 4, 4, b.alloc(256), null, b.alloc(4), 0), /not in wasm memory/, name);
  }
});

test('addNormal: standard normal noise, the same lane streams on every backend (to float rounding)', () => {
  const ref = createTsBackend(64);
  const seeds: [number, number, number, number] = [0x12345678, -5, 77, 0];
  for (const n of [1, 7, 8, 13, 1000, 100003]) {
    const r = ref.alloc(n);
    ref.addNormal(r, 1, seeds);
    if (n === 100003) {
      let s = 0, ss = 0, s4 = 0;
      for (const v of r) { s += v; ss += v * v; s4 += v ** 4; }
      assert.ok(Math.abs(s / n) < 0.01, `mean ${s / n}`);
      assert.ok(Math.abs(ss / n - 1) < 0.02, `variance ${ss / n}`);
      assert.ok(Math.abs(s4 / n - 3) < 0.1, `fourth moment ${s4 / n}`);
    }
    for (const name of availableBackends()) {
      const b = getBackend(name);
      const y = b.alloc(n);
      y.fill(0.25);
      b.addNormal(y, 0.5, seeds);
      for (let i = 0; i < n; i++) {
        const want = 0.25 + 0.5 * r[i]!;
        assert.ok(Math.abs(y[i]! - want) <= 2e-6 * (1 + Math.abs(r[i]!)), `${name} n=${n} [${i}]: ${y[i]} vs ${want}`);
      }
    }
  }
  const a = ref.alloc(16), b = ref.alloc(16);
  ref.addNormal(a, 1, [1, 2, 3, 4]);
  ref.addNormal(b, 1, [1, 2, 3, 5]);
  assert.notDeepEqual([...a], [...b], 'other seeds, other noise');
  for (const name of availableBackends()) assert.throws(() => getBackend(name).addNormal(getBackend(name).alloc(3), NaN, seeds), /sigma = NaN is not a finite number/);
});

test('shrinkAddNormal: shrink and standard normal noise in one pass, the same values bit for bit on every backend', () => {
  const ref = createTsBackend(32);
  const seeds: [number, number, number, number] = [0x12345678, -5, 77, 0];
  for (const n of [1, 7, 8, 13, 1000, 100003]) {
    const r = ref.alloc(n);
    ref.shrinkAddNormal(r, 1, 1, seeds);
    if (n === 100003) {
      // Standard normal: mean, variance, fourth moment, and the tails (P(|z| > 3) = 0.0027).
      let s = 0, ss = 0, s4 = 0, tail = 0;
      for (const v of r) { s += v; ss += v * v; s4 += v ** 4; if (Math.abs(v) > 3) tail++; }
      assert.ok(Math.abs(s / n) < 0.01, `mean ${s / n}`);
      assert.ok(Math.abs(ss / n - 1) < 0.02, `variance ${ss / n}`);
      assert.ok(Math.abs(s4 / n - 3) < 0.1, `fourth moment ${s4 / n}`);
      assert.ok(Math.abs(tail / n - 0.0027) < 0.0008, `P(|z| > 3) = ${tail / n}`);
      // The cosine and sine halves of each round are uncorrelated.
      let c = 0;
      for (let i = 0; i + 8 <= n; i += 8) for (let k = 0; k < 4; k++) c += r[i + k]! * r[i + 4 + k]!;
      assert.ok(Math.abs(c / (n / 2)) < 0.02, `correlation ${c / (n / 2)}`);
    }
    // Shrink and noise on every backend: the reference's values exactly (float32 operations in the same order).
    const start = (a: FloatArray) => {
      for (let i = 0; i < n; i++) a[i] = Math.fround(0.25 + 0.001 * (i % 17));
    };
    const want = ref.alloc(n);
    start(want);
    ref.shrinkAddNormal(want, 0.75, 0.5, seeds);
    for (let i = 0; i < Math.min(n, 50); i++) {
      const z = (want[i]! - Math.fround(0.75 * Math.fround(0.25 + 0.001 * (i % 17)))) / 0.5;
      assert.ok(Math.abs(z - r[i]!) <= 1e-6 * (1 + Math.abs(r[i]!)), `noise [${i}]: ${z} vs ${r[i]}`);
    }
    for (const name of availableBackends()) {
      const b = getBackend(name);
      const y = b.alloc(n);
      start(y);
      b.shrinkAddNormal(y, 0.75, 0.5, seeds);
      assert.deepEqual([...y], [...want], `${name} n=${n}`);
    }
  }
  const a = ref.alloc(16), b = ref.alloc(16);
  ref.shrinkAddNormal(a, 1, 1, [1, 2, 3, 4]);
  ref.shrinkAddNormal(b, 1, 1, [1, 2, 3, 5]);
  assert.notDeepEqual([...a], [...b], 'other seeds, other noise');
  // sigma = 0 is a plain shrink.
  const c = ref.alloc(5);
  c.set([1, -2, 3, 0.5, 8]);
  ref.shrinkAddNormal(c, 0.5, 0, [1, 2, 3, 4]);
  assert.deepEqual([...c], [0.5, -1, 1.5, 0.25, 4]);
  for (const name of availableBackends()) {
    assert.throws(() => getBackend(name).shrinkAddNormal(getBackend(name).alloc(3), 1, NaN, seeds), /sigma = NaN is not a finite number/);
    assert.throws(() => getBackend(name).shrinkAddNormal(getBackend(name).alloc(3), Infinity, 1, seeds), /shrink = Infinity is not a finite number/);
  }
});

test('symmetricEigenvalues, where a backend has it, agrees with the JavaScript solver, and the diagnostics use it', async () => {
  const { jsSymmetricEigenvalues, symmetricEigenvalues, useBackendEigenvalues, useSymmetricEigenvalues } = await import('../src/diagnostics/singularValues.js');
  const rng = Rng.seeded(5);
  const n = 7;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.uniform(-1, 1);
  const want = [...jsSymmetricEigenvalues(a, n)].sort((x, y) => x - y);
  const previous = useSymmetricEigenvalues(null);
  try {
    for (const name of availableBackends()) {
      const b = getBackend(name);
      assert.equal(typeof b.symmetricEigenvalues, name === 'native' ? 'function' : 'undefined', name);
      if (!b.symmetricEigenvalues) {
        assert.equal(useBackendEigenvalues(b), false, name);
        continue;
      }
      const got = b.symmetricEigenvalues(a, n)!;
      assert.equal(got.length, n);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-12, `${name} eigenvalue ${i}: ${got[i]} vs ${want[i]}`);
      // Installed for the diagnostics: the backend's solver (bit for bit) rather than the JavaScript one.
      assert.equal(useBackendEigenvalues(b), true, name);
      assert.deepEqual([...symmetricEigenvalues(a, n)], [...got], name);
      useSymmetricEigenvalues(null);
    }
  } finally {
    useSymmetricEigenvalues(previous);
  }
});

test('methods, probes and the learner see only the Backend interface, never a concrete backend', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const src = fileURLToPath(new URL('../../src', import.meta.url));
  const offenders: string[] = [];
  for (const dir of ['diagnostics', 'methods', 'learn']) {
    for (const f of readdirSync(join(src, dir), { recursive: true, encoding: 'utf8' })) {
      if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
      const text = readFileSync(join(src, dir, f), 'utf8');
      if (/from '[./]*backend\/(native|wasm)\//.test(text)) offenders.push(`${dir}/${f}`);
    }
  }
  assert.deepEqual(offenders, [], 'files importing a concrete backend (use an optional Backend capability instead)');
});
