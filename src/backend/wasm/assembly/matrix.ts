// Row/column kernels on row-major matrices and NCHW channel kernels. Sums accumulate in f64 (f64x2 lanes).

import { lo64, hi64, rowSum, storeTile4x2 } from './simd';
import { colSums, storeScaled } from './colSums';

/** y[0:n] += v[0:n] */
// @ts-ignore: decorator
@inline function addInto(y: usize, v: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), v128.load(v + o)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(y + o, load<f32>(y + o) + load<f32>(v + o));
  }
}

export function addRowVector(a: usize, rows: i32, cols: i32, v: usize): void {
  for (let r = 0; r < rows; r++) addInto(a + (<usize>r * <usize>cols << 2), v, cols);
}

export function sumRows(a: usize, rows: i32, cols: i32, alpha: f64, beta: f64, out: usize): void {
  if (rows == 1) {
    // One example (the bias gradient at batch 1): out = alpha a + beta out, in f64 lanes like the column sums.
    const va = f64x2.splat(alpha), vb = f64x2.splat(beta);
    const bz = beta == 0;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      const v = v128.load(a + o);
      let l = f64x2.mul(va, lo64(v)), h = f64x2.mul(va, hi64(v));
      if (!bz) {
        const w = v128.load(out + o);
        l = f64x2.add(l, f64x2.mul(vb, lo64(w)));
        h = f64x2.add(h, f64x2.mul(vb, hi64(w)));
      }
      v128.store(out + o, f32x4.shuffle(f32x4.demote_f64x2_zero(l), f32x4.demote_f64x2_zero(h), 0, 1, 4, 5));
    }
    for (; j < cols; j++) storeScaled(out + (<usize>j << 2), <f64>load<f32>(a + (<usize>j << 2)), alpha, beta);
    return;
  }
  colSums(a, rows, cols, <usize>cols << 2, 0, alpha, beta, out);
}

export function colSumsAbs(a: usize, rows: i32, cols: i32, out: usize): void {
  colSums(a, rows, cols, <usize>cols << 2, 1, 1, 0, out);
}

export function rowSumsAbs(a: usize, rows: i32, cols: i32, out: usize): void {
  for (let r = 0; r < rows; r++) store<f32>(out + (<usize>r << 2), <f32>rowSum(a + (<usize>r * <usize>cols << 2), cols, 1));
}

/**
 * out[cols, cols] (f64) = a^T a in f64. The upper triangle is computed in 4x4 tiles held in eight f64x2
 * registers while walking down the rows, then mirrored.
 */
export function gram(a: usize, rows: i32, cols: i32, out: usize): void {
  const ld = <usize>cols << 2;
  const c4 = cols & ~3;
  for (let i = 0; i < c4; i += 4) {
    for (let j = i; j < c4; j += 4) {
      let t00 = f64x2.splat(0), t01 = f64x2.splat(0), t10 = f64x2.splat(0), t11 = f64x2.splat(0);
      let t20 = f64x2.splat(0), t21 = f64x2.splat(0), t30 = f64x2.splat(0), t31 = f64x2.splat(0);
      let pi = a + (<usize>i << 2), pj = a + (<usize>j << 2);
      for (let r = 0; r < rows; r++) {
        const vj = v128.load(pj);
        const b0 = lo64(vj), b1 = hi64(vj);
        const vi = v128.load(pi);
        let s = f64x2.splat(<f64>f32x4.extract_lane(vi, 0));
        t00 = f64x2.add(t00, f64x2.mul(s, b0));
        t01 = f64x2.add(t01, f64x2.mul(s, b1));
        s = f64x2.splat(<f64>f32x4.extract_lane(vi, 1));
        t10 = f64x2.add(t10, f64x2.mul(s, b0));
        t11 = f64x2.add(t11, f64x2.mul(s, b1));
        s = f64x2.splat(<f64>f32x4.extract_lane(vi, 2));
        t20 = f64x2.add(t20, f64x2.mul(s, b0));
        t21 = f64x2.add(t21, f64x2.mul(s, b1));
        s = f64x2.splat(<f64>f32x4.extract_lane(vi, 3));
        t30 = f64x2.add(t30, f64x2.mul(s, b0));
        t31 = f64x2.add(t31, f64x2.mul(s, b1));
        pi += ld;
        pj += ld;
      }
      const o = out + ((<usize>i * <usize>cols + <usize>j) << 3);
      const ro = <usize>cols << 3;
      storeTile4x2(o, ro, t00, t01, t10, t11, t20, t21, t30, t31);
    }
  }
  // Columns past the last full tile: plain f64 dot products for i <= j, j >= c4.
  for (let j = c4; j < cols; j++) {
    for (let i = 0; i <= j; i++) {
      let s: f64 = 0;
      let pi = a + (<usize>i << 2), pj = a + (<usize>j << 2);
      for (let r = 0; r < rows; r++) {
        s += <f64>load<f32>(pi) * <f64>load<f32>(pj);
        pi += ld;
        pj += ld;
      }
      store<f64>(out + ((<usize>i * <usize>cols + <usize>j) << 3), s);
    }
  }
  for (let i = 1; i < cols; i++)
    for (let j = 0; j < i; j++) store<f64>(out + ((<usize>i * <usize>cols + <usize>j) << 3), load<f64>(out + ((<usize>j * <usize>cols + <usize>i) << 3)));
}

