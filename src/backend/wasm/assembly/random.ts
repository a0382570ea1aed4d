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

// --- shrinkAddNormal: y = shrink y + sigma z in one pass, a much cheaper generator than addNormal's ---
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

// The stream is defined per block of BLOCK values (block b of a call seeded by (seeds, b)), so that any split of
// the blocks between threads gives the same values. Within a block, Box-Muller draws are expensive (~14 SIMD
// operations a value); Wallace's method (ACM TOMS 22, 1996) makes more normals from them cheaply: an orthogonal
// transform of standard normals gives standard normals. Each block draws a pool of POOL normals by Box-Muller and
// writes them; each further pass of POOL values mixes the pool by two layers of 4x4 orthogonal transforms
// (addresses and signs from the block's stream) and writes it scaled so that the pass's sum of squares is a fresh
// chi-square draw (the transforms keep the pool's sum of squares: Wallace's correction). Cost on the online MLP's
// 99.4k parameters: ~0.4-0.5 ns a value against ~1.65 for Box-Muller everywhere (helper, loaded machine).
// Quality, measured on 2^24 values (src/backend/ts/shrinkAddNormal.test.ts runs a smaller version): mean, variance, skewness,
// kurtosis, a 1000-bin chi-square and KS on Phi(z), P(|z| > 3, 4, 4.5) as a normal's; correlations of values and of
// their squares at lags 1 .. 16384 not detectable (|z| < 3); within a pass, values are exactly uncorrelated (an
// orthogonal transform of iid normals). What remains is Wallace's known weakness, a fourth-order dependency between a
// block's passes: block sums of z_i z_(i+16) and z_i z_(i+128) vary 1.3x as much as for independent values (the
// other lags tested, up to 512: 1.0x). Wallace's generators pass the usual batteries with such pools; for noise added
// to weights it is far below anything a training run could feel.

/** Values per block: the unit of the stream and of the split between threads. */
const BLOCK: i32 = 16384;
/** Normals in a block's pool (64 vectors), drawn by Box-Muller. */
const POOL: i32 = 256;
/** Box-Muller normals after the pool, one for each pass's chi-square correction (pass 0 leaves its one unused). */
const CHI: i32 = BLOCK / POOL;
/** Wilson-Hilferty: chi-square(POOL) = POOL (WH0 + WH1 x)^3 for x standard normal; WH0 = 1 - 2/(9 POOL), WH1 = sqrt(2/(9 POOL)). */
const WH0: f32 = 0.99913194;
const WH1: f32 = 0.029462783;

/** murmur3's fmix32 (a block's key). */
// @ts-ignore: decorator
@inline function fmix(h: i32): i32 {
  h ^= <i32>(<u32>h >> 16);
  h *= <i32>0x85ebca6b;
  h ^= <i32>(<u32>h >> 13);
  h *= <i32>0xc2b2ae35;
  return h ^ <i32>(<u32>h >> 16);
}

/**
 * y[i] = shrink y[i] + sigma z_i for i < n, z standard normal (shrink and perturb in one pass), blocks
 * [first, end) of BLOCK values; `pool`: 2 POOL + CHI floats of this thread's scratch.
 */
export function shrinkAddNormalBlocks(y: usize, n: i32, shrink: f32, sigma: f32, seed0: i32, seed1: i32, seed2: i32, seed3: i32, first: i32, end: i32, pool: usize): void {
  for (let b = first; b < end; b++) {
    const at = b * BLOCK;
    normalBlock(y + (<usize>at << 2), min(n - at, BLOCK), shrink, sigma, seed0, seed1, seed2, seed3, b, pool);
  }
}

