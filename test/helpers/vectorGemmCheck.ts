import type { Backend } from '../../src/backend/Backend.js';
import { createTsBackend } from '../../src/backend/ts/tsBackend.js';
import type { FloatArray } from '../../src/tensor/FloatArray.js';
import { Rng } from '../../src/tensor/Rng.js';

/**
 * The batch-1 shapes of gemm (forward products, input gradients, rank-1 weight updates) on `be` against the
 * reference, with operands holding zero rows and all-zero blocks (what ReLU and image borders give, and what the
 * kernels skip), odd lengths for the vector tails, and alpha/beta including the fused-SGD beta = 1. Throws on the
 * first element outside a float32 bound that holds for any summation order.
 */
export function checkVectorGemm(be: Backend, seed = 1): number {
  const rng = Rng.seeded(seed);
  const shapes: [number, number, number][] = [
    [1, 100, 784], [1, 37, 53], [1, 5, 17], [1, 3, 1], [100, 1, 784], [13, 1, 29], [100, 784, 1], [7, 45, 1], [5, 33, 1], [1, 1, 16],
    // past the native addon's switch back to the threaded BLAS (2^18 weights)
    [1, 520, 512], [520, 512, 1],
  ];
  let checked = 0;
  for (const [m, n, k] of shapes)
    for (const tA of [false, true])
      for (const tB of [false, true])
        for (const [alpha, beta] of [[1, 0], [-0.01, 1], [0.5, -1.5]] as const) {
          checkGemm(be, rng, tA, tB, m, n, k, alpha, beta, true);
          checked++;
        }
  return checked;
}

/**
 * C = alpha op(A) op(B) + beta C on `be` against the reference, with a float32 error bound per element that holds
 * for any summation order: |error| <= (k + 2) eps (|alpha| |op(A)| |op(B)| + |beta| |C0|). beta = 0 must ignore a
 * NaN C. `sparse` draws operands with zeros (see `sparse`). Throws on the first element outside the bound.
 */
export function checkGemm(be: Backend, rng: Rng, tA: boolean, tB: boolean, m: number, n: number, k: number, alpha: number, beta: number, sparseOperands = false): void {
  const ts = createTsBackend(32);
  const a = be.alloc(m * k), b = be.alloc(k * n), c = be.alloc(m * n);
  if (sparseOperands) {
    sparse(rng, a);
    sparse(rng, b);
  } else {
    rng.fillUniform(a, -1, 1);
    rng.fillUniform(b, -1, 1);
  }
  rng.fillUniform(c, -1, 1);
  if (beta === 0) c.fill(NaN);
  const ref = Float32Array.from(c);
  ts.gemm(tA, tB, m, n, k, alpha, a, b, beta, ref);
  const bound = new Float32Array(m * n);
  if (beta !== 0) for (let i = 0; i < m * n; i++) bound[i] = Math.abs(c[i]!);
  ts.gemm(tA, tB, m, n, k, Math.abs(alpha), a.map(Math.abs), b.map(Math.abs), Math.abs(beta), bound);
  be.gemm(tA, tB, m, n, k, alpha, a, b, beta, c);
  const eps = 1.2e-7 * (k + 2);
  for (let i = 0; i < m * n; i++) {
    if (!(Math.abs(c[i]! - ref[i]!) <= eps * bound[i]! + 1e-30)) {
      throw new Error(`gemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${m}x${n}x${k} alpha=${alpha} beta=${beta}: C[${i}] = ${c[i]}, reference ${ref[i]} (bound ${eps * bound[i]!})`);
    }
  }
  be.free(a);
  be.free(b);
  be.free(c);
}

/** Uniform values with a third of them zero, and a zero block of 16 or more at a random place when long enough. */
function sparse(rng: Rng, a: FloatArray): void {
  rng.fillUniform(a, -1, 1);
  for (let i = 0; i < a.length; i++) if (rng.uniform(0, 1) < 1 / 3) a[i] = 0;
  if (a.length >= 40) {
    const at = Math.floor(rng.uniform(0, a.length - 40));
    a.fill(0, at, at + 16 + Math.floor(rng.uniform(0, 24)));
  }
}

/**
 * One example through dense layers (linearForward, linearBackward) on `be` against the reference: sparse inputs
 * and gradients, dx on and off, the weight gradient into W (fused SGD), into a buffer or nowhere. Returns the
 * number of cases; throws on the first value outside a float32 bound for any summation order.
 */
