import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableBackends, getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { eigenvaluesOnly, jsSymmetricEigenvalues, singularValues, useSymmetricEigenvalues } from './singularValues.js';
import { approxRankOf, effectiveRankOf, stableRankOf } from './spectrum.js';

const backends = availableBackends().filter((b) => b !== 'ts64');

/** A random orthogonal n x n matrix (Gram-Schmidt on Gaussian columns), float64, row-major. */
function orthogonal(n: number, rng: Rng): Float64Array {
  const q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.normal();
    for (let k = 0; k < j; k++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += v[i]! * q[i * n + k]!;
      for (let i = 0; i < n; i++) v[i]! -= d * q[i * n + k]!;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q[i * n + j] = v[i]! / norm;
  }
  return q;
}

/** a = U[:, :k] diag(s) V[:, :k]^T for random orthogonal U (rows x rows) and V (cols x cols). */
function withSingularValues(rows: number, cols: number, s: readonly number[], rng: Rng): Float64Array {
  const u = orthogonal(rows, rng), v = orthogonal(cols, rng);
  const a = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let x = 0;
      for (let k = 0; k < s.length; k++) x += u[i * rows + k]! * s[k]! * v[j * cols + k]!;
      a[i * cols + j] = x;
    }
  return a;
}

function close(actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: count`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol * Math.max(1, Math.abs(expected[0]!)), `${what}: sigma_${i} = ${actual[i]} but expected ${expected[i]}`);
  }
}

for (const name of backends) {
  const b = getBackend(name);
  const load = (v: ArrayLike<number>) => {
    const a = b.alloc(v.length);
    for (let i = 0; i < v.length; i++) a[i] = v[i]!;
    return a;
  };

  test(`${name}: singular values of a diagonal matrix are its |diagonal|, sorted`, () => {
    const d = [3, -7, 0.5, 2];
    const a = new Float64Array(6 * 4);
    d.forEach((v, i) => (a[i * 4 + i] = v));
    close(singularValues(b, load(a), 6, 4), [7, 3, 2, 0.5], 1e-6, 'diag tall');
    // The same matrix transposed (wide: the Gram of rows is used).
    const t = new Float64Array(4 * 6);
    d.forEach((v, i) => (t[i * 6 + i] = v));
    close(singularValues(b, load(t), 4, 6), [7, 3, 2, 0.5], 1e-6, 'diag wide');
  });

  test(`${name}: orthogonal times diagonal keeps the diagonal's singular values`, () => {
    const rng = Rng.seeded(11);
    const s = [10, 5, 2, 1, 0.25, 0.1];
    close(singularValues(b, load(withSingularValues(40, 6, s, rng)), 40, 6), s, 2e-6, 'tall');
    close(singularValues(b, load(withSingularValues(6, 40, s, rng)), 6, 40), s, 2e-6, 'wide');
    const sq = [4, 3, 2, 1, 0.5];
    close(singularValues(b, load(withSingularValues(5, 5, sq, rng)), 5, 5), sq, 2e-6, 'square');
  });

  test(`${name}: a rank-deficient matrix has exact zeros beyond its rank`, () => {
    const rng = Rng.seeded(12);
    const sv = singularValues(b, load(withSingularValues(50, 8, [6, 3, 1], rng)), 50, 8);
    close(sv.subarray(0, 3), [6, 3, 1], 2e-6, 'rank 3');
    assert.deepEqual([...sv.subarray(3)], [0, 0, 0, 0, 0]);
    // Duplicated columns: rank 1.
    const dup = new Float64Array(30 * 4);
    for (let i = 0; i < 30; i++) for (let j = 0; j < 4; j++) dup[i * 4 + j] = i + 1;
    const s2 = singularValues(b, load(dup), 30, 4);
    assert.ok(s2[0]! > 0);
    assert.deepEqual([...s2.subarray(1)], [0, 0, 0]);
    assert.deepEqual([...singularValues(b, b.alloc(12), 4, 3)], [0, 0, 0], 'zero matrix');
  });
}

