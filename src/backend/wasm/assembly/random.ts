// Gaussian noise for shrink-and-perturb: y += sigma * N(0, 1) over a whole parameter, four lanes at a time.
// Each lane runs its own xoshiro128** stream seeded from the four seeds (the same lane streams as the
// reference backend); Box-Muller turns pairs of uniforms into pairs of normals with f32 polynomial log, sin
// and cos (errors below 1e-6 relative, far below the noise they make).

// @ts-ignore: decorator
@inline function rotl4(x: v128, k: i32): v128 {
  return v128.or(i32x4.shl(x, k), i32x4.shr_u(x, 32 - k));
}

/** murmur3's fmix32 on four lanes (seeding). */
// @ts-ignore: decorator
@inline function mix4(h: v128): v128 {
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, i32x4.splat(0x85ebca6b));
  h = v128.xor(h, i32x4.shr_u(h, 13));
  h = i32x4.mul(h, i32x4.splat(0xc2b2ae35));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

/**
 * ln(x) for x in (0, 1]: x = 2^e m with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s), s = (m - 1)/(m + 1),
 * |s| < 0.172, by its series to s^9 (truncation < 2e-9). One division per four lanes.
 */
// @ts-ignore: decorator
@inline function log4(x: v128): v128 {
  let e = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(127));
  let m = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  // m in [1, 2): move the upper half down to [sqrt(1/2), 1).
  const big = f32x4.gt(m, f32x4.splat(1.41421356));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  e = i32x4.sub(e, big); // big lanes are -1: e + 1
  const s = f32x4.div(f32x4.sub(m, f32x4.splat(1)), f32x4.add(m, f32x4.splat(1)));
  const s2 = f32x4.mul(s, s);
  let p = f32x4.splat(2.0 / 9.0);
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(2.0 / 7.0));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(2.0 / 5.0));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(2.0 / 3.0));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(2.0));
  return f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(e), f32x4.splat(0.693147181)), f32x4.mul(s, p));
}

/** sin and cos of x in [-pi/2, pi/2] by their Taylor series to x^11 and x^12 (truncation < 6e-8). */
// @ts-ignore: decorator
@inline function sin4(x: v128): v128 {
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(-1.0 / 39916800.0);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.0 / 362880.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 5040.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 6.0));
  return f32x4.add(x, f32x4.mul(f32x4.mul(p, x2), x));
}
// @ts-ignore: decorator
@inline function cos4(x: v128): v128 {
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(1.0 / 479001600.0);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 3628800.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.0 / 40320.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-0.5));
  return f32x4.add(f32x4.splat(1), f32x4.mul(p, x2));
}

/**
 * y[i] += sigma * z_i for i < n, z standard normal. Lane L (0..3) seeds its xoshiro128** state with
 * w_k = fmix32(seed_k + L * 0x632be5ab); each round draws u1, u2 per lane and writes 8 values: y[8r + L] gets
 * r cos(t) and y[8r + 4 + L] gets r sin(t), with r = sqrt(-2 ln u1), t = 2 pi (u2 - 1/2),
 * u1 = ((a >>> 8) + 1) 2^-24 in (0, 1], u2 = (b >>> 8) 2^-24.
 */
