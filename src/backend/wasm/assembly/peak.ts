// The arithmetic ceiling of this module's 128-bit SIMD on the machine it runs on (bench/wasmPeak.ts): what a product
// kernel could reach at best, measured rather than derived from an assumed clock.

import { madd } from './simd';

/**
 * Ten independent chains of c = a b + c on four lanes, `rounds` times: a fused multiply-add each in the relaxed-SIMD
 * build, a multiply and an add in the plain one. Ten chains hide the operation's latency, so the loop runs at the
 * issue rate. Returns the sum of the lanes of the chains (so that the loop is not removed): with a = x, b = 1, each
 * lane of chain k ends at k + rounds x (exact while that is an integer below 2^24).
 */
export function multiplyAddPeak(rounds: i32, x: f32): f64 {
  const a = f32x4.splat(x), b = f32x4.splat(1);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(1), c2 = f32x4.splat(2), c3 = f32x4.splat(3), c4 = f32x4.splat(4);
  let c5 = f32x4.splat(5), c6 = f32x4.splat(6), c7 = f32x4.splat(7), c8 = f32x4.splat(8), c9 = f32x4.splat(9);
  for (let i = 0; i < rounds; i++) {
    c0 = madd(a, b, c0);
    c1 = madd(a, b, c1);
    c2 = madd(a, b, c2);
    c3 = madd(a, b, c3);
    c4 = madd(a, b, c4);
    c5 = madd(a, b, c5);
    c6 = madd(a, b, c6);
    c7 = madd(a, b, c7);
    c8 = madd(a, b, c8);
    c9 = madd(a, b, c9);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(f32x4.add(c6, c7), f32x4.add(c8, c9))));
  return <f64>((f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3)));
}
