// General matrix product C = alpha op(A) op(B) + beta C (row-major), cache-blocked and register-tiled.
//
// Goto/BLIS structure: for each NC-wide column panel and KC-deep slice of K, op(B) is packed into NR-wide
// strips (kc x NR, contiguous); for each MC-tall block of rows, op(A) is packed into MR-tall strips (kc x MR);
// a 4x8 micro-kernel then keeps its 4x8 tile of C in eight f32x4 registers across the kc slice (4x8 uses 11
// of the 16 xmm registers V8 has on x64; 6x8 spills and runs at 3/4 the speed, and at half the speed with fused
// multiply-adds, measured). Edges are packed with zero
// padding and the tile goes through a small buffer, so every C value is computed by the same sequence of f32
// operations wherever its tile falls: splitting the output between threads never changes a bit.
//
// Scratch (per thread): packed A (MC * KC), packed B (KC * NC), an MR x NR tile.

// @ts-ignore: decorator
import { madd } from './simd';

@inline const MR = 4;
// @ts-ignore: decorator
@inline const NR = 8;
// @ts-ignore: decorator
@inline const KC = 256;
// @ts-ignore: decorator
@inline const MC = 128;
// @ts-ignore: decorator
@inline const NC = 2048;

/** Bytes of scratch one thread needs for gemm. */
export function gemmScratchBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4;
}

/** Stores the transpose of the 4x4 block with rows r0..r3: vector q = column q, at dst + q * step. */
// @ts-ignore: decorator
@inline function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, step: usize): void {
  const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(dst + step, f32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * step, f32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * step, f32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

/** Packs op(A)[i0 : i0 + mc, p0 : p0 + kc] into MR-tall strips: strip s holds, for each p, MR values. */
function packA(transA: i32, a: usize, lda: i32, i0: i32, p0: i32, mc: i32, kc: i32, ap: usize): void {
  const ldaB = <usize>lda << 2;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    let dst = ap + (<usize>ir * <usize>kc << 2);
    const i = i0 + ir;
    if (transA) {
      // op(A)[i, p] = A[p, i]: the strip is MR consecutive values of each row p.
      let src = a + ((<usize>p0 * <usize>lda + <usize>i) << 2);
      if (mr == MR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          dst += 16;
          src += ldaB;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>r << 2), r < mr ? load<f32>(src + (<usize>r << 2)) : 0);
          dst += 16;
          src += ldaB;
        }
      }
    } else {
      // op(A)[i, p] = A[i, p]: MR rows, transposed 4x4 at a time.
      const r0 = a + ((<usize>i * <usize>lda + <usize>p0) << 2);
      if (mr == MR) {
        const r1 = r0 + ldaB, r2 = r1 + ldaB, r3 = r2 + ldaB;
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const o = <usize>p << 2;
          transpose4(v128.load(r0 + o), v128.load(r1 + o), v128.load(r2 + o), v128.load(r3 + o), dst, 16);
          dst += 64;
        }
        for (; p < kc; p++) {
          const o = <usize>p << 2;
          store<f32>(dst, load<f32>(r0 + o));
          store<f32>(dst, load<f32>(r1 + o), 4);
          store<f32>(dst, load<f32>(r2 + o), 8);
          store<f32>(dst, load<f32>(r3 + o), 12);
          dst += 16;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>r << 2), r < mr ? load<f32>(r0 + <usize>r * ldaB + (<usize>p << 2)) : 0);
          dst += 16;
        }
      }
    }
  }
}