/** shrinkAddNormalBlocks over all blocks, each taken from the shared counter (one block a take). */
export function shrinkAddNormalChunks(y: usize, n: i32, shrink: f32, sigma: f32, seed0: i32, seed1: i32, seed2: i32, seed3: i32, counter: usize, pool: usize): void {
  const blocks = (n + BLOCK - 1) / BLOCK;
  for (;;) {
    const b = atomic.add<i32>(counter, 1);
    if (b >= blocks) break;
    shrinkAddNormalBlocks(y, n, shrink, sigma, seed0, seed1, seed2, seed3, b, b + 1, pool);
  }
}

/**
 * One block of m <= BLOCK values. Eight xoshiro128+ lanes, two sets of four; lane L (0..7) word k starts as
 * fmix32(K_k + L 0x632be5ab), K_k = fmix32(h + c_k) with h a hash of b and the four seeds (below: the seeds are
 * mixed together; with words seeded one by one, calls whose seeds shared three words gave correlated lanes).
 * Box-Muller rounds of 16 normals (as below) fill the pool (16 rounds) and the CHI chi-square normals x_k (4 more),
 * or, for m <= POOL, just the ceil(m / 16) rounds the block needs. Pass 0 writes pool[0, min(m, POOL)); pass k >= 1
 * mixes the pool by two layers (pool to spare to pool, one xoshiro128+ step of the first lane set each) and writes
 * values [k POOL, min(m, (k + 1) POOL)) as g_k pool, g_k = sigma sqrt(C_k / S), S the pool's sum of squares after
 * pass 0 and C_k = POOL (WH0 + WH1 x_k)^3.
 * A Box-Muller round draws a then b in every lane and stores r cos(4q) at [L] and r sin(4q) at [4 + L] for L < 4,
 * at [8 + (L - 4)] and [12 + (L - 4)] for L >= 4: r = sqrt(-2 ln u), u = ((a >>> 8) + 1) 2^-24 in (0, 1];
 * q = (b >> 8) (pi/4) 2^-23 in [-pi/4, pi/4).
 */
