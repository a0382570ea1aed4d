// Continual backprop's per-step utility update of one dense layer at batch 1 (Backend.cbpUtility): the sums of
// |weights| it reads and the loop over units in one call, in the arithmetic of the reference (f64, same order).

import { colSums } from './colSums';
import { lo64, hi64, hsum64, rowSum } from './simd';

/**
 * out = colSumsAbs(a [rows, cols]) bit for bit: the same 16-column blocks and the same chain of operations per column
 * (float32 partial sums over groups of 8 rows, added in float64), with |x| as a mask of the sign bit kept in a
 * register (f32x4.abs rebuilds its mask at every use: two more instructions per vector). The columns past the last
 * block go through colSums itself.
 */
function colSumsAbs16(a: usize, rows: i32, cols: i32, out: usize): void {
  const ld = <usize>cols << 2;
  const m = i32x4.splat(0x7fffffff);
  let j = 0;
  for (; j + 16 <= cols; j += 16) {
    let d0 = f64x2.splat(0), d1 = f64x2.splat(0), d2 = f64x2.splat(0), d3 = f64x2.splat(0);
    let d4 = f64x2.splat(0), d5 = f64x2.splat(0), d6 = f64x2.splat(0), d7 = f64x2.splat(0);
    let p = a + (<usize>j << 2);
    for (let r0 = 0; r0 < rows; r0 += 8) {
      const end = min(rows, r0 + 8);
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      for (let r = r0; r < end; r++) {
        a0 = f32x4.add(a0, v128.and(v128.load(p), m));
        a1 = f32x4.add(a1, v128.and(v128.load(p, 16), m));
        a2 = f32x4.add(a2, v128.and(v128.load(p, 32), m));
        a3 = f32x4.add(a3, v128.and(v128.load(p, 48), m));
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
    v128.store(o, f32x4.shuffle(f32x4.demote_f64x2_zero(d0), f32x4.demote_f64x2_zero(d1), 0, 1, 4, 5));
    v128.store(o, f32x4.shuffle(f32x4.demote_f64x2_zero(d2), f32x4.demote_f64x2_zero(d3), 0, 1, 4, 5), 16);
    v128.store(o, f32x4.shuffle(f32x4.demote_f64x2_zero(d4), f32x4.demote_f64x2_zero(d5), 0, 1, 4, 5), 32);
    v128.store(o, f32x4.shuffle(f32x4.demote_f64x2_zero(d6), f32x4.demote_f64x2_zero(d7), 0, 1, 4, 5), 48);
  }
  if (j < cols) colSums(a + (<usize>j << 2), rows, cols - j, ld, 1, 1, 0, out + (<usize>j << 2));
}

/**
 * out = rowSumsAbs(a [rows, cols]) bit for bit: each row's sum is simd.ts rowSum's chain of operations (four float32
 * partial sums per chunk of 64 values folded into two f64x2 sums, then 4-value vectors, then single values), with
 * |x| as a mask of the sign bit kept in a register, and two rows at a time so that their f64 folds overlap.
 */
function rowSumsAbs2(a: usize, rows: i32, cols: i32, out: usize): void {
  const m = i32x4.splat(0x7fffffff);
  const ld = <usize>cols << 2;
  let r = 0;
  for (; r + 2 <= rows; r += 2) {
    const x = a + <usize>r * ld, y = x + ld;
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), t0 = f64x2.splat(0), t1 = f64x2.splat(0);
    let i = 0;
    for (; i + 64 <= cols; i += 64) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
      for (let k = 0; k < 64; k += 16) {
        const o = <usize>(i + k) << 2;
        a0 = f32x4.add(a0, v128.and(v128.load(x + o), m));
        a1 = f32x4.add(a1, v128.and(v128.load(x + o, 16), m));
        a2 = f32x4.add(a2, v128.and(v128.load(x + o, 32), m));
        a3 = f32x4.add(a3, v128.and(v128.load(x + o, 48), m));
        b0 = f32x4.add(b0, v128.and(v128.load(y + o), m));
        b1 = f32x4.add(b1, v128.and(v128.load(y + o, 16), m));
        b2 = f32x4.add(b2, v128.and(v128.load(y + o, 32), m));
        b3 = f32x4.add(b3, v128.and(v128.load(y + o, 48), m));
      }
      s0 = f64x2.add(s0, f64x2.add(lo64(a0), lo64(a1)));
      s1 = f64x2.add(s1, f64x2.add(hi64(a0), hi64(a1)));
      t0 = f64x2.add(t0, f64x2.add(lo64(b0), lo64(b1)));
      t1 = f64x2.add(t1, f64x2.add(hi64(b0), hi64(b1)));
      s0 = f64x2.add(s0, f64x2.add(lo64(a2), lo64(a3)));
      s1 = f64x2.add(s1, f64x2.add(hi64(a2), hi64(a3)));
      t0 = f64x2.add(t0, f64x2.add(lo64(b2), lo64(b3)));
      t1 = f64x2.add(t1, f64x2.add(hi64(b2), hi64(b3)));
    }
    for (; i + 4 <= cols; i += 4) {
      const o = <usize>i << 2;
      const u = v128.and(v128.load(x + o), m), v = v128.and(v128.load(y + o), m);
      s0 = f64x2.add(s0, lo64(u));
      s1 = f64x2.add(s1, hi64(u));
      t0 = f64x2.add(t0, lo64(v));
      t1 = f64x2.add(t1, hi64(v));
    }
    let s = hsum64(f64x2.add(s0, s1)), t = hsum64(f64x2.add(t0, t1));
    for (; i < cols; i++) {
      const o = <usize>i << 2;
      s += Math.abs(<f64>load<f32>(x + o));
      t += Math.abs(<f64>load<f32>(y + o));
    }
    store<f32>(out + (<usize>r << 2), <f32>s);
    store<f32>(out + (<usize>(r + 1) << 2), <f32>t);
  }
  if (r < rows) store<f32>(out + (<usize>r << 2), <f32>rowSum(a + <usize>r * ld, cols, 1));
}