export function addNormal(y: usize, n: i32, sigma: f32, seed0: i32, seed1: i32, seed2: i32, seed3: i32): void {
  const lane = i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(0x632be5ab));
  let s0 = mix4(i32x4.add(i32x4.splat(seed0), lane));
  let s1 = mix4(i32x4.add(i32x4.splat(seed1), lane));
  let s2 = mix4(i32x4.add(i32x4.splat(seed2), lane));
  let s3 = mix4(i32x4.add(i32x4.splat(seed3), lane));
  // An all-zero state never leaves zero.
  const dead = i32x4.eq(v128.or(v128.or(s0, s1), v128.or(s2, s3)), i32x4.splat(0));
  s0 = v128.or(s0, v128.and(dead, i32x4.splat(1)));
  const sig = f32x4.splat(sigma);
  const scale = f32x4.splat(5.9604644775390625e-8); // 2^-24
  for (let i = 0; i < n; i += 8) {
    // Two xoshiro128** steps: a then b.
    let a = i32x4.mul(rotl4(i32x4.mul(s1, i32x4.splat(5)), 7), i32x4.splat(9));
    let t = i32x4.shl(s1, 9);
    s2 = v128.xor(s2, s0);
    s3 = v128.xor(s3, s1);
    s1 = v128.xor(s1, s2);
    s0 = v128.xor(s0, s3);
    s2 = v128.xor(s2, t);
    s3 = rotl4(s3, 11);
    const b = i32x4.mul(rotl4(i32x4.mul(s1, i32x4.splat(5)), 7), i32x4.splat(9));
    t = i32x4.shl(s1, 9);
    s2 = v128.xor(s2, s0);
    s3 = v128.xor(s3, s1);
    s1 = v128.xor(s1, s2);
    s0 = v128.xor(s0, s3);
    s2 = v128.xor(s2, t);
    s3 = rotl4(s3, 11);
    // Below 2^24 after the shift: the signed conversion is exact (and much cheaper than the unsigned one on x64).
    const u1 = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(i32x4.shr_u(a, 8), i32x4.splat(1))), scale);
    const u2 = f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(b, 8)), scale);
    const r = f32x4.sqrt(f32x4.mul(f32x4.splat(-2), log4(u1)));
    // t = 2 pi (u2 - 1/2) in [-pi, pi): half angle h in [-pi/2, pi/2); sin t = 2 sin h cos h, cos t = 1 - 2 sin^2 h.
    const h = f32x4.mul(f32x4.sub(u2, f32x4.splat(0.5)), f32x4.splat(3.14159265));
    const sh = sin4(h), ch = cos4(h);
    const z1 = f32x4.mul(r, f32x4.sub(f32x4.splat(1), f32x4.mul(f32x4.splat(2), f32x4.mul(sh, sh))));
    const z2 = f32x4.mul(r, f32x4.mul(f32x4.splat(2), f32x4.mul(sh, ch)));
    const p = y + (<usize>i << 2);
    if (i + 8 <= n) {
      v128.store(p, f32x4.add(v128.load(p), f32x4.mul(sig, z1)));
      v128.store(p, f32x4.add(v128.load(p, 16), f32x4.mul(sig, z2)), 16);
    } else {
      // The last round: only the values that exist.
      for (let k = 0; k < 8 && i + k < n; k++) {
        const z = k < 4 ? extract(z1, k) : extract(z2, k - 4);
        store<f32>(p + (<usize>k << 2), load<f32>(p + (<usize>k << 2)) + sigma * z);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function extract(v: v128, k: i32): f32 {
  return k == 0 ? f32x4.extract_lane(v, 0) : k == 1 ? f32x4.extract_lane(v, 1) : k == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3);
}

// --- shrinkAddNormal: y = shrink y + sigma z in one pass, a cheaper generator than addNormal's ---
// Every operation is a float32 one in a fixed order (no fused multiply-add), so the TypeScript reference repeats it bit
// for bit. Per round of 16 values: two xoshiro128+ draws per lane of two sets of four (the upper bits of s0 + s3: Vigna's choice for
// floats, without the ** scrambler's two multiplies), ln by a polynomial in Estrin's order (no division, a short
// dependency chain), and sin/cos of a quarter angle doubled twice (short polynomials instead of addNormal's long ones).

/** a * b + c, rounded after each step (two float32 operations, never fused). */
// @ts-ignore: decorator
@inline function mad(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * -2 ln(x) for x in (0, 1]: x = 2^e m, m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact), ln m = f - f^2/2 + f^3 P(f)
 * with Cephes' logf polynomial P of degree 8 (relative error ~1e-7), evaluated in Estrin's order.
 */
// @ts-ignore: decorator
@inline function minus2Log4(x: v128): v128 {
  let e = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(127));
  let m = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  const big = f32x4.gt(m, f32x4.splat(1.41421356));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  e = i32x4.sub(e, big); // big lanes are -1: e + 1
  const f = f32x4.sub(m, f32x4.splat(1));
  const f2 = f32x4.mul(f, f);
  const f4 = f32x4.mul(f2, f2);
  const p01 = mad(f32x4.splat(-2.4999993993e-1), f, f32x4.splat(3.3333331174e-1));
  const p23 = mad(f32x4.splat(-1.666805766e-1), f, f32x4.splat(2.0000714765e-1));
  const p45 = mad(f32x4.splat(-1.242014084e-1), f, f32x4.splat(1.4249322787e-1));
  const p67 = mad(f32x4.splat(-1.151461031e-1), f, f32x4.splat(1.167699874e-1));
  const p03 = mad(p23, f2, p01);
  const p47 = mad(p67, f2, p45);
  const p = mad(mad(f32x4.splat(7.0376836292e-2), f4, p47), f4, p03);
  const lnm = f32x4.add(f, mad(f32x4.mul(f2, f), p, f32x4.mul(f2, f32x4.splat(-0.5))));
  return f32x4.mul(f32x4.splat(-2), mad(f32x4.convert_i32x4_s(e), f32x4.splat(0.693147181), lnm));
}