/** Packs op(B)[p0 : p0 + kc, j0 : j0 + nc] into NR-wide strips: strip s holds, for each p, NR values. */
function packB(transB: i32, b: usize, ldb: i32, p0: i32, j0: i32, kc: i32, nc: i32, bp: usize): void {
  const ldbB = <usize>ldb << 2;
  let jr0 = 0;
  if (!transB) {
    // Two strips at a time: 64 bytes of each row, a whole cache line where aligned. B's rows far apart (a convolution's
    // columns, 400 KB apart in conv-b128's first layer) fall into one cache set, and a line read half at a time was
    // fetched twice: 16.4-16.5 against 17.1-17.3 GMAC/s on that layer's 32x100352x75 (one thread, alternated).
    const strip = <usize>kc << 5;
    for (; jr0 + 2 * NR <= nc; jr0 += 2 * NR) {
      let dst = bp + (<usize>jr0 * <usize>kc << 2);
      let src = b + ((<usize>p0 * <usize>ldb + <usize>(j0 + jr0)) << 2);
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        v128.store(dst + strip, v128.load(src, 32));
        v128.store(dst + strip, v128.load(src, 48), 16);
        dst += 32;
        src += ldbB;
      }
    }
  }
  for (let jr = jr0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    let dst = bp + (<usize>jr * <usize>kc << 2);
    const j = j0 + jr;
    if (!transB) {
      // op(B)[p, j] = B[p, j]: NR consecutive values of each row p.
      let src = b + ((<usize>p0 * <usize>ldb + <usize>j) << 2);
      if (nr == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          dst += 32;
          src += ldbB;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let q = 0; q < NR; q++) store<f32>(dst + (<usize>q << 2), q < nr ? load<f32>(src + (<usize>q << 2)) : 0);
          dst += 32;
          src += ldbB;
        }
      }
    } else {
      // op(B)[p, j] = B[j, p]: NR rows of B, transposed 4x4 at a time (two groups of 4 rows).
      const s0 = b + ((<usize>j * <usize>ldb + <usize>p0) << 2);
      if (nr == NR) {
        const s1 = s0 + ldbB, s2 = s1 + ldbB, s3 = s2 + ldbB, s4 = s3 + ldbB, s5 = s4 + ldbB, s6 = s5 + ldbB, s7 = s6 + ldbB;
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const o = <usize>p << 2;
          transpose4(v128.load(s0 + o), v128.load(s1 + o), v128.load(s2 + o), v128.load(s3 + o), dst, 32);
          transpose4(v128.load(s4 + o), v128.load(s5 + o), v128.load(s6 + o), v128.load(s7 + o), dst + 16, 32);
          dst += 128;
        }
        for (; p < kc; p++) {
          const o = <usize>p << 2;
          for (let q = 0; q < NR; q++) store<f32>(dst + (<usize>q << 2), load<f32>(s0 + <usize>q * ldbB + o));
          dst += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let q = 0; q < NR; q++) store<f32>(dst + (<usize>q << 2), q < nr ? load<f32>(s0 + <usize>q * ldbB + (<usize>p << 2)) : 0);
          dst += 32;
        }
      }
    }
  }
}

/**
 * The 4x8 micro-kernel over a kc slice: acc = sum_p ap[p, :]^T bp[p, :]; then C = alpha acc + beta C
 * (alpha acc when betaZero). Full tiles update C directly; edge tiles (edge = true) go through `tile`.
 * One p per turn: unrolled to two, V8 ran it at 24-26 GFLOP/s on one thread against 40-47 (256x2000x2000).
 */
// @ts-ignore: decorator
@inline function kernel(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f32, beta: f32, betaZero: bool, edge: bool, mr: i32, nr: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  if (edge) {
    v128.store(tile, c00);
    v128.store(tile, c01, 16);
    v128.store(tile, c10, 32);
    v128.store(tile, c11, 48);
    v128.store(tile, c20, 64);
    v128.store(tile, c21, 80);
    v128.store(tile, c30, 96);
    v128.store(tile, c31, 112);
    for (let r = 0; r < mr; r++) {
      const row = c + (<usize>r * <usize>ldc << 2);
      const t = tile + (<usize>r << 5);
      for (let q = 0; q < nr; q++) {
        const o = <usize>q << 2;
        const v = alpha * load<f32>(t + o);
        store<f32>(row + o, betaZero ? v : v + beta * load<f32>(row + o));
      }
    }
    return;
  }
  const va = f32x4.splat(alpha), vb = f32x4.splat(beta);
  const s = <usize>ldc << 2;
  if (betaZero) {
    v128.store(c, f32x4.mul(va, c00));
    v128.store(c, f32x4.mul(va, c01), 16);
    c += s;
    v128.store(c, f32x4.mul(va, c10));
    v128.store(c, f32x4.mul(va, c11), 16);
    c += s;
    v128.store(c, f32x4.mul(va, c20));
    v128.store(c, f32x4.mul(va, c21), 16);
    c += s;
    v128.store(c, f32x4.mul(va, c30));
    v128.store(c, f32x4.mul(va, c31), 16);
    return;
  }
  v128.store(c, f32x4.add(f32x4.mul(va, c00), f32x4.mul(vb, v128.load(c))));
  v128.store(c, f32x4.add(f32x4.mul(va, c01), f32x4.mul(vb, v128.load(c, 16))), 16);
  c += s;
  v128.store(c, f32x4.add(f32x4.mul(va, c10), f32x4.mul(vb, v128.load(c))));
  v128.store(c, f32x4.add(f32x4.mul(va, c11), f32x4.mul(vb, v128.load(c, 16))), 16);
  c += s;
  v128.store(c, f32x4.add(f32x4.mul(va, c20), f32x4.mul(vb, v128.load(c))));
  v128.store(c, f32x4.add(f32x4.mul(va, c21), f32x4.mul(vb, v128.load(c, 16))), 16);
  c += s;
  v128.store(c, f32x4.add(f32x4.mul(va, c30), f32x4.mul(vb, v128.load(c))));
  v128.store(c, f32x4.add(f32x4.mul(va, c31), f32x4.mul(vb, v128.load(c, 16))), 16);
}

