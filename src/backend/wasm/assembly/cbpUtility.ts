// Continual backprop's per-step utility update of one dense layer at batch 1 (Backend.cbpUtility): the sums of
// |weights| it reads and the loop over units in one call, in the arithmetic of the reference (f64, same order).

import { colSumsAbs, rowSumsAbs } from './matrix';

/**
 * colSum (skipped when wOut is 0: the caller filled it), rowSum (adaptable: wIn != 0), then per unit: age, decay
 * power, running mean and its bias-corrected value (mean != 0), this step's utility value and its running average.
 * State arrays (utility .. corrected) are f64; the rest f32. Returns the units older than `maturity`.
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
  utility: usize,
  age: usize,
  power: usize,
  mean: usize,
  corrected: usize,
  colSum: usize,
  rowSum: usize,
): i32 {
  if (wOut != 0) colSumsAbs(wOut, rowsOut, units, colSum);
  if (wIn != 0) rowSumsAbs(wIn, units, inSize, rowSum);
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
    if (wIn != 0) {
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
    if (wIn != 0) {
      const v = (Math.abs(x - mc) * col) / rows;
      const inMag = <f64>load<f32>(rowSum + o4) / size;
      y = inMag > 0 ? v / inMag : v > 0 ? Infinity : 0;
    } else y = Math.abs(x) * col;
    store<f64>(utility + o8, decay * load<f64>(utility + o8) + rest * y);
  }
  return mature;
}