/**
 * y[i] = shrink y[i] + sigma z_i for i < n, z standard normal (shrink and perturb in one pass). Eight lanes, two
 * sets of four (two independent chains per round keep more of the core busy: 1.4x over one set). Lane L (0..7)
 * seeds its xoshiro128+ state with w_k = fmix32(seed_k + L * 0x632be5ab); each round of 16 values draws a then b in
 * every lane and writes y[16r + L] (cos) and y[16r + 4 + L] (sin) for L < 4, y[16r + 8 + (L - 4)] (cos) and
 * y[16r + 12 + (L - 4)] (sin) for L >= 4: R = sqrt(-2 ln u), u = ((a >>> 8) + 1) 2^-24 in (0, 1]; the angle is 4q,
 * q = (b >> 8) (pi/4) 2^-23 in [-pi/4, pi/4); value = shrink y + (sigma R) cos(4q) (or sin).
 */
export function shrinkAddNormal(y: usize, n: i32, shrink: f32, sigma: f32, seed0: i32, seed1: i32, seed2: i32, seed3: i32): void {
  const step = i32x4.splat(0x632be5ab);
  const laneA = i32x4.mul(i32x4(0, 1, 2, 3), step), laneB = i32x4.mul(i32x4(4, 5, 6, 7), step);
  let s0 = mix4(i32x4.add(i32x4.splat(seed0), laneA));
  let s1 = mix4(i32x4.add(i32x4.splat(seed1), laneA));
  let s2 = mix4(i32x4.add(i32x4.splat(seed2), laneA));
  let s3 = mix4(i32x4.add(i32x4.splat(seed3), laneA));
  let t0 = mix4(i32x4.add(i32x4.splat(seed0), laneB));
  let t1 = mix4(i32x4.add(i32x4.splat(seed1), laneB));
  let t2 = mix4(i32x4.add(i32x4.splat(seed2), laneB));
  let t3 = mix4(i32x4.add(i32x4.splat(seed3), laneB));
  // An all-zero state never leaves zero.
  const zero = i32x4.splat(0), oneBit = i32x4.splat(1);
  s0 = v128.or(s0, v128.and(i32x4.eq(v128.or(v128.or(s0, s1), v128.or(s2, s3)), zero), oneBit));
  t0 = v128.or(t0, v128.and(i32x4.eq(v128.or(v128.or(t0, t1), v128.or(t2, t3)), zero), oneBit));
  const sig = f32x4.splat(sigma), shr = f32x4.splat(shrink);
  for (let i = 0; i < n; i += 16) {
    // Two xoshiro128+ steps per lane set: a then b.
    const a = i32x4.add(s0, s3);
    let x = i32x4.shl(s1, 9);
    s2 = v128.xor(s2, s0);
    s3 = v128.xor(s3, s1);
    s1 = v128.xor(s1, s2);
    s0 = v128.xor(s0, s3);
    s2 = v128.xor(s2, x);
    s3 = rotl4(s3, 11);
    const b = i32x4.add(s0, s3);
    x = i32x4.shl(s1, 9);
    s2 = v128.xor(s2, s0);
    s3 = v128.xor(s3, s1);
    s1 = v128.xor(s1, s2);
    s0 = v128.xor(s0, s3);
    s2 = v128.xor(s2, x);
    s3 = rotl4(s3, 11);
    const c = i32x4.add(t0, t3);
    x = i32x4.shl(t1, 9);
    t2 = v128.xor(t2, t0);
    t3 = v128.xor(t3, t1);
    t1 = v128.xor(t1, t2);
    t0 = v128.xor(t0, t3);
    t2 = v128.xor(t2, x);
    t3 = rotl4(t3, 11);
    const d = i32x4.add(t0, t3);
    x = i32x4.shl(t1, 9);
    t2 = v128.xor(t2, t0);
    t3 = v128.xor(t3, t1);
    t1 = v128.xor(t1, t2);
    t0 = v128.xor(t0, t3);
    t2 = v128.xor(t2, x);
    t3 = rotl4(t3, 11);
    const rA = radius(a, sig), rB = radius(c, sig);
    const qA = quarterAngle(b), qB = quarterAngle(d);
    const sA = quarterSin(qA), cA = quarterCos(qA);
    const sB = quarterSin(qB), cB = quarterCos(qB);
    // Double the angle twice: sin 2x = (s + s) c, cos 2x = (c - s)(c + s).
    const s2A = f32x4.mul(f32x4.add(sA, sA), cA), c2A = f32x4.mul(f32x4.sub(cA, sA), f32x4.add(cA, sA));
    const s2B = f32x4.mul(f32x4.add(sB, sB), cB), c2B = f32x4.mul(f32x4.sub(cB, sB), f32x4.add(cB, sB));
    const z2 = f32x4.mul(rA, f32x4.mul(f32x4.add(s2A, s2A), c2A));
    const z1 = f32x4.mul(rA, f32x4.mul(f32x4.sub(c2A, s2A), f32x4.add(c2A, s2A)));
    const z4 = f32x4.mul(rB, f32x4.mul(f32x4.add(s2B, s2B), c2B));
    const z3 = f32x4.mul(rB, f32x4.mul(f32x4.sub(c2B, s2B), f32x4.add(c2B, s2B)));
    const p = y + (<usize>i << 2);
    if (i + 16 <= n) {
      v128.store(p, f32x4.add(f32x4.mul(shr, v128.load(p)), z1));
      v128.store(p, f32x4.add(f32x4.mul(shr, v128.load(p, 16)), z2), 16);
      v128.store(p, f32x4.add(f32x4.mul(shr, v128.load(p, 32)), z3), 32);
      v128.store(p, f32x4.add(f32x4.mul(shr, v128.load(p, 48)), z4), 48);
    } else {
      // The last round: only the values that exist.
      for (let k = 0; k < 16 && i + k < n; k++) {
        const z = k < 4 ? extract(z1, k) : k < 8 ? extract(z2, k - 4) : k < 12 ? extract(z3, k - 8) : extract(z4, k - 12);
        const o = p + (<usize>k << 2);
        store<f32>(o, shrink * load<f32>(o) + z);
      }
    }
  }
}

