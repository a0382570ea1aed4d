// A thin product C = alpha A B^T + beta C (A [m, k], B [n, k], row-major; "NT") whose C is small and whose
// reduction is long: a convolution's weight gradient (a few dozen channels by a few hundred taps, summed over every
// position of the batch). The blocked gemm packs A and B whole for such a product (every value of both once, as
// much memory traffic as the product has values), then reads each packed slice back a few times; here the rows of A
// and B are read where they lie, both already contiguous along k, with no packing.
//
// Every value of C keeps four lanes: lane q sums A[i, p] B[j, p] over p = q mod 4 in order, a multiply-add at a time.
// The reduction is cut into two fixed halves [0, kh) and [kh, k), kh = 4 floor(k / 8), each with lanes of its own,
// so that two threads can take a half each; C[i, j] = alpha ((L0 + L1) + (L2 + L3)) + beta C[i, j], L = the two
// halves' lanes added. Tiles of 4 x 2 values of C (eight lane vectors in registers) run over chunks of K_CHUNK
// values of k, so that a chunk of A's and B's rows stays in cache while every tile reads it; edges go value by value
// through the same sequence of operations. Which thread runs a half, and how the tiles fall, never changes a bit.

import { madd, storeTile4x2 } from './simd';

/** Values of k per chunk: 4 rows of A (8 KB) stay in L1 while the tiles run through B's rows. */
// @ts-ignore: decorator
@inline const K_CHUNK = 512;

/** Floats of lanes a thin product of C [m, n] needs (both halves). */
export function thinLaneFloats(m: i32, n: i32): i32 {
  return 8 * m * n;
}

/** Where the second half of the reduction starts: a multiple of 4 (whole vectors in the first half). */
// @ts-ignore: decorator
@inline function halfStart(k: i32): i32 {
  return (k >> 3) << 2;
}

/**
 * Half `half` (0 or 1) of the reduction: lanes + 4 m n half at byte address `lanes` are set to that half's lane sums
 * (the lanes of C[i, j] at float offset 4 (i n + j)).
 */
export function thinHalf(m: i32, n: i32, k: i32, a: usize, b: usize, lanes: usize, half: i32): void {
  const kh = halfStart(k);
  const p0 = half == 0 ? 0 : kh, p1 = half == 0 ? kh : k;
  const out = lanes + ((<usize>(4 * m * n * half)) << 2);
  memory.fill(out, 0, (<usize>(4 * m * n)) << 2);
  const lda = <usize>k << 2;
  for (let c0 = p0; c0 < p1; c0 += K_CHUNK) {
    const c1 = min(p1, c0 + K_CHUNK);
    // Whole vectors [c0, v1); the last chunk of the last half may end in 1-3 values.
    const v1 = c0 + (((c1 - c0) >> 2) << 2);
    const first = <usize>c0 << 2;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const a0 = a + <usize>i * lda + first;
      let j = 0;
      for (; j + 2 <= n; j += 2) tile(a0, lda, b + <usize>j * lda + first, lda, v1 - c0, out + ((<usize>(i * n + j)) << 4), <usize>n << 4);
      if (j < n) column(a0, lda, b + <usize>j * lda + first, v1 - c0, out + ((<usize>(i * n + j)) << 4), <usize>n << 4);
    }
    for (; i < m; i++) {
      const ai = a + <usize>i * lda + first;
      let j = 0;
      for (; j + 4 <= n; j += 4) row(ai, b + <usize>j * lda + first, lda, v1 - c0, out + ((<usize>(i * n + j)) << 4));
      for (; j < n; j++) row1(ai, b + <usize>j * lda + first, v1 - c0, out + ((<usize>(i * n + j)) << 4));
    }
    if (v1 < c1) {
      // The reduction's last 1-3 values: lane q takes value v1 + q (a multiply, then an add, in every build).
      for (let i2 = 0; i2 < m; i2++) {
        for (let j2 = 0; j2 < n; j2++) {
          const l = out + ((<usize>(i2 * n + j2)) << 4);
          for (let p = v1; p < c1; p++) {
            const q = <usize>(p - v1) << 2;
            store<f32>(l + q, load<f32>(l + q) + load<f32>(a + <usize>i2 * lda + (<usize>p << 2)) * load<f32>(b + <usize>j2 * lda + (<usize>p << 2)));
          }
        }
      }
    }
  }
}