function normalBlock(y: usize, m: i32, shrink: f32, sigma: f32, seed0: i32, seed1: i32, seed2: i32, seed3: i32, b: i32, pool: usize): void {
  // The block's key words: each depends on every seed and on b.
  let h = fmix(b * <i32>0x9e3779b9 + 0x632be5ab);
  h = fmix(h ^ seed0) + <i32>0x9e3779b9;
  h = fmix(h ^ seed1) + <i32>0x9e3779b9;
  h = fmix(h ^ seed2) + <i32>0x9e3779b9;
  h = fmix(h ^ seed3);
  const step = i32x4.splat(0x632be5ab);
  const laneA = i32x4.mul(i32x4(0, 1, 2, 3), step), laneB = i32x4.mul(i32x4(4, 5, 6, 7), step);
  const k0 = i32x4.splat(fmix(h + <i32>0x85ebca6b)), k1 = i32x4.splat(fmix(h + <i32>0xc2b2ae35));
  const k2 = i32x4.splat(fmix(h + 0x27d4eb2f)), k3 = i32x4.splat(fmix(h + 0x165667b1));
  let s0 = mix4(i32x4.add(k0, laneA));
  let s1 = mix4(i32x4.add(k1, laneA));
  let s2 = mix4(i32x4.add(k2, laneA));
  let s3 = mix4(i32x4.add(k3, laneA));
  let t0 = mix4(i32x4.add(k0, laneB));
  let t1 = mix4(i32x4.add(k1, laneB));
  let t2 = mix4(i32x4.add(k2, laneB));
  let t3 = mix4(i32x4.add(k3, laneB));
  // An all-zero state never leaves zero.
  const zero = i32x4.splat(0), oneBit = i32x4.splat(1);
  s0 = v128.or(s0, v128.and(i32x4.eq(v128.or(v128.or(s0, s1), v128.or(s2, s3)), zero), oneBit));
  t0 = v128.or(t0, v128.and(i32x4.eq(v128.or(v128.or(t0, t1), v128.or(t2, t3)), zero), oneBit));
  const rounds = m <= POOL ? (m + 15) >> 4 : (POOL + CHI) >> 4;
  for (let r = 0; r < rounds; r++) {
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
    const rA = radius(a), rB = radius(c);
    const qA = quarterAngle(b), qB = quarterAngle(d);
    const sA = quarterSin(qA), cA = quarterCos(qA);
    const sB = quarterSin(qB), cB = quarterCos(qB);
    // Double the angle twice: sin 2x = (s + s) c, cos 2x = (c - s)(c + s).
    const s2A = f32x4.mul(f32x4.add(sA, sA), cA), c2A = f32x4.mul(f32x4.sub(cA, sA), f32x4.add(cA, sA));
    const s2B = f32x4.mul(f32x4.add(sB, sB), cB), c2B = f32x4.mul(f32x4.sub(cB, sB), f32x4.add(cB, sB));
    const p = pool + (<usize>r << 6);
    v128.store(p, f32x4.mul(rA, f32x4.mul(f32x4.sub(c2A, s2A), f32x4.add(c2A, s2A))));
    v128.store(p, f32x4.mul(rA, f32x4.mul(f32x4.add(s2A, s2A), c2A)), 16);
    v128.store(p, f32x4.mul(rB, f32x4.mul(f32x4.sub(c2B, s2B), f32x4.add(c2B, s2B))), 32);
    v128.store(p, f32x4.mul(rB, f32x4.mul(f32x4.add(s2B, s2B), c2B)), 48);
  }
  emit(y, pool, min(m, POOL), shrink, sigma);
  if (m <= POOL) return;
  let acc = f32x4.splat(0);
  for (let v = 0; v < POOL; v += 4) {
    const z = v128.load(pool + (<usize>v << 2));
    acc = mad(z, z, acc);
  }
  const spare = pool + (<usize>(POOL + CHI) << 2);
  const S: f32 = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (let k = 1, o = POOL; o < m; k++, o += POOL) {
    // One xoshiro128+ step of the first lane set per layer: its addresses and signs.
    let u = i32x4.add(s0, s3);
    let x = i32x4.shl(s1, 9);
    s2 = v128.xor(s2, s0);
    s3 = v128.xor(s3, s1);
    s1 = v128.xor(s1, s2);
    s0 = v128.xor(s0, s3);
    s2 = v128.xor(s2, x);
    s3 = rotl4(s3, 11);
    mixLayer(pool, spare, u);
    u = i32x4.add(s0, s3);
    x = i32x4.shl(s1, 9);
    s2 = v128.xor(s2, s0);
    s3 = v128.xor(s3, s1);
    s1 = v128.xor(s1, s2);
    s0 = v128.xor(s0, s3);
    s2 = v128.xor(s2, x);
    s3 = rotl4(s3, 11);
    const w: f32 = load<f32>(pool + (<usize>(POOL + k) << 2)) * WH1 + WH0;
    const g: f32 = sigma * Mathf.sqrt((((w * w) * w) * <f32>POOL) / S);
    if (m - o >= POOL) {
      // A whole pass: the second layer writes y as it goes (the same values as emit after it).
      mixLayerEmit(spare, pool, u, y + (<usize>o << 2), shrink, g);
    } else {
      mixLayer(spare, pool, u);
      emit(y + (<usize>o << 2), pool, m - o, shrink, g);
    }
  }
}

/** y[i] = shrink y[i] + g pool[i] for i < count. */
// @ts-ignore: decorator
@inline function emit(y: usize, pool: usize, count: i32, shrink: f32, g: f32): void {
  const shr = f32x4.splat(shrink), gv = f32x4.splat(g);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(f32x4.mul(shr, v128.load(y + o)), f32x4.mul(gv, v128.load(pool + o))));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, shrink * load<f32>(y + o) + g * load<f32>(pool + o));
  }
}