/** out[j, i, :] = a[i, j, :] for a [d0, d1, inner]. */
export function transpose01(a: usize, d0: i32, d1: i32, inner: i32, out: usize): void {
  const rowBytes = <usize>inner << 2;
  if (inner >= 8) {
    for (let i = 0; i < d0; i++)
      for (let j = 0; j < d1; j++)
        memory.copy(out + (<usize>j * <usize>d0 + <usize>i) * rowBytes, a + (<usize>i * <usize>d1 + <usize>j) * rowBytes, rowBytes);
    return;
  }
  // Small inner: 8x8 blocks of (i, j) keep both sides in cache.
  for (let i0 = 0; i0 < d0; i0 += 8) {
    const i1 = min(d0, i0 + 8);
    for (let j0 = 0; j0 < d1; j0 += 8) {
      const j1 = min(d1, j0 + 8);
      for (let i = i0; i < i1; i++)
        for (let j = j0; j < j1; j++) {
          const src = a + (<usize>i * <usize>d1 + <usize>j) * rowBytes;
          const dst = out + (<usize>j * <usize>d0 + <usize>i) * rowBytes;
          for (let s = 0; s < inner; s++) store<f32>(dst + (<usize>s << 2), load<f32>(src + (<usize>s << 2)));
        }
    }
  }
}

export function addChannelBias(a: usize, n: i32, c: i32, hw: i32, bias: usize): void {
  if (hw == 1) {
    addRowVector(a, n, c, bias);
    return;
  }
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) {
      const o = a + ((<usize>b * <usize>c + <usize>ch) * <usize>hw << 2);
      const s = load<f32>(bias + (<usize>ch << 2));
      const v = f32x4.splat(s);
      let k = 0;
      for (; k + 4 <= hw; k += 4) {
        const p = o + (<usize>k << 2);
        v128.store(p, f32x4.add(v128.load(p), v));
      }
      for (; k < hw; k++) {
        const p = o + (<usize>k << 2);
        store<f32>(p, load<f32>(p) + s);
      }
    }
}

export function sumChannels(a: usize, n: i32, c: i32, hw: i32, alpha: f64, beta: f64, out: usize): void {
  if (hw == 1) {
    colSums(a, n, c, <usize>c << 2, 0, alpha, beta, out);
    return;
  }
  for (let ch = 0; ch < c; ch++) {
    let s: f64 = 0;
    for (let b = 0; b < n; b++) s += rowSum(a + ((<usize>b * <usize>c + <usize>ch) * <usize>hw << 2), hw, 0);
    storeScaled(out + (<usize>ch << 2), s, alpha, beta);
  }
}

/**
 * Rows i0..i1 of transpose01AddBias: out[j, i, :] = a[i, j, :] + bias[i], the same f32 additions as
 * addChannelBias on the transposed output (bias[i] + a, vector then scalar tail).
 */
function transposeAddBiasRows(a: usize, d0: i32, d1: i32, inner: i32, bias: usize, out: usize, i0: i32, i1: i32): void {
  const rowBytes = <usize>inner << 2;
  for (let i = i0; i < i1; i++) {
    const s = load<f32>(bias + (<usize>i << 2));
    const v = f32x4.splat(s);
    for (let j = 0; j < d1; j++) {
      const src = a + (<usize>i * <usize>d1 + <usize>j) * rowBytes;
      const dst = out + (<usize>j * <usize>d0 + <usize>i) * rowBytes;
      let k = 0;
      for (; k + 4 <= inner; k += 4) v128.store(dst + (<usize>k << 2), f32x4.add(v128.load(src + (<usize>k << 2)), v));
      for (; k < inner; k++) store<f32>(dst + (<usize>k << 2), load<f32>(src + (<usize>k << 2)) + s);
    }
  }
}