function kernelFull(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f32, beta: f32, betaZero: bool): void {
  kernel(kc, ap, bp, c, ldc, alpha, beta, betaZero, false, MR, NR, 0);
}

function kernelEdge(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f32, beta: f32, betaZero: bool, mr: i32, nr: i32, tile: usize): void {
  kernel(kc, ap, bp, c, ldc, alpha, beta, betaZero, true, mr, nr, tile);
}

/** The blocked product on one block of C (with leading dimensions), single-threaded. */
function blocked(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32, b: usize, ldb: i32, beta: f32, betaZero: bool, c: usize, ldc: i32, scratch: usize): void {
  const ap = scratch;
  const bp = ap + ((<usize>MC * <usize>KC) << 2);
  const tile = bp + ((<usize>KC * <usize>NC) << 2);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(transB, b, ldb, pc, jc, kc, nc, bp);
      // Later K slices accumulate onto C (beta = 1): the same for every tile, whatever the split.
      const first = pc == 0;
      const bt: f32 = first ? beta : 1;
      const bz = first && betaZero;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(transA, a, lda, ic, pc, mc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bs = bp + (<usize>jr * <usize>kc << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const as = ap + (<usize>ir * <usize>kc << 2);
            const cp = c + ((<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) << 2);
            if (mr == MR && nr == NR) kernelFull(kc, as, bs, cp, ldc, alpha, bt, bz);
            else kernelEdge(kc, as, bs, cp, ldc, alpha, bt, bz, mr, nr, tile);
          }
        }
      }
    }
  }
}

/**
 * Part `part` of `parts` of C = alpha op(A) op(B) + beta C with A, B, C dense ([m, k] or [k, m], [k, n] or
 * [n, k], [m, n]). The parts split C into column panels (or row blocks when C is taller than wide) on
 * micro-tile boundaries; the reduction over k is never split. parts = 1 is the whole product.
 */
export function gemmPart(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f64, a: usize, b: usize, beta: f64, c: usize, part: i32, parts: i32, scratch: usize): void {
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const al = <f32>alpha, bt = <f32>beta, bz = beta == 0;
  if (parts <= 1) {
    blocked(transA, transB, m, n, k, al, a, lda, b, ldb, bt, bz, c, n, scratch);
    return;
  }
  if (n >= m) {
    const units = (n + NR - 1) / NR;
    const j0 = <i32>(<i64>units * <i64>part / <i64>parts) * NR;
    const j1 = min(n, <i32>(<i64>units * <i64>(part + 1) / <i64>parts) * NR);
    if (j1 <= j0) return;
    const bo = transB ? <usize>j0 * <usize>ldb : <usize>j0;
    blocked(transA, transB, m, j1 - j0, k, al, a, lda, b + (bo << 2), ldb, bt, bz, c + (<usize>j0 << 2), n, scratch);
  } else {
    const units = (m + MR - 1) / MR;
    const i0 = <i32>(<i64>units * <i64>part / <i64>parts) * MR;
    const i1 = min(m, <i32>(<i64>units * <i64>(part + 1) / <i64>parts) * MR);
    if (i1 <= i0) return;
    const ao = transA ? <usize>i0 : <usize>i0 * <usize>lda;
    blocked(transA, transB, i1 - i0, n, k, al, a + (ao << 2), lda, b, ldb, bt, bz, c + ((<usize>i0 * <usize>n) << 2), n, scratch);
  }
}

/** How many chunks a product of this shape can be cut into (micro-tile panels of the split dimension). */
export function gemmUnits(m: i32, n: i32): i32 {
  return n >= m ? (n + NR - 1) / NR : (m + MR - 1) / MR;
}

/**
 * The threaded form: C is cut into `chunks` parts as gemmPart does, and each calling thread takes the next
 * chunk from the shared counter at `counter` (atomic) until none is left. A thread that is descheduled or on
 * a slower core simply takes fewer chunks; which thread computes a chunk never changes its values.
 */
export function gemmChunks(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f64, a: usize, b: usize, beta: f64, c: usize, chunks: i32, counter: usize, scratch: usize): void {
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    gemmPart(transA, transB, m, n, k, alpha, a, b, beta, c, part, chunks, scratch);
  }
}