/**
 * colSum (skipped when wOut is 0: the caller filled it), rowSum (adaptable: rowSum != 0; skipped when wIn is 0: the
 * caller filled it), then per unit: age, decay
 * power, running mean and its bias-corrected value (mean != 0), this step's utility value and its running average.
 * The state is f64 rows of `units` values (utility, age, power, and with withMean the mean and its corrected
 * value); the rest is f32. Returns the units older than `maturity`.
 */
export function cbpUtilityStep(
  units: i32,
  rowsOut: i32,
  wOut: usize,
  h: usize,
  inSize: i32,
  wIn: usize,
  decay: f64,
  maturity: f64,
  withMean: i32,
  state: usize,
  colSum: usize,
  rowSum: usize,
): i32 {
  const row = <usize>units << 3;
  const utility = state, age = state + row, power = state + 2 * row;
  const mean = withMean != 0 ? state + 3 * row : 0, corrected = state + 4 * row;
  if (wOut != 0) colSumsAbs16(wOut, rowsOut, units, colSum);
  if (wIn != 0) rowSumsAbs2(wIn, units, inSize, rowSum);
  const rest = 1 - decay;
  const rows = <f64>rowsOut, size = <f64>inSize;
  // Two units at a time in f64x2 lanes (each lane's operations are the scalar ones below, so the results are too).
  const vDecay = f64x2.splat(decay), vRest = f64x2.splat(rest), vOne = f64x2.splat(1), vZero = f64x2.splat(0);
  const vMaturity = f64x2.splat(maturity), vRows = f64x2.splat(rows), vSize = f64x2.splat(size), vInf = f64x2.splat(Infinity);
  let vMature = i64x2.splat(0);
  let i = 0;
  for (; i + 2 <= units; i += 2) {
    const o8 = <usize>i << 3, o4 = <usize>i << 2;
    const a = f64x2.add(v128.load(age + o8), vOne);
    v128.store(age + o8, a);
    const pw = f64x2.mul(v128.load(power + o8), vDecay);
    v128.store(power + o8, pw);
    vMature = i64x2.sub(vMature, f64x2.gt(a, vMaturity));
    const x = f64x2.promote_low_f32x4(v128.load64_zero(h + o4));
    const col = f64x2.promote_low_f32x4(v128.load64_zero(colSum + o4));
    let mc = vZero;
    if (mean != 0) {
      const mi = f64x2.add(f64x2.mul(vDecay, v128.load(mean + o8)), f64x2.mul(vRest, f64x2.add(vZero, x)));
      v128.store(mean + o8, mi);
      mc = f64x2.div(mi, f64x2.sub(vOne, pw));
      v128.store(corrected + o8, mc);
    }
    let y: v128;
    if (rowSum != 0) {
      const v = f64x2.div(f64x2.mul(f64x2.abs(f64x2.sub(x, mc)), col), vRows);
      const inMag = f64x2.div(f64x2.promote_low_f32x4(v128.load64_zero(rowSum + o4)), vSize);
      const zeroRow = v128.bitselect(vInf, vZero, f64x2.gt(v, vZero));
      y = v128.bitselect(f64x2.div(v, inMag), zeroRow, f64x2.gt(inMag, vZero));
    } else y = f64x2.mul(f64x2.abs(x), col);
    v128.store(utility + o8, f64x2.add(f64x2.mul(vDecay, v128.load(utility + o8)), f64x2.mul(vRest, y)));
  }
  let mature = <i32>(i64x2.extract_lane(vMature, 0) + i64x2.extract_lane(vMature, 1));
  for (; i < units; i++) {
    const o8 = <usize>i << 3, o4 = <usize>i << 2;
    const a = load<f64>(age + o8) + 1;
    store<f64>(age + o8, a);
    const pw = load<f64>(power + o8) * decay;
    store<f64>(power + o8, pw);
    if (a > maturity) mature++;
    const x = <f64>load<f32>(h + o4);
    const col = <f64>load<f32>(colSum + o4);
    let mc: f64 = 0;
    if (mean != 0) {
      // 0 + x: the mean over one example as a sum computes it (-0 becomes 0).
      const mi = decay * load<f64>(mean + o8) + rest * (0 + x);
      store<f64>(mean + o8, mi);
      mc = mi / (1 - pw);
      store<f64>(corrected + o8, mc);
    }
    let y: f64;
    if (rowSum != 0) {
      const v = (Math.abs(x - mc) * col) / rows;
      const inMag = <f64>load<f32>(rowSum + o4) / size;
      y = inMag > 0 ? v / inMag : v > 0 ? Infinity : 0;
    } else y = Math.abs(x) * col;
    store<f64>(utility + o8, decay * load<f64>(utility + o8) + rest * y);
  }
  return mature;
}