/**
 * One layer of Wallace's mixing, from a 128-bit random r (lanes r_0 .. r_3): the 64 vectors of src taken in the
 * order (x + s j) mod 64, x = r_0 >>> 26, s = ((r_0 >>> 20) & 62) | 1 (odd: a permutation), four at a time
 * (A, B, C, D); t = ((A + B) + (C + D)) / 2 and t - A, t - B, C - t, D - t (an orthogonal matrix: J/2 - I with two
 * rows negated, so that the pool's sum is not kept) rotated by 0, 1, 2, 3 lanes (element l from lane l - d: the
 * lanes mix), the sign of lane l of output d flipped where bit 19 - d of r_l is set, are dst's vectors
 * sigma(4j + d), sigma(v) = v with its two 3-bit halves swapped. Writing to another buffer keeps a value from
 * coming back to its own place (every output holds half of every input); the random signs make every entry of the
 * layer's matrix average 0 over the draws, so that a pass's values do not correlate on average with the last pass's
 * (their rows sum to +-1 otherwise); sigma mixes high index bits into low ones: with affine orders alone,
 * congruences mod 2^k held from layer to layer (pairs of values 4 and 16 vectors apart stayed related over a block's
 * passes: their products' block sums varied 15x and 43x as much as for independent values; 1.2x at most with sigma).
 * sigma(4j + d) = (j >> 1 | (j & 1) << 5) + 8d: four stores at fixed distances.
 */
// @ts-ignore: decorator
@inline function mixLayer(src: usize, dst: usize, r: v128): void {
  const u = i32x4.extract_lane(r, 0);
  const half = f32x4.splat(0.5), top = i32x4.splat(0x80000000);
  const m0 = v128.and(i32x4.shl(r, 12), top), m1 = v128.and(i32x4.shl(r, 13), top);
  const m2 = v128.and(i32x4.shl(r, 14), top), m3 = v128.and(i32x4.shl(r, 15), top);
  // Byte offsets: vector (x + k s) mod 64 is at ((x + k s) << 4) & 0x3f0, the same address with fewer operations. Two
  // turns j = 2i, 2i + 1 per iteration: sigma(4j + d) is then i + 8d and i + 32 + 8d, no bit shuffling of j.
  const sb = ((<u32>u >> 16) & 0x3e0) | 16, sb2 = sb << 1, sb3 = sb * 3, sb4 = sb << 2;
  let xb = (<u32>u >> 22) & 0x3f0;
  for (let i: u32 = 0; i < 8; i++) {
    const o = dst + (<usize>i << 4);
    mixFour(src, o, xb, sb, sb2, sb3, half, m0, m1, m2, m3);
    mixFour(src, o + 512, xb + sb4, sb, sb2, sb3, half, m0, m1, m2, m3);
    xb += sb4 << 1;
  }
}

/** One turn of mixLayer: the four vectors of src at byte offsets (xb + k sb) & 0x3f0 mixed into o, o + 128, o + 256, o + 384. */
// @ts-ignore: decorator
@inline function mixFour(src: usize, o: usize, xb: u32, sb: u32, sb2: u32, sb3: u32, half: v128, m0: v128, m1: v128, m2: v128, m3: v128): void {
  const A = v128.load(src + <usize>(xb & 0x3f0));
  const B = v128.load(src + <usize>((xb + sb) & 0x3f0));
  const C = v128.load(src + <usize>((xb + sb2) & 0x3f0));
  const D = v128.load(src + <usize>((xb + sb3) & 0x3f0));
  const t = f32x4.mul(f32x4.add(f32x4.add(A, B), f32x4.add(C, D)), half);
  const nB = f32x4.sub(t, B), nC = f32x4.sub(C, t), nD = f32x4.sub(D, t);
  v128.store(o, v128.xor(f32x4.sub(t, A), m0));
  v128.store(o, v128.xor(f32x4.shuffle(nB, nB, 3, 0, 1, 2), m1), 128);
  v128.store(o, v128.xor(f32x4.shuffle(nC, nC, 2, 3, 0, 1), m2), 256);
  v128.store(o, v128.xor(f32x4.shuffle(nD, nD, 1, 2, 3, 0), m3), 384);
}