export function checkSingleLayers(be: Backend, seed = 1): number {
  const ts = createTsBackend(32);
  const rng = Rng.seeded(seed);
  let checked = 0;
  const close = (what: string, got: FloatArray, want: FloatArray, bound: FloatArray, k: number) => {
    for (let i = 0; i < want.length; i++)
      if (!(Math.abs(got[i]! - want[i]!) <= 1.2e-7 * (k + 2) * bound[i]! + 1e-30)) throw new Error(`${what}[${i}] = ${got[i]}, reference ${want[i]}`);
  };
  for (const [out, inp] of [[100, 784], [100, 100], [33, 47], [5, 3], [16, 16], [520, 512]] as const) {
    const x = be.alloc(inp), w = be.alloc(out * inp), bias = be.alloc(out), y = be.alloc(out), dy = be.alloc(out), dx = be.alloc(inp), buf = be.alloc(out * inp), bb = be.alloc(out);
    sparse(rng, x);
    rng.fillUniform(w, -1, 1);
    rng.fillUniform(bias, -1, 1);
    for (const withBias of [true, false]) {
      y.fill(NaN);
      be.linearForward(1, out, inp, x, w, withBias ? bias : null, y);
      const want = new Float32Array(out), bound = new Float32Array(out);
      ts.linearForward(1, out, inp, x, w, withBias ? bias : null, want);
      ts.linearForward(1, out, inp, x.map(Math.abs), w.map(Math.abs), withBias ? bias.map(Math.abs) : null, bound);
      close(`linearForward ${out}x${inp} bias=${withBias}: y`, y, want, bound, inp);
      checked++;
    }
    for (const target of ['fused', 'buffer', 'none'] as const)
      for (const withDx of [true, false]) {
        sparse(rng, dy);
        rng.fillUniform(buf, -1, 1);
        rng.fillUniform(bb, -1, 1);
        const [alpha, beta] = target === 'fused' ? [-0.01, 1] : [0.5, -1.5];
        const state = [Float32Array.from(w), Float32Array.from(buf), Float32Array.from(bb)];
        const run = (b: Backend, ww: FloatArray, bufw: FloatArray, bbw: FloatArray, dxw: FloatArray) =>
          b.linearBackward(1, out, inp, dy, x, ww, withDx ? dxw : null, alpha, beta, target === 'fused' ? ww : target === 'buffer' ? bufw : null, -0.01, 1, bbw);
        const ref = state.map((a) => Float32Array.from(a));
        const refDx = new Float32Array(inp);
        run(ts, ref[0]!, ref[1]!, ref[2]!, refDx);
        dx.fill(NaN);
        run(be, w, buf, bb, dx);
        // Bounds from magnitudes: |dx| <= sum |dy| |W|, |update| <= |alpha| |dy| |x| + |beta| |old|.
        const dxBound = new Float32Array(inp);
        ts.gemm(false, false, 1, inp, out, 1, dy.map(Math.abs), state[0]!.map(Math.abs), 0, dxBound);
        const wBound = (old: FloatArray) => {
          const b = old.map(Math.abs);
          ts.gemm(true, false, out, inp, 1, Math.abs(alpha), dy.map(Math.abs), x.map(Math.abs), Math.abs(beta), b);
          return b;
        };
        const what = `linearBackward ${out}x${inp} ${target} dx=${withDx}`;
        if (withDx) close(`${what}: dx`, dx, refDx, dxBound, out);
        close(`${what}: w`, w, ref[0]!, target === 'fused' ? wBound(state[0]!) : state[0]!.map(Math.abs), 1);
        close(`${what}: buffer`, buf, ref[1]!, target === 'buffer' ? wBound(state[1]!) : state[1]!.map(Math.abs), 1);
        close(`${what}: bias`, bb, ref[2]!, state[2]!.map((v, i) => Math.abs(v) + 0.01 * Math.abs(dy[i]!)), 1);
        checked++;
      }
    for (const a of [x, w, bias, y, dy, dx, buf, bb]) be.free(a);
  }
  return checked;
}

/** Column sums of |a| on `be` against the reference (float64 accumulation on both sides). */
export function checkColSumsAbs(be: Backend, seed = 1): number {
  const ts = createTsBackend(32);
  const rng = Rng.seeded(seed);
  let checked = 0;
  for (const [rows, cols] of [[100, 100], [7, 33], [2, 1500]] as const) {
    const a = be.alloc(rows * cols), out = be.alloc(cols), want = new Float32Array(cols);
    sparse(rng, a);
    be.colSumsAbs(a, rows, cols, out);
    ts.colSumsAbs(a, rows, cols, want);
    for (let j = 0; j < cols; j++) if (!(Math.abs(out[j]! - want[j]!) <= 1e-6 * want[j]!)) throw new Error(`colSumsAbs ${rows}x${cols}: out[${j}] = ${out[j]}, reference ${want[j]}`);
    checked++;
    be.free(a);
    be.free(out);
  }
  return checked;
}
