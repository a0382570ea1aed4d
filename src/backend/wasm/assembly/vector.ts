// Elementwise vector kernels and full-vector reductions. Elementwise work is f32x4 with a scalar tail;
// reductions promote to f64x2 so they agree with the float64 reference to rounding of the result.

import { lo64, hi64, hsum64 } from './simd';

export function fill(y: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), value);
}

export function copy(x: usize, y: usize, n: i32): void {
  // memmove semantics, like TypedArray.set on overlapping views.
  memory.copy(y, x, <usize>n << 2);
}

export function scale(y: usize, n: i32, alpha: f32): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = y + (<usize>i << 2);
    v128.store(o, f32x4.mul(a, v128.load(o)));
  }
  for (; i < n; i++) {
    const o = y + (<usize>i << 2);
    store<f32>(o, alpha * load<f32>(o));
  }
}

export function axpy(n: i32, alpha: f32, x: usize, y: usize): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(f32x4.mul(a, v128.load(x + o)), v128.load(y + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, alpha * load<f32>(x + o) + load<f32>(y + o));
  }
}

/** y = alpha x + beta y; beta = 0 never reads y (NaN in y is ignored). */
export function axpby(n: i32, alpha: f32, x: usize, beta: f32, betaZero: i32, y: usize): void {
  const a = f32x4.splat(alpha);
  const b = f32x4.splat(beta);
  let i = 0;
  if (betaZero) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.mul(a, v128.load(x + o)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, alpha * load<f32>(x + o));
    }
    return;
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(f32x4.mul(a, v128.load(x + o)), f32x4.mul(b, v128.load(y + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, alpha * load<f32>(x + o) + beta * load<f32>(y + o));
  }
}

export function mul(x: usize, y: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(x + o) * load<f32>(y + o));
  }
}

// mode: 0 sum, 1 sum of |x|, 2 sum of x^2
// @ts-ignore: decorator
@inline function reduce(x: usize, n: i32, mode: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    let u = v128.load(x + (<usize>i << 2));
    let v = v128.load(x + (<usize>i << 2), 16);
    if (mode == 1) {
      u = f32x4.abs(u);
      v = f32x4.abs(v);
    }
    let a = lo64(u), b = hi64(u), c = lo64(v), d = hi64(v);
    if (mode == 2) {
      a = f64x2.mul(a, a);
      b = f64x2.mul(b, b);
      c = f64x2.mul(c, c);
      d = f64x2.mul(d, d);
    }
    s0 = f64x2.add(s0, a);
    s1 = f64x2.add(s1, b);
    s2 = f64x2.add(s2, c);
    s3 = f64x2.add(s3, d);
  }
  let s = hsum64(f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3)));
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += mode == 0 ? v : mode == 1 ? Math.abs(v) : v * v;
  }
  return s;
}

export function sum(x: usize, n: i32): f64 {
  return reduce(x, n, 0);
}
export function sumAbs(x: usize, n: i32): f64 {
  return reduce(x, n, 1);
}
export function sumSquares(x: usize, n: i32): f64 {
  return reduce(x, n, 2);
}

/**
 * sum |x - c|, then c = x: one pass for the updateSize tracker. Differences and blocks of 64 values are summed in
 * f32 (relative error ~1e-7 of the total), the blocks in f64.
 */
export function sumAbsDiffAndCopy(x: usize, c: usize, n: i32): f64 {
  let s: f64 = 0;
  let i = 0;
  while (i + 16 <= n) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    const stop = min(n, i + 64) & ~15;
    for (; i < stop; i += 8) {
      const o = <usize>i << 2;
      const u = v128.load(x + o), u1 = v128.load(x + o, 16);
      a0 = f32x4.add(a0, f32x4.abs(f32x4.sub(u, v128.load(c + o))));
      a1 = f32x4.add(a1, f32x4.abs(f32x4.sub(u1, v128.load(c + o, 16))));
      v128.store(c + o, u);
      v128.store(c + o, u1, 16);
    }
    const t = f32x4.add(a0, a1);
    s += <f64>f32x4.extract_lane(t, 0) + <f64>f32x4.extract_lane(t, 1) + <f64>f32x4.extract_lane(t, 2) + <f64>f32x4.extract_lane(t, 3);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const u = load<f32>(x + o);
    s += abs<f64>(<f64>u - <f64>load<f32>(c + o));
    store<f32>(c + o, u);
  }
  return s;
}

export function dot(x: usize, y: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const u = v128.load(x + (<usize>i << 2));
    const v = v128.load(y + (<usize>i << 2));
    s0 = f64x2.add(s0, f64x2.mul(lo64(u), lo64(v)));
    s1 = f64x2.add(s1, f64x2.mul(hi64(u), hi64(v)));
  }
  let s = hsum64(f64x2.add(s0, s1));
  for (; i < n; i++) s += <f64>load<f32>(x + (<usize>i << 2)) * <f64>load<f32>(y + (<usize>i << 2));
  return s;
}

/** 1 if any value is NaN or infinite: x * 0 is NaN exactly for those. */
export function hasNonFinite(x: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let acc = zero;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    acc = f32x4.add(acc, f32x4.mul(v128.load(x + (<usize>i << 2)), zero));
    // Check now and then so a NaN early in a long vector returns early.
    if ((i & 4095) == 0 && v128.any_true(f32x4.ne(acc, acc))) return 1;
  }
  if (v128.any_true(f32x4.ne(acc, acc))) return 1;
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) return 1;
  }
  return 0;
}

/**
 * out[j] = lut[c * 256 + src[s]] with s = perm[j] (perm != 0) or j, c = s / plane: pixel bytes to inputs,
 * normalized through the table and permuted, in one pass. Returns how many permutation entries were outside
 * [0, n) (those outputs are left as they were).
 */
export function encodeBytes(src: usize, n: i32, plane: i32, lut: usize, perm: usize, out: usize): i32 {
  let bad = 0;
  if (perm == 0) {
    if (plane >= n) {
      for (let j = 0; j < n; j++) store<f32>(out + (<usize>j << 2), load<f32>(lut + (<usize>load<u8>(src + <usize>j) << 2)));
    } else {
      for (let j = 0; j < n; j++) {
        const c = j / plane;
        store<f32>(out + (<usize>j << 2), load<f32>(lut + ((<usize>c << 10) + (<usize>load<u8>(src + <usize>j) << 2))));
      }
    }
    return 0;
  }
  if (plane >= n) {
    for (let j = 0; j < n; j++) {
      const s = load<i32>(perm + (<usize>j << 2));
      if (<u32>s >= <u32>n) {
        bad++;
        continue;
      }
      store<f32>(out + (<usize>j << 2), load<f32>(lut + (<usize>load<u8>(src + <usize>s) << 2)));
    }
  } else {
    for (let j = 0; j < n; j++) {
      const s = load<i32>(perm + (<usize>j << 2));
      if (<u32>s >= <u32>n) {
        bad++;
        continue;
      }
      const c = s / plane;
      store<f32>(out + (<usize>j << 2), load<f32>(lut + ((<usize>c << 10) + (<usize>load<u8>(src + <usize>s) << 2))));
    }
  }
  return bad;
}
