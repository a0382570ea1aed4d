import type { FloatArray } from '../tensor/FloatArray.js';

// Argument checks shared by every backend: cheap comparisons, always on, so no kernel reads past an array. The
// checks of each kernel are in kernelTable.ts.

/** Throws unless `a` holds at least `needed` values; the message names the kernel and the argument. */
export function checkLength(kernel: string, arg: string, a: { length: number }, needed: number): void {
  if (a.length < needed) {
    throw new Error(`${kernel}: ${arg} holds ${a.length} values but ${needed} are needed`);
  }
}

/** Throws unless the batch size n is a positive integer. */
export function checkBatch(kernel: string, n: number): void {
  if (!(n >= 1) || !Number.isInteger(n)) {
    throw new Error(`${kernel}: the batch has ${n} examples; a batch needs at least 1 (empty batches are rejected)`);
  }
}

/** gemm's sizes are positive integers and A, B, C hold op(A) [m, k], op(B) [k, n], C [m, n]. */
export function checkGemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: FloatArray, b: FloatArray, c: FloatArray): void {
  if (!(m >= 1 && n >= 1 && k >= 1) || !Number.isInteger(m) || !Number.isInteger(n) || !Number.isInteger(k)) {
    throw new Error(`gemm: m = ${m}, n = ${n}, k = ${k} must be positive integers (empty operands are rejected)`);
  }
  if (a.length < m * k) throw new Error(`gemm: A holds ${a.length} values but op(A) is [${m}, ${k}]${transA ? ' (transposed)' : ''}`);
  if (b.length < k * n) throw new Error(`gemm: B holds ${b.length} values but op(B) is [${k}, ${n}]${transB ? ' (transposed)' : ''}`);
  if (c.length < m * n) throw new Error(`gemm: C holds ${c.length} values but C is [${m}, ${n}]`);
}

/** encodeBytes reads src[srcOffset + s] for s < n, lut[c * 256 + byte] for the channels c < ceil(n / plane). */
export function checkEncode(src: Uint8Array, srcOffset: number, n: number, plane: number, lut: FloatArray, perm: Int32Array | null, out: FloatArray, outOffset: number): void {
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(srcOffset) && srcOffset >= 0 && Number.isInteger(outOffset) && outOffset >= 0 && Number.isInteger(plane) && plane >= 1)) {
    throw new Error(`encodeBytes: n = ${n}, plane = ${plane}, offsets ${srcOffset}, ${outOffset} must be non-negative integers (plane >= 1)`);
  }
  checkLength('encodeBytes', 'src', src, srcOffset + n);
  checkLength('encodeBytes', 'out', out, outOffset + n);
  checkLength('encodeBytes', 'lut', lut, Math.ceil(n / plane) * 256);
  if (perm) checkLength('encodeBytes', 'perm', perm, n);
}

/** The error for a permutation entry outside [0, n) (kernels check every entry as they read it). */
export function badPermutation(n: number): Error {
  return new Error(`encodeBytes: the permutation has an entry outside [0, ${n})`);
}

/** Output size of a convolution along one axis (PyTorch's floor rule). */
export function convOut(size: number, k: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

/** Output size of max pooling (no padding) along one axis. */
export function poolOut(size: number, k: number, stride: number): number {
  return Math.floor((size - k) / stride) + 1;
}
