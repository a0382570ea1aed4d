import type { FloatArray } from '../../tensor/FloatArray.js';
import { fmix32, xoshiroAdvance, xoshiroLanes } from './xoshiro128.js';

// The reference of Backend.shrinkAddNormal: the wasm kernel's float32 operations one by one (Math.fround after each),
// so that every backend gives the same values bit for bit (see src/backend/wasm/assembly/random.ts).

const f = Math.fround;
const bits = new Int32Array(1);
const asFloat = new Float32Array(bits.buffer);

const C = [3.3333331174e-1, -2.4999993993e-1, 2.0000714765e-1, -1.666805766e-1, 1.4249322787e-1, -1.242014084e-1, 1.167699874e-1, -1.151461031e-1, 7.0376836292e-2].map(f);
// As float32 these are the kernel's literals 1.41421356 and 0.693147181.
const SQRT2 = f(Math.SQRT2), LN2 = f(Math.LN2);
const S1 = f(-1 / 6), S2 = f(1 / 120), S3 = f(-1 / 5040), S4 = f(1 / 362880);
const K1 = f(-0.5), K2 = f(1 / 24), K3 = f(-1 / 720), K4 = f(1 / 40320), K5 = f(-1 / 3628800);
const QUARTER = f(9.3626753e-8);

/** a * b + c in float32, rounded after each step. */
const mad = (a: number, b: number, c: number): number => f(f(a * b) + c);

/** -2 ln(u) for u in (0, 1] as the kernel computes it. */
function minus2Log(u: number): number {
  asFloat[0] = u;
  let e = (bits[0]! >>> 23) - 127;
  bits[0] = (bits[0]! & 0x007fffff) | 0x3f800000;
  let m = asFloat[0]!;
  if (m > SQRT2) {
    m = f(m * 0.5);
    e += 1;
  }
  const x = f(m - 1);
  const x2 = f(x * x), x4 = f(x2 * x2);
  const p03 = mad(mad(C[3]!, x, C[2]!), x2, mad(C[1]!, x, C[0]!));
  const p47 = mad(mad(C[7]!, x, C[6]!), x2, mad(C[5]!, x, C[4]!));
  const p = mad(mad(C[8]!, x4, p47), x4, p03);
  const lnm = f(x + mad(f(x2 * x), p, f(x2 * -0.5)));
  return f(-2 * mad(e, LN2, lnm));
}

/** Values per block: the stream of block b of a call is seeded by (seeds, b), so any split gives the same values. */
export const NORMAL_BLOCK = 16384;
/** Normals in a block's Wallace pool. */
const POOL = 256;
const WH0 = f(0.99913194), WH1 = f(0.029462783);

/**
 * y = shrink y + sigma z, z standard normal (Backend.shrinkAddNormal): per block of NORMAL_BLOCK values, a pool of
 * Box-Muller normals, then Wallace passes over it with the chi-square correction (the definition and the why:
 * src/backend/wasm/assembly/random.ts, normalBlock).
 */
export function shrinkAddNormalReference(y: FloatArray, shrink: number, sigma: number, seeds: readonly [number, number, number, number]): void {
  const pool = new Float32Array(POOL + NORMAL_BLOCK / POOL);
  for (let at = 0, b = 0; at < y.length; at += NORMAL_BLOCK, b++) normalBlock(y, at, Math.min(y.length - at, NORMAL_BLOCK), f(shrink), f(sigma), seeds, b, pool);
}

