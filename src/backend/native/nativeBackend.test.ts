import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FloatArray } from '../../tensor/FloatArray.js';
import { Rng } from '../../tensor/Rng.js';
import { checkColSumsAbs, checkGemm, checkSingleLayers, checkVectorGemm } from '../../../test/helpers/vectorGemmCheck.js';
import { createTsBackend } from '../ts/tsBackend.js';
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
} from './nativeBackend.js';

const skip = nativeAvailable() ? false : `the native addon is not available (${nativeUnavailableReason()})`;
if (skip) console.log(`native backend tests skipped: ${skip}`);

const ts = createTsBackend(32);

const shapes: [number, number, number][] = [
  [1, 1, 1], [1, 7, 5], [7, 1, 5], [5, 7, 1], [1, 1, 9], [3, 5, 7], [17, 33, 9], [16, 16, 16], [20, 20, 21],
  [64, 64, 64], [1, 300, 257], [257, 1, 300], [1, 256, 1], [300, 200, 1], [400, 200, 1], [1, 256, 256],
  [130, 97, 211], [255, 3, 129], [2, 301, 2],
];
const isVector = ([m, n, k]: [number, number, number]) => m === 1 || n === 1 || k === 1;
const scalars: [number, number][] = [[1, 0], [0.5, -1.5], [-2, 1], [1, 1]];

