// Column sums in f64 lanes, shared by matrix.ts and cbpUtility.ts (inlined; this file is not re-exported by index.ts).

import { lo64, hi64 } from './simd';

/**
 * Column sums of [rows, cols] in f64, 8 columns at a time so each row contributes two vectors.
 * mode 0: sums, 1: sums of |a|. Writes out[c] = alpha * s + beta * out[c] (beta = 0 ignores out).
 */
// @ts-ignore: decorator
@inline export function colSums(a: usize, rows: i32, cols: i32, ld: usize, mode: i32, alpha: f64, beta: f64, out: usize): void {
  let j = 0;
  // 16 columns at a time: f32 partial sums over 8 rows at a time (exact to ~1e-7), folded into f64; eight
  // independent f64 chains instead of four, and a quarter of the conversions.
  for (; j + 16 <= cols; j += 16) {
    let d0 = f64x2.splat(0), d1 = f64x2.splat(0), d2 = f64x2.splat(0), d3 = f64x2.splat(0);
    let d4 = f64x2.splat(0), d5 = f64x2.splat(0), d6 = f64x2.splat(0), d7 = f64x2.splat(0);
    let p = a + (<usize>j << 2);
    for (let r0 = 0; r0 < rows; r0 += 8) {
      const end = min(rows, r0 + 8);
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      for (let r = r0; r < end; r++) {
        let u0 = v128.load(p), u1 = v128.load(p, 16), u2 = v128.load(p, 32), u3 = v128.load(p, 48);
        if (mode == 1) {
          u0 = f32x4.abs(u0);
          u1 = f32x4.abs(u1);
          u2 = f32x4.abs(u2);
          u3 = f32x4.abs(u3);
        }
        a0 = f32x4.add(a0, u0);
        a1 = f32x4.add(a1, u1);
        a2 = f32x4.add(a2, u2);
        a3 = f32x4.add(a3, u3);
        p += ld;
      }
      d0 = f64x2.add(d0, lo64(a0));
      d1 = f64x2.add(d1, hi64(a0));
      d2 = f64x2.add(d2, lo64(a1));
      d3 = f64x2.add(d3, hi64(a1));
      d4 = f64x2.add(d4, lo64(a2));
      d5 = f64x2.add(d5, hi64(a2));
      d6 = f64x2.add(d6, lo64(a3));
      d7 = f64x2.add(d7, hi64(a3));
    }
    const o = out + (<usize>j << 2);
    storeScaled(o, f64x2.extract_lane(d0, 0), alpha, beta);
    storeScaled(o + 4, f64x2.extract_lane(d0, 1), alpha, beta);
    storeScaled(o + 8, f64x2.extract_lane(d1, 0), alpha, beta);
    storeScaled(o + 12, f64x2.extract_lane(d1, 1), alpha, beta);
    storeScaled(o + 16, f64x2.extract_lane(d2, 0), alpha, beta);
    storeScaled(o + 20, f64x2.extract_lane(d2, 1), alpha, beta);
    storeScaled(o + 24, f64x2.extract_lane(d3, 0), alpha, beta);
    storeScaled(o + 28, f64x2.extract_lane(d3, 1), alpha, beta);
    storeScaled(o + 32, f64x2.extract_lane(d4, 0), alpha, beta);
    storeScaled(o + 36, f64x2.extract_lane(d4, 1), alpha, beta);
    storeScaled(o + 40, f64x2.extract_lane(d5, 0), alpha, beta);
    storeScaled(o + 44, f64x2.extract_lane(d5, 1), alpha, beta);
    storeScaled(o + 48, f64x2.extract_lane(d6, 0), alpha, beta);
    storeScaled(o + 52, f64x2.extract_lane(d6, 1), alpha, beta);
    storeScaled(o + 56, f64x2.extract_lane(d7, 0), alpha, beta);
    storeScaled(o + 60, f64x2.extract_lane(d7, 1), alpha, beta);
  }
  for (; j + 8 <= cols; j += 8) {
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
    let p = a + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      let u = v128.load(p), v = v128.load(p, 16);
      if (mode == 1) {
        u = f32x4.abs(u);
        v = f32x4.abs(v);
      }
      s0 = f64x2.add(s0, lo64(u));
      s1 = f64x2.add(s1, hi64(u));
      s2 = f64x2.add(s2, lo64(v));
      s3 = f64x2.add(s3, hi64(v));
      p += ld;
    }
    const o = out + (<usize>j << 2);
    storeScaled(o, f64x2.extract_lane(s0, 0), alpha, beta);
    storeScaled(o + 4, f64x2.extract_lane(s0, 1), alpha, beta);
    storeScaled(o + 8, f64x2.extract_lane(s1, 0), alpha, beta);
    storeScaled(o + 12, f64x2.extract_lane(s1, 1), alpha, beta);
    storeScaled(o + 16, f64x2.extract_lane(s2, 0), alpha, beta);
    storeScaled(o + 20, f64x2.extract_lane(s2, 1), alpha, beta);
    storeScaled(o + 24, f64x2.extract_lane(s3, 0), alpha, beta);
    storeScaled(o + 28, f64x2.extract_lane(s3, 1), alpha, beta);
  }
  for (; j + 4 <= cols; j += 4) {
    let d0 = f64x2.splat(0), d1 = f64x2.splat(0);
    let p = a + (<usize>j << 2);
    for (let r0 = 0; r0 < rows; r0 += 8) {
      const end = min(rows, r0 + 8);
      let a0 = f32x4.splat(0);
      for (let r = r0; r < end; r++) {
        let u = v128.load(p);
        if (mode == 1) u = f32x4.abs(u);
        a0 = f32x4.add(a0, u);
        p += ld;
      }
      d0 = f64x2.add(d0, lo64(a0));
      d1 = f64x2.add(d1, hi64(a0));
    }
    const o = out + (<usize>j << 2);
    storeScaled(o, f64x2.extract_lane(d0, 0), alpha, beta);
    storeScaled(o + 4, f64x2.extract_lane(d0, 1), alpha, beta);
    storeScaled(o + 8, f64x2.extract_lane(d1, 0), alpha, beta);
    storeScaled(o + 12, f64x2.extract_lane(d1, 1), alpha, beta);
  }
  for (; j < cols; j++) {
    let s: f64 = 0;
    let p = a + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      const v = <f64>load<f32>(p);
      s += mode == 1 ? Math.abs(v) : v;
      p += ld;
    }
    storeScaled(out + (<usize>j << 2), s, alpha, beta);
  }
}

// @ts-ignore: decorator
@inline export function storeScaled(o: usize, s: f64, alpha: f64, beta: f64): void {
  store<f32>(o, <f32>(beta == 0 ? alpha * s : alpha * s + beta * <f64>load<f32>(o)));
}