function normalBlock(y: FloatArray, at: number, m: number, sh: number, sg: number, seeds: readonly number[], b: number, pool: Float32Array): void {
  // The block's key words: each depends on every seed and on b.
  let h = fmix32((Math.imul(b, 0x9e3779b9) + 0x632be5ab) | 0);
  for (let k = 0; k < 3; k++) h = (fmix32(h ^ seeds[k]!) + 0x9e3779b9) | 0;
  h = fmix32(h ^ seeds[3]!);
  const keys = [0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f, 0x165667b1].map((c) => fmix32((h + c) | 0));
  const st = xoshiroLanes(keys, 8);
  // xoshiro128+: the output is s0 + s3 before the step.
  const next = (w: number[]): number => {
    const r = (w[0]! + w[3]!) | 0;
    xoshiroAdvance(w);
    return r;
  };
  const rounds = m <= POOL ? (m + 15) >> 4 : (POOL + NORMAL_BLOCK / POOL) >> 4;
  // Rounds of 16 values: lanes 0-3 put cos at [16r + L] and sin at [16r + 4 + L], lanes 4-7 at [16r + 4 + L] and [16r + 8 + L].
  for (let r = 0; r < rounds; r++) {
    for (let lane = 0; lane < 8; lane++) {
      const w = st[lane]!;
      const a = next(w), bb = next(w);
      const u = f(((a >>> 8) + 1) * 5.9604644775390625e-8);
      const rad = f(Math.sqrt(minus2Log(u)));
      const q = f((bb >> 8) * QUARTER);
      const q2 = f(q * q), q4 = f(q2 * q2);
      const sq = mad(f(q * q2), mad(mad(S4, q2, S3), q4, mad(S2, q2, S1)), q);
      const cq = mad(q2, mad(mad(K5, q4, mad(K4, q2, K3)), q4, mad(K2, q2, K1)), 1);
      const s2x = f(f(sq + sq) * cq);
      const c2x = f(f(cq - sq) * f(cq + sq));
      const c = 16 * r + (lane < 4 ? lane : lane + 4);
      pool[c] = f(rad * f(f(c2x - s2x) * f(c2x + s2x)));
      pool[c + 4] = f(rad * f(f(s2x + s2x) * c2x));
    }
  }
  emit(y, at, pool, Math.min(m, POOL), sh, sg);
  if (m <= POOL) return;
  // The sum of squares in four lanes (vector v's lane l into acc[l]), then (0 + 1) + (2 + 3).
  const acc = [0, 0, 0, 0];
  for (let i = 0; i < POOL; i++) acc[i & 3] = mad(pool[i]!, pool[i]!, acc[i & 3]!);
  const S = f(f(acc[0]! + acc[1]!) + f(acc[2]! + acc[3]!));
  const first = st.slice(0, 4);
  const spare = new Float32Array(POOL);
  for (let k = 1, o = POOL; o < m; k++, o += POOL) {
    // One xoshiro128+ step of lanes 0-3 per layer: its addresses and signs.
    mixLayer(pool, spare, first.map(next));
    mixLayer(spare, pool, first.map(next));
    const w = mad(pool[POOL + k]!, WH1, WH0);
    const g = f(sg * f(Math.sqrt(f(f(f(f(w * w) * w) * POOL) / S))));
    emit(y, at + o, pool, Math.min(m - o, POOL), sh, g);
  }
}

/** y[at + i] = shrink y[at + i] + g pool[i] for i < count. */
function emit(y: FloatArray, at: number, pool: Float32Array, count: number, sh: number, g: number): void {
  for (let i = 0; i < count; i++) y[at + i] = f(f(sh * y[at + i]!) + f(g * pool[i]!));
}

/** One layer of Wallace's mixing of src's 64 vectors of four into dst, from 128 random bits r (see mixLayer in random.ts). */
function mixLayer(src: Float32Array, dst: Float32Array, r: readonly number[]): void {
  const u = r[0]!;
  const o = u >>> 26, s = ((u >>> 20) & 62) | 1;
  for (let j = 0; j < 16; j++) {
    // Inputs: vectors (o + s (4j + d)) mod 64; output d: vector sigma(4j + d) = (j >> 1 | (j & 1) << 5) + 8d.
    const a = ((o + s * 4 * j) & 63) * 4, b = ((o + s * (4 * j + 1)) & 63) * 4;
    const c = ((o + s * (4 * j + 2)) & 63) * 4, d = ((o + s * (4 * j + 3)) & 63) * 4;
    const out = ((j >> 1) | ((j & 1) << 5)) * 4;
    for (let l = 0; l < 4; l++) {
      const A = src[a + l]!, B = src[b + l]!, C = src[c + l]!, D = src[d + l]!;
      const t = f(f(f(A + B) + f(C + D)) * 0.5);
      // t - A, t - B, C - t, D - t rotated by 0, 1, 2, 3 lanes; output k's lane m negated where bit 19 - k of r_m is set.
      const l1 = (l + 1) & 3, l2 = (l + 2) & 3, l3 = (l + 3) & 3;
      dst[out + l] = (r[l]! >>> 19) & 1 ? -f(t - A) : f(t - A);
      dst[out + 32 + l1] = (r[l1]! >>> 18) & 1 ? -f(t - B) : f(t - B);
      dst[out + 64 + l2] = (r[l2]! >>> 17) & 1 ? -f(C - t) : f(C - t);
      dst[out + 96 + l3] = (r[l3]! >>> 16) & 1 ? -f(D - t) : f(D - t);
    }
  }
}