describe('native backend', { skip }, () => {
  test('name, description and info', () => {
    const be = createNativeBackend();
    assert.equal(be.name, 'native');
    assert.match(be.description, /OpenBLAS|Accelerate|BLAS/);
    const info = nativeInfo()!;
    assert.ok(info.library.length > 0 && info.config.length > 0);
    assert.ok(info.threads >= 0);
  });

  test('gemm matches the reference: all transposes, alpha/beta, shapes across the threshold', () => {
    const rng = Rng.seeded(1);
    // The default threshold routes the small shapes to wasm and the rest to BLAS; 0 sends everything to BLAS.
    const routes = [createNativeBackend(), createNativeBackend({ gemmThreshold: 0, vectorThreshold: 0 })];
    for (const [vector, min] of [[false, DEFAULT_GEMM_THRESHOLD], [true, DEFAULT_VECTOR_THRESHOLD]] as const) {
      const sizes = shapes.filter((s) => isVector(s) === vector).map(([m, n, k]) => m * n * k);
      assert.ok(sizes.some((x) => x < min) && sizes.some((x) => x >= min), 'shapes on both sides of the thresholds');
    }
    for (const be of routes)
      for (const [m, n, k] of shapes)
        for (const tA of [false, true])
          for (const tB of [false, true])
            for (const [alpha, beta] of scalars) checkGemm(be, rng, tA, tB, m, n, k, alpha, beta);
  });

  test('the batch-1 kernels of every instruction set match the reference, zero rows and blocks included', () => {
    const info = nativeInfo()!;
    assert.match(info.vectorKernels, /^(AVX-512|AVX2|baseline)$/);
    const all = { gemmThreshold: 0, vectorThreshold: 0, layerThreshold: 0 };
    // With one BLAS thread every size runs the addon's own kernels; with two, the largest go back to the BLAS.
    const before = info.threads;
    try {
      for (const threads of [1, 2]) {
        setNativeThreads(threads);
        assert.ok(checkVectorGemm(createNativeBackend(all)) > 0);
        assert.ok(checkSingleLayers(createNativeBackend(all)) > 0);
        assert.ok(checkColSumsAbs(createNativeBackend(all)) > 0);
      }
    } finally {
      if (before > 0) setNativeThreads(before);
    }
    // SUPPLE_NATIVE_ISA caps the instruction set the addon picks when it loads: each variant runs in a child.
    const helper = new URL('../../../test/helpers/vectorGemmCheck.js', import.meta.url).href;
    const native = new URL('./nativeBackend.js', import.meta.url).href;
    const levels = ['AVX-512', 'AVX2', 'baseline'];
    for (const isa of ['avx2', 'baseline']) {
      const script = `
        const { checkColSumsAbs, checkSingleLayers, checkVectorGemm } = await import(${JSON.stringify(helper)});
        const n = await import(${JSON.stringify(native)});
        const be = n.createNativeBackend({ gemmThreshold: 0, vectorThreshold: 0, layerThreshold: 0 });
        const checked = checkVectorGemm(be, 2) + checkSingleLayers(be, 2) + checkColSumsAbs(be, 2);
        console.log(JSON.stringify({ kernels: n.nativeInfo().vectorKernels, checked }));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, SUPPLE_NATIVE_ISA: isa }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { kernels: string; checked: number };
      // Never above the cap, and never above what this CPU has.
      assert.ok(levels.indexOf(out.kernels) >= Math.max(levels.indexOf(isa === 'avx2' ? 'AVX2' : 'baseline'), levels.indexOf(info.vectorKernels)), `${isa}: ${out.kernels}`);
      assert.ok(out.checked > 0);
    }
  });

  test('gemm with 1 and 2 BLAS threads gives the same result', () => {
    const be = createNativeBackend({ gemmThreshold: 0, vectorThreshold: 0 });
    const rng = Rng.seeded(2);
    const before = nativeInfo()!.threads;
    try {
      for (const threads of [1, 2]) {
        const got = setNativeThreads(threads);
        if (nativeInfo()!.library === 'OpenBLAS') assert.equal(got, threads);
        checkGemm(be, rng, false, true, 96, 200, 150, 1, 0);
        checkGemm(be, rng, true, false, 200, 150, 96, 0.5, 1);
        // past the size from which the addon lets OpenBLAS use its threads (2^22 multiply-adds)
        checkGemm(be, rng, false, false, 256, 160, 128, 1, 0);
        checkGemm(be, rng, true, true, 160, 256, 128, 0.5, 1);
      }
    } finally {
      if (before > 0) setNativeThreads(before);
    }
  });

  test("the addon's own AVX-512 products (NN and TN by column blocks, thin NT reductions) match the reference, with one thread's bits on two", () => {
    const be = createNativeBackend({ gemmThreshold: 0, vectorThreshold: 0 });
    const rng = Rng.seeded(3);
    // [transA, transB, m, n, k], each past 2^22 multiply-adds. NN and TN with beta = 0, from 8 rows and 256 columns,
    // at most 640 deep (column_blocks): tails of the 8-row tiles, of the 256-row panels and of the 32-column blocks on
    // both threads' halves. NT with C of at most 32 x 128 and a reduction past 32 (m + n) (thin_product_lanes): tails
    // of the 16-wide blocks, of the 4-row and 6-column tiles, and of the 1024-value chunks. Then shapes just outside
    // both routes (OpenBLAS, whose bits may differ between thread counts: only the reference). checkGemm's other
    // scalars (beta != 0) take OpenBLAS for the first group too.
    const outside = 5;
    const own: [boolean, boolean, number, number, number][] = [
      [false, false, 37, 301, 523], [true, false, 37, 301, 523], [false, false, 9, 1000, 640], [true, false, 300, 2049, 17],
      [false, false, 130, 257, 129], [true, false, 64, 1040, 96],
      [false, true, 32, 75, 4099], [false, true, 5, 7, 120007], [false, true, 2, 2, 2 ** 20 + 5], [false, true, 17, 27, 10001],
      [false, true, 32, 128, 5125],
      [false, true, 33, 20, 8000], [false, false, 7, 2000, 400], [true, false, 300, 255, 60], [false, false, 9, 1000, 641], [true, false, 8, 600, 1300],
    ];
    const before = nativeInfo()!.threads;
    try {
      for (const [s, [tA, tB, m, n, k]] of own.entries()) {
        for (const [alpha, beta] of scalars) checkGemm(be, rng, tA, tB, m, n, k, alpha, beta);
        // Without AVX-512 these shapes go to OpenBLAS too (the NT ones to its fixed halves, the others as they come).
        if (s >= own.length - outside || nativeInfo()!.vectorKernels !== 'AVX-512') continue;
        const a = be.alloc(m * k), b = be.alloc(n * k);
        rng.fillUniform(a, -1, 1);
        rng.fillUniform(b, -1, 1);
        const results = [1, 2].map((threads) => {
          setNativeThreads(threads);
          const c = new Float32Array(m * n).fill(NaN);
          be.gemm(tA, tB, m, n, k, 1, a, b, 0, c);
          return c;
        });
        assert.deepEqual(results[1], results[0], `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${m}x${n}x${k}: two threads' bits`);
        be.free(a);
        be.free(b);
      }
    } finally {
      if (before > 0) setNativeThreads(before);
    }
  });

  test("one example's dense layers split between two threads give one thread's bits: forward, backward, whole step", (t) => {
    const addon = nativeAddon()!;
    const before = nativeInfo()!.threads;
    if (setNativeThreads(2) !== 2) {
      t.skip(`the BLAS runs ${nativeInfo()!.threads} thread(s) here, and the split needs 2`);
      return;
    }
    const be = createNativeBackend();
    const rng = Rng.seeded(5);
    // Runs `step` on copies of `arrays` with every layer split (from 1 weight) and with none, and compares every array.
    const same = (what: string, arrays: Float32Array[], step: (a: FloatArray[]) => unknown) => {
      const results = [1, 2 ** 52].map((from) => {
        const copies = arrays.map((a) => {
          const c = be.alloc(a.length);
          c.set(a);
          return c;
        });
        const previous = addon.setLayerSplitFrom(from);
        try {
          return { loss: step(copies), copies };
        } finally {
          addon.setLayerSplitFrom(previous);
        }
      });
      const [split, whole] = results;
      assert.ok(Object.is(split!.loss, whole!.loss), `${what}: loss ${split!.loss} against ${whole!.loss}`);
      split!.copies.forEach((c, k) => c.forEach((v, i) => {
        if (!Object.is(v, whole!.copies[k]![i])) assert.fail(`${what}: array ${k}[${i}] = ${v} split, ${whole!.copies[k]![i]} whole`);
      }));
    };
    const filled = (n: number, zeros = false) => {
      const a = new Float32Array(n);
      rng.fillUniform(a, -1, 1);
      if (zeros) for (let i = 0; i < n; i += 3) a[i] = 0;
      return a;
    };
    try {
      // Rows and columns off the split's multiples (4 and 16); 17480 x 15 leaves the first thread no column.
      for (const [out, inp] of [[301, 877], [17480, 15], [37, 64], [5, 3]] as const) {
        same(`linearForward ${out}x${inp}`, [filled(inp, true), filled(out * inp), filled(out), filled(out)], ([x, w, b, y]) =>
          be.linearForward(1, out, inp, x!, w!, b!, y!));
        for (const [alpha, beta, target] of [[-0.01, 1, 'fused'], [0.5, -1.5, 'buffer'], [0.5, 1, 'buffer'], [0, 0, 'none']] as const)
          for (const withDx of [true, false])
            same(`linearBackward ${out}x${inp} ${target} beta=${beta} dx=${withDx}`, [filled(out, true), filled(inp, true), filled(out * inp), filled(inp), filled(out * inp), filled(out)], ([dy, x, w, dx, buf, bb]) =>
              be.linearBackward(1, out, inp, dy!, x!, w!, withDx ? dx! : null, alpha, beta, target === 'fused' ? w! : target === 'buffer' ? buf! : null, -0.01, 0.5, bb!));
      }
      // The whole step, plain SGD and with weight decay, undeferred and deferred (a pending update applied first).
      for (const sizes of [[784, 337, 10], [33, 17, 1, 20, 4]])
        for (const decay of [0, 0.01]) {
          const layers = sizes.length - 1, widest = Math.max(...sizes.slice(1, -1));
          const coefs = new Float64Array(4 * layers);
          for (let l = 0; l < layers; l++) coefs.set([-0.05, 1 - 0.05 * decay, -0.05, 1 - 0.05 * decay], 4 * l);
          const arrays = [filled(sizes[0]!, true), Float32Array.of(rng.int(sizes[layers]!)), filled(sizes[layers]!), filled(2 * widest), filled(sizes[0]! + sizes[1]!, true)];
          for (let l = 0; l < layers; l++) {
            const w = filled(sizes[l + 1]! * sizes[l]!).map((v) => v / Math.sqrt(sizes[l]!));
            arrays.push(w, filled(sizes[l + 1]!), filled(sizes[l + 1]!), filled(sizes[l + 1]!));
          }
          const lists = (a: FloatArray[]) => {
            const at = (l: number, k: number) => a[5 + 4 * l + k]!;
            return {
              ws: Array.from({ length: layers }, (_, l) => at(l, 0)),
              bs: Array.from({ length: layers }, (_, l) => at(l, 1)),
              pre: Array.from({ length: layers }, (_, l) => at(l, 2)),
              post: Array.from({ length: layers - 1 }, (_, l) => at(l, 3)),
            };
          };
          same(`denseReluStep ${sizes.join('-')} decay=${decay}`, arrays, (a) => {
            const { ws, bs, pre, post } = lists(a);
            return be.denseReluStep(sizes, a[0]!, a[1]!, ws, bs, pre, post, coefs, a[2]!, a[3]!);
          });
          same(`denseReluStepDeferred ${sizes.join('-')} decay=${decay}`, arrays, (a) => {
            const { ws, bs, pre, post } = lists(a);
            return be.denseReluStepDeferred(sizes, a[0]!, a[1]!, ws, bs, pre, post, coefs, a[2]!, a[3]!, a[4]!, -0.05, 1 - 0.05 * decay, true);
          });
        }
    } finally {
      if (before > 0) setNativeThreads(before);
    }
  });

  test('gemm works on arrays allocated after the shared memory grew', () => {
    const be = createNativeBackend({ gemmThreshold: 0, vectorThreshold: 0 });
    const rng = Rng.seeded(3);
    const before = be.memory.memory.buffer.byteLength;
    const big = be.alloc((before - be.memory.used) / 4 + 1024); // one past the end: forces memory.grow
    assert.ok(be.memory.memory.buffer.byteLength > before);
    checkGemm(be, rng, false, false, 33, 17, 9, 1, 0);
    checkGemm(be, rng, true, true, 40, 50, 60, 1, 1);
    be.free(big);
  });

  test('single-example layers read the registered memory after it grew, and reject offsets outside it', () => {
    const be = createNativeBackend({ layerThreshold: 0 });
    const before = be.memory.memory.buffer.byteLength;
    const big = be.alloc((before - be.memory.used) / 4 + 1024); // forces memory.grow
    assert.ok(be.memory.memory.buffer.byteLength > before);
    assert.ok(checkSingleLayers(be, 3) > 0, 'arrays allocated after the growth');
    be.free(big);
    const addon = nativeAddon()!;
    const id = addon.registerMemory(new Float32Array(64), -1);
    assert.throws(() => addon.linearForward1(id, 4, 4, 0, 64, -1, 244), /linearForward1: y at byte 244 with 4 values is outside the registered memory \(256 bytes\)/);
    assert.throws(() => addon.linearForward1(id, 4, 4, 2, 64, -1, 128), /linearForward1: x at byte 2 .* is outside/);
    assert.throws(() => addon.linearForward1(id, 4, 4, 0, 64, -1, -1), /linearForward1: y at byte -1/);
    assert.throws(() => addon.linearBackward1(id, 2, 2, 0, 16, 32, 36, 1, 1, 32, 1, 1, -1), /linearBackward1: dx overlaps the weights/);
    assert.throws(() => addon.linearForward1(1e6, 4, 4, 0, 64, -1, 128), /linearForward1: not a registered memory/);
    assert.throws(() => addon.linearForward1(id, 0, 4, 0, 64, -1, 128), /linearForward1: out = 0 must be an integer/);
    assert.throws(() => addon.linearBackward1(id, 2, 2, 0, 16, 32, -1, 'a' as unknown as number, 1, 32, 1, 1, -1), /linearBackward1: alpha must be a number/);
  });

  test('gram matches the reference', () => {
    const rng = Rng.seeded(4);
    const be = createNativeBackend({ gemmThreshold: 0, vectorThreshold: 0 });
    for (const [rows, cols] of [[1, 1], [5, 3], [3, 5], [100, 37], [300, 64]] as const) {
      const a = be.alloc(rows * cols);
      rng.fillUniform(a, -1, 1);
      const want = new Float64Array(cols * cols), got = new Float64Array(cols * cols).fill(NaN);
      ts.gram(a, rows, cols, want);
      be.gram(a, rows, cols, got);
      for (let i = 0; i < cols * cols; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-12 * rows, `gram ${rows}x${cols}[${i}]: ${got[i]} vs ${want[i]}`);
      be.free(a);
    }
  });

  test('eigenvalues of a diagonal matrix, ascending', () => {
    const d = [3, -1, 0, 2.5, 1e-3, -7];
    const n = d.length;
    const a = new Float64Array(n * n);
    d.forEach((v, i) => (a[i * n + i] = v));
    const copy = Float64Array.from(a);
    const w = symmetricEigenvalues(a, n)!;
    assert.deepEqual([...w], [...d].sort((x, y) => x - y));
    assert.deepEqual(a, copy, 'the input is not modified');
  });

  test('eigenvalues of Q D Q^T with a random orthogonal Q', () => {
    const rng = Rng.seeded(5);
    const n = 40;
    const q = randomOrthogonal(rng, n);
    const d = Array.from({ length: n }, (_, i) => (i - 10) * 0.75 + rng.uniform(0, 0.1));
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < n; p++) s += q[i * n + p]! * d[p]! * q[j * n + p]!;
        a[i * n + j] = s;
      }
    const w = symmetricEigenvalues(a, n)!;
    const want = [...d].sort((x, y) => x - y);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(w[i]! - want[i]!) < 1e-10, `eigenvalue ${i}: ${w[i]} vs ${want[i]}`);
  });

  test('eigenvalues of a rank-deficient Gram matrix, and singular values agree', () => {
    const rng = Rng.seeded(6);
    const n = 30, r = 7;
    const x = new Float64Array(r * n);
    rng.fillNormal(x, 0, 1);
    // g = x^T x [n, n] has rank r.
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < r; p++) s += x[p * n + i]! * x[p * n + j]!;
        g[i * n + j] = s;
      }
    const w = symmetricEigenvalues(g, n)!;
    for (let i = 1; i < n; i++) assert.ok(w[i]! >= w[i - 1]!, 'ascending');
    const top = w[n - 1]!;
    for (let i = 0; i < n - r; i++) assert.ok(Math.abs(w[i]!) < 1e-12 * top, `eigenvalue ${i} = ${w[i]} should be 0`);
    assert.ok(w[n - r]! > 1e-3 * top, 'the rank is r');
    // The singular values of x are the square roots of the nonzero eigenvalues, descending.
    for (const arr of [x, Float32Array.from(x)]) {
      const s = singularValues(arr, r, n)!;
      assert.equal(s.length, r);
      const tol = arr instanceof Float64Array ? 1e-10 : 1e-4;
      for (let i = 0; i < r; i++) assert.ok(Math.abs(s[i]! - Math.sqrt(w[n - 1 - i]!)) < tol * s[0]!, `singular value ${i}: ${s[i]} vs ${Math.sqrt(w[n - 1 - i]!)}`);
    }
  });

  test('singular values of a known matrix, both orientations', () => {
    // [[3, 0], [0, -4], [0, 0]] has singular values 4, 3.
    const a = new Float64Array([3, 0, 0, -4, 0, 0]);
    assert.deepEqual([...singularValues(a, 3, 2)!], [4, 3]);
    assert.deepEqual([...singularValues(new Float32Array([3, 0, 0, 0, -4, 0]), 2, 3)!], [4, 3]);
    assert.deepEqual([...a], [3, 0, 0, -4, 0, 0], 'the input is not modified');
  });

  test('bad input throws clear errors and never crashes', () => {
    const addon = nativeAddon()!;
    const f = (n: number) => new Float32Array(n);
    const cases: [() => unknown, RegExp][] = [
      [() => (addon.sgemm as (...a: unknown[]) => void)(), /sgemm: expected 10 arguments, got 0/],
      [() => addon.sgemm(0 as unknown as boolean, false, 1, 1, 1, 1, f(1), f(1), 0, f(1)), /sgemm: transA must be a boolean/],
      [() => addon.sgemm(false, false, 2.5, 1, 1, 1, f(4), f(4), 0, f(4)), /sgemm: m = 2.5 must be an integer/],
      [() => addon.sgemm(false, false, 1, -3, 1, 1, f(4), f(4), 0, f(4)), /sgemm: n = -3 must be an integer/],
      [() => addon.sgemm(false, false, 1, 1, 2 ** 40, 1, f(4), f(4), 0, f(4)), /sgemm: k = .* must be an integer in \[1, 2\^31 - 1\]/],
      [() => addon.sgemm(false, false, 1, 1, 1, '1' as unknown as number, f(1), f(1), 0, f(1)), /sgemm: alpha must be a number/],
      [() => addon.sgemm(false, false, 2, 2, 2, 1, f(3), f(4), 0, f(4)), /sgemm: A holds 3 values but 4 are needed/],
      [() => addon.sgemm(false, false, 2, 2, 2, 1, f(4), f(4), 0, f(3)), /sgemm: C holds 3 values but 4 are needed/],
      [() => addon.sgemm(false, false, 1, 1, 1, 1, new Float64Array(1) as unknown as Float32Array, f(1), 0, f(1)), /sgemm: A must be a Float32Array, got Float64Array/],
      [() => addon.sgemm(false, false, 1, 1, 1, 1, [1] as unknown as Float32Array, f(1), 0, f(1)), /sgemm: A must be a Float32Array/],
      [() => { const x = f(8); addon.sgemm(false, false, 2, 2, 2, 1, x, f(4), 0, x.subarray(2)); }, /sgemm: C overlaps A/],
      [() => addon.gram(f(6), 2, 3, new Float64Array(8)), /gram: out holds 8 values but 9 are needed/],
      [() => addon.dsyevd(new Float64Array(3), 2), /dsyevd: a holds 3 values but 4 are needed/],
      [() => addon.dsyevd(new Float64Array([1, NaN, NaN, 1]), 2), /dsyevd: a contains NaN or infinite values/],
      [() => addon.dsyevd(new Float64Array(1), 0), /dsyevd: n = 0 must be an integer/],
      [() => addon.dsyevd(new Float64Array(4), 50000), /dsyevd: n = 50000 is too large/],
      [() => addon.dsyevd(f(4) as unknown as Float64Array, 2), /dsyevd: a must be a Float64Array, got Float32Array/],
      [() => addon.gesdd([1, 2] as unknown as Float32Array, 1, 2), /gesdd: a must be a Float32Array or Float64Array/],
      [() => addon.gesdd(new Int32Array(2) as unknown as Float32Array, 1, 2), /gesdd: a must be a Float32Array or Float64Array/],
      [() => addon.gesdd(f(2), 2, 2 ** 30), /gesdd: m \* n = .* is too large/],
      [() => addon.gesdd(new Float64Array([1, Infinity]), 1, 2), /gesdd: a contains NaN or infinite values/],
      [() => addon.setThreads(0), /setThreads: n = 0 must be an integer/],
      [() => addon.setLayerSplitFrom(0.5), /setLayerSplitFrom: weights = 0.5 must be an integer >= 1/],
      [() => addon.setLayerSplitFrom(Number.NaN), /setLayerSplitFrom: weights = nan must be an integer >= 1/],
    ];
    for (const [run, message] of cases) assert.throws(run, message);
    // Through the backend, the shared checks speak first.
    const be = createNativeBackend({ gemmThreshold: 0, vectorThreshold: 0 });
    assert.throws(() => be.gemm(false, false, 2, 2, 2, 1, be.alloc(3), be.alloc(4), 0, be.alloc(4)), /gemm: A holds 3 values but op\(A\) is \[2, 2\]/);
    assert.throws(() => be.gemm(false, false, 0, 2, 2, 1, be.alloc(4), be.alloc(4), 0, be.alloc(4)), /gemm: m = 0/);
  });
});