/** Eight lane vectors (rows a .. a + 3 lda by rows b, b + ldb) over `len` values (a multiple of 4), added to `l`. */
// @ts-ignore: decorator
@inline function tile(a: usize, lda: usize, b: usize, ldb: usize, len: i32, l: usize, ldl: usize): void {
  let c00 = v128.load(l), c01 = v128.load(l, 16);
  let c10 = v128.load(l + ldl), c11 = v128.load(l + ldl, 16);
  let c20 = v128.load(l + 2 * ldl), c21 = v128.load(l + 2 * ldl, 16);
  let c30 = v128.load(l + 3 * ldl), c31 = v128.load(l + 3 * ldl, 16);
  const a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda, b1 = b + ldb;
  const end = <usize>len << 2;
  for (let o: usize = 0; o < end; o += 16) {
    const x0 = v128.load(b + o), x1 = v128.load(b1 + o);
    let y = v128.load(a + o);
    c00 = madd(y, x0, c00);
    c01 = madd(y, x1, c01);
    y = v128.load(a1 + o);
    c10 = madd(y, x0, c10);
    c11 = madd(y, x1, c11);
    y = v128.load(a2 + o);
    c20 = madd(y, x0, c20);
    c21 = madd(y, x1, c21);
    y = v128.load(a3 + o);
    c30 = madd(y, x0, c30);
    c31 = madd(y, x1, c31);
  }
  storeTile4x2(l, ldl, c00, c01, c10, c11, c20, c21, c30, c31);
}

// The edges, with the tile's sequence for each value: four values at a time where they can (one chain of dependent
// additions per value would run at the addition's latency, not its rate).

/** A column of four values: rows a .. a + 3 lda by row b. */
function column(a: usize, lda: usize, b: usize, len: i32, l: usize, ldl: usize): void {
  let c0 = v128.load(l), c1 = v128.load(l + ldl), c2 = v128.load(l + 2 * ldl), c3 = v128.load(l + 3 * ldl);
  const a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
  const end = <usize>len << 2;
  for (let o: usize = 0; o < end; o += 16) {
    const x = v128.load(b + o);
    c0 = madd(v128.load(a + o), x, c0);
    c1 = madd(v128.load(a1 + o), x, c1);
    c2 = madd(v128.load(a2 + o), x, c2);
    c3 = madd(v128.load(a3 + o), x, c3);
  }
  v128.store(l, c0);
  v128.store(l + ldl, c1);
  v128.store(l + 2 * ldl, c2);
  v128.store(l + 3 * ldl, c3);
}

/** A row of four values: row a by rows b .. b + 3 ldb (lanes adjacent in `l`). */
function row(a: usize, b: usize, ldb: usize, len: i32, l: usize): void {
  let c0 = v128.load(l), c1 = v128.load(l, 16), c2 = v128.load(l, 32), c3 = v128.load(l, 48);
  const b1 = b + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
  const end = <usize>len << 2;
  for (let o: usize = 0; o < end; o += 16) {
    const y = v128.load(a + o);
    c0 = madd(y, v128.load(b + o), c0);
    c1 = madd(y, v128.load(b1 + o), c1);
    c2 = madd(y, v128.load(b2 + o), c2);
    c3 = madd(y, v128.load(b3 + o), c3);
  }
  v128.store(l, c0);
  v128.store(l, c1, 16);
  v128.store(l, c2, 32);
  v128.store(l, c3, 48);
}

/** One value: row a by row b. */
function row1(a: usize, b: usize, len: i32, l: usize): void {
  let c = v128.load(l);
  const end = <usize>len << 2;
  for (let o: usize = 0; o < end; o += 16) c = madd(v128.load(a + o), v128.load(b + o), c);
  v128.store(l, c);
}

/** C = alpha ((L0 + L1) + (L2 + L3)) + beta C, L = the two halves' lanes added (beta = 0: C is not read). */
export function thinFinish(m: i32, n: i32, alpha: f64, beta: f64, lanes: usize, c: usize): void {
  const al = <f32>alpha, bt = <f32>beta;
  const second = (<usize>(4 * m * n)) << 2;
  for (let v = 0; v < m * n; v++) {
    const l = lanes + (<usize>v << 4);
    const s = f32x4.add(v128.load(l), v128.load(l + second));
    const sum: f32 = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
    const o = c + (<usize>v << 2);
    store<f32>(o, beta == 0 ? al * sum : al * sum + bt * load<f32>(o));
  }
}

/** thinHalf for the halves taken from the shared counter at `counter` (two chunks: the halves). */
export function thinHalves(m: i32, n: i32, k: i32, a: usize, b: usize, lanes: usize, counter: usize): void {
  for (;;) {
    const h = atomic.add<i32>(counter, 1);
    if (h >= 2) return;
    thinHalf(m, n, k, a, b, lanes, h);
  }
}