/** out[j, i, :] = a[i, j, :] + bias[i] for a [d0, d1, inner]: transpose01 then addChannelBias in one pass. */
export function transpose01AddBias(a: usize, d0: i32, d1: i32, inner: i32, bias: usize, out: usize): void {
  transposeAddBiasRows(a, d0, d1, inner, bias, out, 0, d0);
}

/** transpose01AddBias with the d0 rows of `a` cut into `chunks` parts taken from the shared counter. */
export function transpose01AddBiasChunks(a: usize, d0: i32, d1: i32, inner: i32, bias: usize, out: usize, chunks: i32, counter: usize): void {
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    const i0 = <i32>((<i64>d0 * <i64>part) / <i64>chunks), i1 = <i32>((<i64>d0 * <i64>(part + 1)) / <i64>chunks);
    transposeAddBiasRows(a, d0, d1, inner, bias, out, i0, i1);
  }
}

/**
 * Channels j0..j1 of transpose01SumChannels: each output row is copied, then summed by rowSum while it is in
 * cache, in sumChannels' order (f64 s += rowSum of a[i, j, :] for i = 0, 1, ...), so the sums have its bits.
 */
function transposeSumRows(a: usize, d0: i32, d1: i32, inner: i32, out: usize, alpha: f64, beta: f64, sums: usize, j0: i32, j1: i32): void {
  const rowBytes = <usize>inner << 2;
  for (let j = j0; j < j1; j++) {
    let s: f64 = 0;
    for (let i = 0; i < d0; i++) {
      const dst = out + (<usize>j * <usize>d0 + <usize>i) * rowBytes;
      memory.copy(dst, a + (<usize>i * <usize>d1 + <usize>j) * rowBytes, rowBytes);
      s += rowSum(dst, inner, 0);
    }
    storeScaled(sums + (<usize>j << 2), s, alpha, beta);
  }
}

/**
 * transpose01(a, d0, d1, inner, out) and sumChannels(a, d0, d1, inner, alpha, beta, sums) in one pass, for
 * inner > 1 (sumChannels sums columns when hw = 1).
 */
export function transpose01SumChannels(a: usize, d0: i32, d1: i32, inner: i32, out: usize, alpha: f64, beta: f64, sums: usize): void {
  transposeSumRows(a, d0, d1, inner, out, alpha, beta, sums, 0, d1);
}

/** transpose01SumChannels with the d1 channels cut into `chunks` parts: each channel's sum stays in one part. */
export function transpose01SumChannelsChunks(a: usize, d0: i32, d1: i32, inner: i32, out: usize, alpha: f64, beta: f64, sums: usize, chunks: i32, counter: usize): void {
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    const j0 = <i32>((<i64>d1 * <i64>part) / <i64>chunks), j1 = <i32>((<i64>d1 * <i64>(part + 1)) / <i64>chunks);
    transposeSumRows(a, d0, d1, inner, out, alpha, beta, sums, j0, j1);
  }
}

/** transpose01 with the d0 rows of `a` cut into `chunks` parts taken from the shared counter (see gemmChunks). */
export function transpose01Chunks(a: usize, d0: i32, d1: i32, inner: i32, out: usize, chunks: i32, counter: usize): void {
  const rowBytes = <usize>inner << 2;
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    const i0 = <i32>((<i64>d0 * <i64>part) / <i64>chunks), i1 = <i32>((<i64>d0 * <i64>(part + 1)) / <i64>chunks);
    // Rows i0..i1 of a are one [i1 - i0, d1, inner] block; their outputs sit at column i0 of out seen as
    // [d1, d0 * inner], so each part is its own transpose into a strided destination.
    for (let j = 0; j < d1; j++) {
      const dst = out + (<usize>j * <usize>d0 + <usize>i0) * rowBytes;
      for (let i = i0; i < i1; i++) memory.copy(dst + <usize>(i - i0) * rowBytes, a + (<usize>i * <usize>d1 + <usize>j) * rowBytes, rowBytes);
    }
  }
}