// The addon is loaded with OPENBLAS_THREAD_TIMEOUT set (OpenBLAS reads it as it loads; see load()), and the variable
// is then unset again: child processes, such as the bench's PyTorch runs, get the environment they were given. A
// value the user set stays.
test('loading the addon leaves OPENBLAS_THREAD_TIMEOUT as it was', { skip }, () => {
  const nativeUrl = new URL('./nativeBackend.js', import.meta.url).href;
  const script = `
    const n = await import(${JSON.stringify(nativeUrl)});
    const before = process.env.OPENBLAS_THREAD_TIMEOUT ?? null;
    const loaded = n.nativeAvailable();
    console.log(JSON.stringify({ loaded, before, after: process.env.OPENBLAS_THREAD_TIMEOUT ?? null }));`;
  for (const given of [undefined, '20']) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.OPENBLAS_THREAD_TIMEOUT;
    if (given !== undefined) env.OPENBLAS_THREAD_TIMEOUT = given;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { loaded: true, before: given ?? null, after: given ?? null });
  }
});

test('without the addon, native is unavailable and auto picks another backend', () => {
  // SUPPLE_NATIVE=0 makes the loader behave as if the addon were missing.
  const selectUrl = new URL('../selectBackend.js', import.meta.url).href;
  const nativeUrl = new URL('./nativeBackend.js', import.meta.url).href;
  const script = `
    const { availableBackends, getBackend } = await import(${JSON.stringify(selectUrl)});
    const n = await import(${JSON.stringify(nativeUrl)});
    let threw = '';
    try { getBackend('native'); } catch (e) { threw = e.message; }
    console.log(JSON.stringify({ available: n.nativeAvailable(), list: availableBackends(), auto: getBackend('auto').name,
      eig: n.symmetricEigenvalues(new Float64Array([1]), 1), sv: n.singularValues(new Float32Array([1]), 1, 1), threw }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, SUPPLE_NATIVE: '0', SUPPLE_BACKEND: '' },
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('.', import.meta.url)),
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.available, false);
  assert.ok(!out.list.includes('native'));
  assert.notEqual(out.auto, 'native');
  assert.equal(out.eig, null);
  assert.equal(out.sv, null);
  assert.match(out.threw, /native backend: disabled by SUPPLE_NATIVE=0/);
});

/** A random orthogonal [n, n] matrix: modified Gram-Schmidt on Gaussian rows. */
function randomOrthogonal(rng: Rng, n: number): Float64Array {
  const q = new Float64Array(n * n);
  rng.fillNormal(q, 0, 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let d = 0;
      for (let p = 0; p < n; p++) d += q[i * n + p]! * q[j * n + p]!;
      for (let p = 0; p < n; p++) q[i * n + p]! -= d * q[j * n + p]!;
    }
    let s = 0;
    for (let p = 0; p < n; p++) s += q[i * n + p]! ** 2;
    s = Math.sqrt(s);
    for (let p = 0; p < n; p++) q[i * n + p]! /= s;
  }
  return q;
}
