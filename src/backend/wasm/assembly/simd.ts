// Small SIMD helpers shared by the kernels (inlined; not exported from the module).

/**
 * c + a b: one fused multiply-add where the module is built with relaxed SIMD (kernels-fma.wasm, chosen at
 * start-up when the engine validates it), else a multiply then an add.
 */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Stores a tile of 4 x 2 vectors held in registers: row r's two at o + r rowBytes and 16 bytes after it. */
// @ts-ignore: decorator
@inline export function storeTile4x2(o: usize, rowBytes: usize, t00: v128, t01: v128, t10: v128, t11: v128, t20: v128, t21: v128, t30: v128, t31: v128): void {
  v128.store(o, t00);
  v128.store(o, t01, 16);
  v128.store(o + rowBytes, t10);
  v128.store(o + rowBytes, t11, 16);
  v128.store(o + 2 * rowBytes, t20);
  v128.store(o + 2 * rowBytes, t21, 16);
  v128.store(o + 3 * rowBytes, t30);
  v128.store(o + 3 * rowBytes, t31, 16);
}

/** The two f64x2 halves of an f32x4. */
// @ts-ignore: decorator
@inline export function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
// @ts-ignore: decorator
@inline export function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 2, 3));
}
// @ts-ignore: decorator
@inline export function hsum64(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * f64 sum of x[0:n] (mode 0) or of |x| (mode 1). Four f32x4 partial sums run over chunks of 64 values (each
 * lane adds 4 numbers in f32, exact to ~1e-7) and are folded into f64 per chunk: throughput-bound, where a
 * single f64 chain per pair of lanes was latency-bound (3x slower on a 784-wide row).
 */
// @ts-ignore: decorator
@inline export function rowSum(x: usize, n: i32, mode: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 64 <= n; i += 64) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let k = 0; k < 64; k += 16) {
      const p = x + (<usize>(i + k) << 2);
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
    }
    s0 = f64x2.add(s0, f64x2.add(lo64(a0), lo64(a1)));
    s1 = f64x2.add(s1, f64x2.add(hi64(a0), hi64(a1)));
    s0 = f64x2.add(s0, f64x2.add(lo64(a2), lo64(a3)));
    s1 = f64x2.add(s1, f64x2.add(hi64(a2), hi64(a3)));
  }
  for (; i + 4 <= n; i += 4) {
    let u = v128.load(x + (<usize>i << 2));
    if (mode == 1) u = f32x4.abs(u);
    s0 = f64x2.add(s0, lo64(u));
    s1 = f64x2.add(s1, hi64(u));
  }
  let s = hsum64(f64x2.add(s0, s1));
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += mode == 1 ? Math.abs(v) : v;
  }
  return s;
}


/**
 * Natural log in f64 for finite z > 0 (softmax's log-sum-exp), without the lookup tables of the standard
 * library's Math.log: the module then has no data segment, so a worker instantiating it writes nothing to
 * the shared memory. z = 2^e m with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m - 1) / (m + 1),
 * |s| < 0.172, by its series to s^23 (error < 1e-17).
 */
export function log64(z: f64): f64 {
  if (!(z > 0) || z == Infinity) return z == 0 ? -Infinity : z > 0 ? z : NaN;
  let bits = reinterpret<u64>(z);
  let e = <i32>(bits >> 52) - 1023;
  if (e == -1023) {
    // subnormal: scale into the normal range first
    z *= 18014398509481984.0; // 2^54
    bits = reinterpret<u64>(z);
    e = <i32>(bits >> 52) - 1023 - 54;
  }
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let p: f64 = 1.0 / 23;
  p = p * s2 + 1.0 / 21;
  p = p * s2 + 1.0 / 19;
  p = p * s2 + 1.0 / 17;
  p = p * s2 + 1.0 / 15;
  p = p * s2 + 1.0 / 13;
  p = p * s2 + 1.0 / 11;
  p = p * s2 + 1.0 / 9;
  p = p * s2 + 1.0 / 7;
  p = p * s2 + 1.0 / 5;
  p = p * s2 + 1.0 / 3;
  p = p * s2 + 1;
  return <f64>e * 0.6931471805599453 + 2 * s * p;
}
