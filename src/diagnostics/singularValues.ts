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

/** Eigenvalues of a symmetric matrix, by the injected solver when there is one and it accepts, else ml-matrix. */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new Error(`symmetricEigenvalues: a holds ${a.length} values, not ${n} x ${n}`);
  if (n === 0) return new Float64Array(0);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new Error('symmetricEigenvalues: the matrix has NaN or infinite entries');
  }
  return injected?.(a, n) ?? jsSymmetricEigenvalues(a, n);
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
    const g = new Float64Array(cols * cols);
    backend.gram(a.length === rows * cols ? a : a.subarray(0, rows * cols), rows, cols, g);
    return singularValuesFromGram(g, cols, rows);
  }
  const t = backend.alloc(rows * cols);
  try {
    backend.transpose01(a.length === rows * cols ? a : a.subarray(0, rows * cols), rows, cols, 1, t);
    const g = new Float64Array(rows * rows);
    backend.gram(t, cols, rows, g);
    return singularValuesFromGram(g, rows, cols);
  } finally {
    backend.free(t);
  }
}