test('rank measures of known spectra (the definitions in spectrum.ts)', () => {
  // Flat spectra: every measure gives the count.
  assert.ok(Math.abs(effectiveRankOf([2, 2, 2, 2, 0]) - 4) < 1e-12);
  assert.equal(stableRankOf([2, 2, 2, 2, 0], 0.01), 4);
  assert.equal(approxRankOf([2, 2, 2, 2, 0], 0.01), 4);
  // p = (0.5, 0.25, 0.25): H = 1.5 ln 2.
  assert.ok(Math.abs(effectiveRankOf([2, 1, 1]) - Math.exp(1.5 * Math.LN2)) < 1e-12);
  // sigma = (90, 9, 1): top-1 holds 0.9, top-2 0.99 of the sum; squares: 8100/8182 = 0.98998 < 0.99, top-2 holds 0.99988.
  assert.equal(stableRankOf([90, 9, 1], 0.01), 2);
  assert.equal(stableRankOf([90, 9, 1], 0.1), 1);
  assert.equal(approxRankOf([90, 9, 1], 0.01), 2);
  assert.equal(approxRankOf([90, 9, 1], 0.02), 1);
  assert.equal(stableRankOf([90, 9, 1], 0), 3);
  // Order does not matter; a zero spectrum has rank 0.
  assert.equal(stableRankOf([1, 9, 90], 0.01), 2);
  assert.equal(effectiveRankOf([0, 0, 0]), 0);
  assert.equal(stableRankOf([0, 0], 0.01), 0);
  assert.equal(approxRankOf([], 0.01), 0);
  assert.throws(() => stableRankOf([1], 1), /delta = 1 is not allowed/);
});

test('an injected eigensolver is used, and declining (null) falls back to ml-matrix', () => {
  const b = getBackend('ts');
  const a = b.alloc(3 * 2);
  a.set([1, 0, 0, 2, 0, 0]);
  let calls = 0;
  const prev = useSymmetricEigenvalues((g, n) => {
    calls++;
    return jsSymmetricEigenvalues(g, n).map((x) => x * 4); // a recognizable answer: sigma doubles
  });
  try {
    assert.deepEqual([...singularValues(b, a, 3, 2)], [4, 2]);
    assert.equal(calls, 1);
    useSymmetricEigenvalues(() => null);
    assert.deepEqual([...singularValues(b, a, 3, 2)], [2, 1]);
  } finally {
    useSymmetricEigenvalues(prev);
  }
});

test("eigenvaluesOnly gives ml-matrix's symmetric eigenvalues bit for bit (Gram matrices of ReLU features, random, rank-deficient, zero)", () => {
  const rng = Rng.seeded(11);
  const cases: { a: Float64Array; n: number }[] = [];
  for (const [rows, n] of [[50, 1], [40, 2], [300, 7], [2000, 100], [30, 64]] as const) {
    // Gram of ReLU features (the probes' matrices; 30 x 64: rank-deficient).
    const x = new Float64Array(rows * n);
    for (let i = 0; i < x.length; i++) x[i] = Math.fround(Math.max(0, rng.normal()));
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += x[r * n + i]! * x[r * n + j]!;
      g[i * n + j] = s;
    }
    cases.push({ a: g, n });
  }
  for (const n of [3, 17, 40]) {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    cases.push({ a, n });
  }
  cases.push({ a: new Float64Array(25), n: 5 });
  const diag = new Float64Array(16);
  diag[0] = 3;
  diag[10] = -1;
  cases.push({ a: diag, n: 4 });
  for (const { a, n } of cases) {
    const want = Float64Array.from(jsSymmetricEigenvalues(a, n)).sort();
    assert.deepEqual(eigenvaluesOnly(a, n), want, `n = ${n}`);
  }
});
