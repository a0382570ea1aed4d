// The first layer's SGD update of the whole online step with the sum of |w| of each row it writes
// (Backend.denseReluStep's rowAbsSums): continual backprop's adaptable utility reads these sums every step, and
// the update pass has each new weight in a register already, where a separate pass would read the 784-wide rows
// again (~8 us on the 784-100 layer).

import { linearBackwardSingle, madd } from './linear';
import { lo64, hi64, hsum64, rowSum } from './simd';

/**
 * linearBackwardSingle(out, inp, dy, x, w, 0, alpha, beta, w, balpha, bbeta, bb, 0) (no input gradient: a first
 * layer), and for each row it writes (dy != 0, or beta != 1) sums[row] = f32(rowSum(row, inp, 1)), the sum of |w|
 * over the updated row in simd.ts rowSum's chain of operations (so rowSumsAbs's bits). Rows it leaves as they are
 * keep their entry.
 */
export function linearBackwardSingleRowSums(out: i32, inp: i32, dy: usize, x: usize, w: usize, alpha: f64, beta: f64, balpha: f64, bbeta: f64, bb: usize, sums: usize): void {
  const rowBytes = <usize>inp << 2;
  const al = <f32>alpha, bt = <f32>beta;
  for (let i = 0; i < out; i++) {
    const o = <usize>i << 2;
    const wr = w + <usize>i * rowBytes;
    const d = load<f32>(dy + o);
    if (bt == 1 && d != 0) {
      if (bb) {
        const bal = <f32>balpha, bbt = <f32>bbeta;
        const q = bb + o;
        store<f32>(q, bbt == 0 ? bal * d : bal * d + bbt * load<f32>(q));
      }
      store<f32>(sums + o, <f32>sgdRowAbsSum(wr, inp, x, al * d));
    } else {
      // One row of the general update (its bias too), then its sum while the row is in L1.
      linearBackwardSingle(1, inp, dy + o, x, wr, 0, alpha, beta, wr, balpha, bbeta, bb ? bb + o : 0, 0);
      if (d != 0 || bt != 1) store<f32>(sums + o, <f32>rowSum(wr, inp, 1));
    }
  }
}

/**
 * row += s x, as linearBackwardSingle's row sweep (madd per vector, 16 values per turn, then vectors, then single
 * values), returning the sum of |new row| as rowSum(row, n, 1) adds it: four f32x4 partial sums over each chunk of 64
 * values folded into f64, then the vectors past the last chunk, then the single values. Bumped pointers, as the
 * plain sweep (addressing by index ran it 1.6x slower).
 */
// @ts-ignore: decorator
@inline function sgdRowAbsSum(row: usize, n: i32, x: usize, s: f32): f64 {
  const vs = f32x4.splat(s);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let q = row, xp = x;
  const end64 = row + (<usize>(n & ~63) << 2);
  while (q < end64) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    const chunkEnd = q + 256;
    while (q < chunkEnd) {
      const u0 = madd(vs, v128.load(xp), v128.load(q));
      const u1 = madd(vs, v128.load(xp, 16), v128.load(q, 16));
      const u2 = madd(vs, v128.load(xp, 32), v128.load(q, 32));
      const u3 = madd(vs, v128.load(xp, 48), v128.load(q, 48));
      v128.store(q, u0);
      v128.store(q, u1, 16);
      v128.store(q, u2, 32);
      v128.store(q, u3, 48);
      a0 = f32x4.add(a0, f32x4.abs(u0));
      a1 = f32x4.add(a1, f32x4.abs(u1));
      a2 = f32x4.add(a2, f32x4.abs(u2));
      a3 = f32x4.add(a3, f32x4.abs(u3));
      q += 64;
      xp += 64;
    }
    s0 = f64x2.add(s0, f64x2.add(lo64(a0), lo64(a1)));
    s1 = f64x2.add(s1, f64x2.add(hi64(a0), hi64(a1)));
    s0 = f64x2.add(s0, f64x2.add(lo64(a2), lo64(a3)));
    s1 = f64x2.add(s1, f64x2.add(hi64(a2), hi64(a3)));
  }
  const end4 = row + (<usize>(n & ~3) << 2);
  while (q < end4) {
    const u = madd(vs, v128.load(xp), v128.load(q));
    v128.store(q, u);
    const a = f32x4.abs(u);
    s0 = f64x2.add(s0, lo64(a));
    s1 = f64x2.add(s1, hi64(a));
    q += 16;
    xp += 16;
  }
  let t = hsum64(f64x2.add(s0, s1));
  const end = row + (<usize>n << 2);
  while (q < end) {
    const u = load<f32>(q) + s * load<f32>(xp);
    store<f32>(q, u);
    t += Math.abs(<f64>u);
    q += 4;
    xp += 4;
  }
  return t;
}