/** sigma R = sigma sqrt(-2 ln u), u = ((a >>> 8) + 1) 2^-24 in (0, 1]. */
// @ts-ignore: decorator
@inline function radius(a: v128, sig: v128): v128 {
  const u = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(i32x4.shr_u(a, 8), i32x4.splat(1))), f32x4.splat(5.9604644775390625e-8));
  return f32x4.mul(sig, f32x4.sqrt(minus2Log4(u)));
}

/** q = (b >> 8) (pi/4) 2^-23 in [-pi/4, pi/4). */
// @ts-ignore: decorator
@inline function quarterAngle(b: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_s(b, 8)), f32x4.splat(9.3626753e-8));
}

/** sin q = q + q^3 (-1/6 + q^2/120 - q^4/5040 + q^6/362880). */
// @ts-ignore: decorator
@inline function quarterSin(q: v128): v128 {
  const q2 = f32x4.mul(q, q), q4 = f32x4.mul(q2, q2);
  const sp = mad(mad(f32x4.splat(1.0 / 362880.0), q2, f32x4.splat(-1.0 / 5040.0)), q4, mad(f32x4.splat(1.0 / 120.0), q2, f32x4.splat(-1.0 / 6.0)));
  return mad(f32x4.mul(q, q2), sp, q);
}

/** cos q = 1 + q^2 (-1/2 + q^2/24 - q^4/720 + q^6/40320 - q^8/3628800). */
// @ts-ignore: decorator
@inline function quarterCos(q: v128): v128 {
  const q2 = f32x4.mul(q, q), q4 = f32x4.mul(q2, q2);
  const cb = mad(f32x4.splat(1.0 / 40320.0), q2, f32x4.splat(-1.0 / 720.0));
  const cp = mad(mad(f32x4.splat(-1.0 / 3628800.0), q4, cb), q4, mad(f32x4.splat(1.0 / 24.0), q2, f32x4.splat(-0.5)));
  return mad(q2, cp, f32x4.splat(1));
}