/** mixLayer, and y[i] = shrink y[i] + g dst[i] for the 256 values it writes (the last layer of a whole pass). */
// @ts-ignore: decorator
@inline function mixLayerEmit(src: usize, dst: usize, r: v128, y: usize, shrink: f32, g: f32): void {
  const u = i32x4.extract_lane(r, 0);
  const half = f32x4.splat(0.5), top = i32x4.splat(0x80000000);
  const shr = f32x4.splat(shrink), gv = f32x4.splat(g);
  const m0 = v128.and(i32x4.shl(r, 12), top), m1 = v128.and(i32x4.shl(r, 13), top);
  const m2 = v128.and(i32x4.shl(r, 14), top), m3 = v128.and(i32x4.shl(r, 15), top);
  const sb = ((<u32>u >> 16) & 0x3e0) | 16, sb2 = sb << 1, sb3 = sb * 3, sb4 = sb << 2;
  let xb = (<u32>u >> 22) & 0x3f0;
  for (let i: u32 = 0; i < 8; i++) {
    const at = <usize>i << 4;
    mixFourEmit(src, dst + at, y + at, xb, sb, sb2, sb3, half, m0, m1, m2, m3, shr, gv);
    mixFourEmit(src, dst + at + 512, y + at + 512, xb + sb4, sb, sb2, sb3, half, m0, m1, m2, m3, shr, gv);
    xb += sb4 << 1;
  }
}

/** mixFour, and q = shrink q + g z for the four vectors z it writes (at the same offsets from q as from o). */
// @ts-ignore: decorator
@inline function mixFourEmit(src: usize, o: usize, q: usize, xb: u32, sb: u32, sb2: u32, sb3: u32, half: v128, m0: v128, m1: v128, m2: v128, m3: v128, shr: v128, gv: v128): void {
  const A = v128.load(src + <usize>(xb & 0x3f0));
  const B = v128.load(src + <usize>((xb + sb) & 0x3f0));
  const C = v128.load(src + <usize>((xb + sb2) & 0x3f0));
  const D = v128.load(src + <usize>((xb + sb3) & 0x3f0));
  const t = f32x4.mul(f32x4.add(f32x4.add(A, B), f32x4.add(C, D)), half);
  const nB = f32x4.sub(t, B), nC = f32x4.sub(C, t), nD = f32x4.sub(D, t);
  const zA = v128.xor(f32x4.sub(t, A), m0), zB = v128.xor(f32x4.shuffle(nB, nB, 3, 0, 1, 2), m1);
  const zC = v128.xor(f32x4.shuffle(nC, nC, 2, 3, 0, 1), m2), zD = v128.xor(f32x4.shuffle(nD, nD, 1, 2, 3, 0), m3);
  v128.store(o, zA);
  v128.store(o, zB, 128);
  v128.store(o, zC, 256);
  v128.store(o, zD, 384);
  v128.store(q, f32x4.add(f32x4.mul(shr, v128.load(q)), f32x4.mul(gv, zA)));
  v128.store(q, f32x4.add(f32x4.mul(shr, v128.load(q, 128)), f32x4.mul(gv, zB)), 128);
  v128.store(q, f32x4.add(f32x4.mul(shr, v128.load(q, 256)), f32x4.mul(gv, zC)), 256);
  v128.store(q, f32x4.add(f32x4.mul(shr, v128.load(q, 384)), f32x4.mul(gv, zD)), 384);
}

/** R = sqrt(-2 ln u), u = ((a >>> 8) + 1) 2^-24 in (0, 1]. */
// @ts-ignore: decorator
@inline function radius(a: v128): v128 {
  const u = f32x4.mul(f32x4.convert_i32x4_s(i32x4.add(i32x4.shr_u(a, 8), i32x4.splat(1))), f32x4.splat(5.9604644775390625e-8));
  return f32x4.sqrt(minus2Log4(u));
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
