import type { FloatArray } from '../../tensor/FloatArray.js';
import { xoshiroAdvance, xoshiroLanes } from './xoshiro128.js';

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

/** y = shrink y + sigma z, z standard normal from the eight lane streams of the seeds (Backend.shrinkAddNormal). */
export function shrinkAddNormalReference(y: FloatArray, shrink: number, sigma: number, seeds: readonly [number, number, number, number]): void {
  const sh = f(shrink), sg = f(sigma);
  const st = xoshiroLanes(seeds, 8);
  // xoshiro128+: the output is s0 + s3 before the step.
  const next = (w: number[]): number => {
    const r = (w[0]! + w[3]!) | 0;
    xoshiroAdvance(w);
    return r;
  };
  const n = y.length;
  // Rounds of 16 values: lanes 0-3 write cos to [i + L] and sin to [i + 4 + L], lanes 4-7 to [i + 4 + L] and [i + 8 + L].
  for (let i = 0; i < n; i += 16) {
    for (let lane = 0; lane < 8; lane++) {
      const w = st[lane]!;
      const a = next(w), b = next(w);
      const u = f(((a >>> 8) + 1) * 5.9604644775390625e-8);
      const r = f(sg * f(Math.sqrt(minus2Log(u))));
      const q = f((b >> 8) * QUARTER);
      const q2 = f(q * q), q4 = f(q2 * q2);
      const sq = mad(f(q * q2), mad(mad(S4, q2, S3), q4, mad(S2, q2, S1)), q);
      const cq = mad(q2, mad(mad(K5, q4, mad(K4, q2, K3)), q4, mad(K2, q2, K1)), 1);
      const s2x = f(f(sq + sq) * cq);
      const c2x = f(f(cq - sq) * f(cq + sq));
      const z2 = f(r * f(f(s2x + s2x) * c2x));
      const z1 = f(r * f(f(c2x - s2x) * f(c2x + s2x)));
      const c = i + (lane < 4 ? lane : lane + 4), s = c + 4;
      if (c < n) y[c] = f(f(sh * y[c]!) + z1);
      if (s < n) y[s] = f(f(sh * y[s]!) + z2);
    }
  }
}
