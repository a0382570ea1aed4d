// Products with a small dimension (a few examples, or a rank-few update): the batch-1 inner loops of gemv.ts
// looped so that a block of the weights stays in L1 while every example uses it. For these shapes packing the
// weights (gemm.ts) costs more than the product itself.

import { combine1, combine16, combine4, dot1, dot4, worthSkipping } from './gemv';

/**
 * C = alpha A W^T + beta C for A [m, k] (row stride lda), W [n, k] (row stride ldw), C [m, n]: for each group
 * of four rows of W, every row of A takes its four dot products (the group, 4 k floats, stays in L1).
 */
export function gemmSmallNT(m: i32, n: i32, k: i32, alpha: f64, a: usize, lda: i32, w: usize, ldw: i32, beta: f64, c: usize): void {
  const al = <f32>alpha, bt = <f32>beta, bz = beta == 0;
  const la = <usize>lda << 2, lw = <usize>ldw << 2, lc = <usize>n << 2;
  // One bit per row of A (the first 32): mostly-zero rows skip the weights their zero runs multiply.
  let sparse: u32 = 0;
  if (n >= 8) for (let i = 0; i < min(m, 32); i++) if (worthSkipping(k, a + <usize>i * la)) sparse |= 1 << i;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const wj = w + <usize>j * lw;
    for (let i = 0; i < m; i++) dot4(k, a + <usize>i * la, wj, lw, al, bt, bz, c + <usize>i * lc + (<usize>j << 2), 4, ((sparse >>> i) & 1) != 0);
  }
  for (; j < n; j++) {
    const wj = w + <usize>j * lw;
    for (let i = 0; i < m; i++) dot1(k, a + <usize>i * la, wj, al, bt, bz, c + <usize>i * lc + (<usize>j << 2));
  }
}

/**
 * C = alpha op(A) W + beta C for W [k, n] (row stride ldw) and C [m, n], where op(A)[i, p] is at
 * a + i * ars + p * aps (bytes; any transpose). rowsOuter: every row of C in turn (a rank-k update: W, k rows,
 * stays in cache across the rows of C); else every 16-column chunk in turn (few rows of C: the chunk of W
 * stays in L1 across them). Terms with op(A)[i, p] = 0 are skipped, as the reference skips them.
 */
export function gemmSmallNN(m: i32, n: i32, k: i32, alpha: f64, a: usize, ars: i32, aps: i32, w: usize, ldw: i32, beta: f64, c: usize, rowsOuter: i32): void {
  const al = <f32>alpha, bt = <f32>beta, bz = beta == 0;
  const va = f32x4.splat(al), vb = f32x4.splat(bt);
  const rs = <usize>ars, ps = <usize>aps, lw = <usize>ldw << 2, lc = <usize>n << 2;
  const n16 = n & ~15, n4 = n & ~3;
  if (rowsOuter) {
    for (let i = 0; i < m; i++) {
      const ai = a + <usize>i * rs, ci = c + <usize>i * lc;
      let j = 0;
      for (; j < n16; j += 16) combine16(k, ai, ps, w + (<usize>j << 2), lw, va, vb, bz, ci + (<usize>j << 2));
      for (; j < n4; j += 4) combine4(k, ai, ps, w + (<usize>j << 2), lw, va, vb, bz, ci + (<usize>j << 2));
      for (; j < n; j++) combine1(k, ai, ps, w + (<usize>j << 2), lw, al, bt, bz, ci + (<usize>j << 2));
    }
    return;
  }
  let j = 0;
  for (; j < n16; j += 16) for (let i = 0; i < m; i++) combine16(k, a + <usize>i * rs, ps, w + (<usize>j << 2), lw, va, vb, bz, c + <usize>i * lc + (<usize>j << 2));
  for (; j < n4; j += 4) for (let i = 0; i < m; i++) combine4(k, a + <usize>i * rs, ps, w + (<usize>j << 2), lw, va, vb, bz, c + <usize>i * lc + (<usize>j << 2));
  for (; j < n; j++) for (let i = 0; i < m; i++) combine1(k, a + <usize>i * rs, ps, w + (<usize>j << 2), lw, al, bt, bz, c + <usize>i * lc + (<usize>j << 2));
}

/** out[c, r] = in[r, c] for in [rows, cols]: op(A) or op(B) rows made contiguous for the small kernels. */
export function transposeInto(src: usize, rows: i32, cols: i32, dst: usize): void {
  for (let r0 = 0; r0 < rows; r0 += 8) {
    const r1 = min(rows, r0 + 8);
    for (let c0 = 0; c0 < cols; c0 += 8) {
      const c1 = min(cols, c0 + 8);
      for (let r = r0; r < r1; r++)
        for (let c = c0; c < c1; c++) store<f32>(dst + ((<usize>c * <usize>rows + <usize>r) << 2), load<f32>(src + ((<usize>r * <usize>cols + <usize>c) << 2)));
    }
  }
}
