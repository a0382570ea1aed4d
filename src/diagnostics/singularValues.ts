import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';

/**
 * The eigenvalues (any order) of a symmetric matrix a [n, n] (row-major float64), or null to decline (then the
 * JavaScript solver runs). Backend.symmetricEigenvalues (the native backend's LAPACK dsyevd) has this shape;
 * install it with `useBackendEigenvalues` or `useSymmetricEigenvalues`.
 */
export type SymmetricEigenvalues = (a: Float64Array, n: number) => Float64Array | null;

let injected: SymmetricEigenvalues | null = null;

/**
 * Use another symmetric eigensolver (e.g. a backend's `symmetricEigenvalues`) for every singular-value
 * computation of the diagnostics; null goes back to the JavaScript one (ml-matrix). Returns the previous one.
 */
export function useSymmetricEigenvalues(solver: SymmetricEigenvalues | null): SymmetricEigenvalues | null {
  const previous = injected;
  injected = solver;
  return previous;
}

/**
 * Use the backend's own eigensolver (`Backend.symmetricEigenvalues`, e.g. the native backend's LAPACK dsyevd) for the
 * diagnostics' singular values, when it has one; otherwise the solver in use stays. Returns whether it had one.
 */
export function useBackendEigenvalues(backend: Backend): boolean {
  const solver = backend.symmetricEigenvalues;
  if (!solver) return false;
  useSymmetricEigenvalues((a, n) => solver.call(backend, a, n));
  return true;
}

/** ml-matrix's symmetric eigen-decomposition (Householder tridiagonalization + QL, as EISPACK tred2/tql2). */
export function jsSymmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, a[i * n + j]!);
  return Float64Array.from(new EigenvalueDecomposition(m, { assumeSymmetric: true }).realEigenvalues);
}

/** Eigenvalues of a symmetric matrix, by the injected solver when there is one and it accepts, else the JavaScript one. */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new Error(`symmetricEigenvalues: a holds ${a.length} values, not ${n} x ${n}`);
  if (n === 0) return new Float64Array(0);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new Error('symmetricEigenvalues: the matrix has NaN or infinite entries');
  }
  return injected?.(a, n) ?? eigenvaluesOnly(a, n);
}

/** The work matrix of eigenvaluesOnly, kept between calls (a probe decomposes one Gram per unit group). */
let work = new Float64Array(0);

/**
 * ml-matrix's symmetric eigenvalues (jsSymmetricEigenvalues) bit for bit, without the eigenvectors: the same
 * Householder reduction (tred2) and QL iterations (tql2) on the same values in the same order, less the
 * accumulation of the transformations and the rotations of the vectors, which no eigenvalue reads (about a third
 * of the arithmetic, and no matrix objects). The work matrix W holds V as ml-matrix stores it (transposed).
 */
export function eigenvaluesOnly(a: Float64Array, n: number): Float64Array {
  if (work.length < n * n) work = new Float64Array(n * n);
  const W = work;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) W[j * n + i] = a[i * n + j]!;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // tred2: the reduction to tridiagonal form.
  let f: number, g: number, h: number, hh: number, scale: number;
  for (let j = 0; j < n; j++) d[j] = W[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    scale = 0;
    h = 0;
    for (let k = 0; k < i; k++) scale = scale + Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = W[j * n + i - 1]!;
        W[j * n + i] = 0;
        W[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      f = d[i - 1]!;
      g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h = h - f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        W[i * n + j] = f;
        const row = j * n;
        g = e[j]! + W[row + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += W[row + k]! * d[k]!;
          e[k]! += W[row + k]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        const row = j * n;
        for (let k = j; k <= i - 1; k++) W[row + k] = W[row + k]! - (f * e[k]! + g * d[k]!);
        d[j] = W[row + i - 1]!;
        W[row + i] = 0;
      }
    }
    d[i] = h;
  }
  // What tred2's accumulation leaves in d: the diagonal of the reduced matrix.
  for (let j = 0; j < n; j++) d[j] = W[j * n + j]!;
  e[0] = 0;
  // tql2: QL iterations with implicit shifts.
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      do {
        g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypotenuse(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f = f + h;
        p = d[m]!;
        let c = 1, c2 = c, c3 = c;
        const el1 = e[l + 1]!;
        let s = 0, s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypotenuse(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  return d.sort(); // ascending, as tql2 leaves them
}

/** sqrt(a^2 + b^2) as ml-matrix computes it. */
function hypotenuse(a: number, b: number): number {
  let r = 0;
  if (Math.abs(a) > Math.abs(b)) {
    r = b / a;
    return Math.abs(a) * Math.sqrt(1 + r * r);
  }
  if (b !== 0) {
    r = a / b;
    return Math.abs(b) * Math.sqrt(1 + r * r);
  }
  return 0;
}

/**
 * Singular values, descending, from the eigenvalues of a symmetric positive semi-definite Gram matrix g [n, n]
 * built from a matrix whose larger side is `size`. Eigenvalues at the rounding level of the float64 Gram
 * (|lambda| <= lambda_max * size * eps) are exact zeros of the matrix for every rank measure: rounding makes them
 * tiny positive or negative numbers, never information.
 */
export function singularValuesFromGram(g: Float64Array, n: number, size: number): Float64Array {
  const ev = symmetricEigenvalues(g, n);
  let max = 0;
  for (let i = 0; i < ev.length; i++) max = Math.max(max, ev[i]!);
  const tol = max * Math.max(size, n) * Number.EPSILON;
  const sv = new Float64Array(ev.length);
  for (let i = 0; i < ev.length; i++) {
    const l = ev[i]!;
    sv[i] = l > tol ? Math.sqrt(l) : 0;
  }
  return sv.sort().reverse();
}

/** The Gram matrix of singularValues, kept between calls (a probe takes one per unit group; nothing keeps it). */
let gramWork = new Float64Array(0);

function gramBuffer(n: number): Float64Array {
  if (gramWork.length !== n * n) gramWork = new Float64Array(n * n);
  return gramWork;
}

/**
 * The singular values (descending, min(rows, cols) of them) of a [rows, cols] (row-major, in backend memory),
 * through the float64 Gram matrix of the smaller side: a^T a [cols, cols] when rows >= cols, else the Gram of the
 * rows a a^T [rows, rows] (wide matrices). A zero matrix has only zero singular values.
 */
export function singularValues(backend: Backend, a: FloatArray, rows: number, cols: number): Float64Array {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows >= 1 && cols >= 1)) {
    throw new Error(`singularValues: rows = ${rows} and cols = ${cols} must be positive integers`);
  }
  if (a.length < rows * cols) throw new Error(`singularValues: a holds ${a.length} values, fewer than ${rows} x ${cols}`);
  if (rows >= cols) {
    const g = gramBuffer(cols);
    backend.gram(a.length === rows * cols ? a : a.subarray(0, rows * cols), rows, cols, g);
    return singularValuesFromGram(g, cols, rows);
  }
  const t = backend.alloc(rows * cols);
  try {
    backend.transpose01(a.length === rows * cols ? a : a.subarray(0, rows * cols), rows, cols, 1, t);
    const g = gramBuffer(rows);
    backend.gram(t, cols, rows, g);
    return singularValuesFromGram(g, rows, cols);
  } finally {
    backend.free(t);
  }
}
