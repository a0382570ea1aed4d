// Losses and argmax. Labels are validated on the JavaScript side before a kernel reads them as indices.

import { exp4 } from './expf';
import { lo64, hi64, hsum64, log64 } from './simd';

/**
 * Per row: e_j = exp(l_j - max) is written to dlogits and summed in f64 (z), then dlogits = scale (e_j / z -
 * onehot). Returns the summed loss, lse - l_label with lse = max + log z, in f64.
 */
export function softmaxCrossEntropy(logits: usize, labels: usize, rows: i32, cols: i32, ld: i32, scale: f64, dlogits: usize): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * <usize>ld << 2;
    const l = logits + o, d = dlogits + o;
    const label = <i32>load<f32>(labels + (<usize>r << 2));
    const ll = <f64>load<f32>(l + (<usize>label << 2)); // read first: dlogits may alias logits
    // max (f32 max propagates NaN, as Math.max)
    let mv = f32x4.splat(-Infinity);
    let j = 0;
    for (; j + 4 <= cols; j += 4) mv = f32x4.max(mv, v128.load(l + (<usize>j << 2)));
    let mx = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (; j < cols; j++) mx = max(mx, load<f32>(l + (<usize>j << 2)));
    const vm = f32x4.splat(mx);
    let z0 = f64x2.splat(0), z1 = f64x2.splat(0);
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      const e = exp4(f32x4.sub(v128.load(l + (<usize>j << 2)), vm));
      v128.store(d + (<usize>j << 2), e);
      z0 = f64x2.add(z0, lo64(e));
      z1 = f64x2.add(z1, hi64(e));
    }
    let z = hsum64(f64x2.add(z0, z1));
    for (; j < cols; j++) {
      const e = f32x4.extract_lane(exp4(f32x4.splat(load<f32>(l + (<usize>j << 2)) - mx)), 0);
      store<f32>(d + (<usize>j << 2), e);
      z += <f64>e;
    }
    total += (<f64>mx + log64(z)) - ll;
    const inv = <f32>(1 / z);
    const pl = load<f32>(d + (<usize>label << 2)) * inv;
    const s32 = <f32>scale;
    const vs = f32x4.splat(s32), vi = f32x4.splat(inv);
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      const q = d + (<usize>j << 2);
      v128.store(q, f32x4.mul(vs, f32x4.mul(v128.load(q), vi)));
    }
    for (; j < cols; j++) {
      const q = d + (<usize>j << 2);
      store<f32>(q, s32 * (load<f32>(q) * inv));
    }
    store<f32>(d + (<usize>label << 2), s32 * (pl - 1));
    for (j = cols; j < ld; j++) store<f32>(d + (<usize>j << 2), 0);
  }
  return total;
}

/** Returns sum (pred - target)^2 (f64) and writes dpred = 2 scale (pred - target). */
export function squaredError(pred: usize, target: usize, n: i32, scale: f64, dpred: usize): f64 {
  const s2 = <f32>(2 * scale);
  const vs = f32x4.splat(s2);
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(pred + o), t = v128.load(target + o);
    const dl = f64x2.sub(lo64(p), lo64(t)), dh = f64x2.sub(hi64(p), hi64(t));
    a0 = f64x2.add(a0, f64x2.mul(dl, dl));
    a1 = f64x2.add(a1, f64x2.mul(dh, dh));
    v128.store(dpred + o, f32x4.mul(vs, f32x4.sub(p, t)));
  }
  let s = hsum64(f64x2.add(a0, a1));
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(pred + o), t = load<f32>(target + o);
    const d = <f64>p - <f64>t;
    s += d * d;
    store<f32>(dpred + o, s2 * (p - t));
  }
  return s;
}

/** out[r] = index of the first largest of the first cols values of row r (NaN never wins; 0 if none is > -Inf). */
export function argmaxRows(a: usize, rows: i32, cols: i32, ld: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = a + (<usize>r * <usize>ld << 2);
    let best: f32 = -Infinity;
    let at = 0;
    for (let j = 0; j < cols; j++) {
      const v = load<f32>(row + (<usize>j << 2));
      if (v > best) {
        best = v;
        at = j;
      }
    }
    store<f32>(out + (<usize>r << 2), <f32>at);
  }
}
