// The xoshiro128 lane streams of the wasm random kernels (src/backend/wasm/assembly/random.ts), for the ts
// references: seeding and the state step are shared; each kernel reads its own output function (** or +).

/** Rotate a 32-bit integer left by k bits. */
export function rotl32(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** MurmurHash3's 32-bit finalizer: spreads a seed's bits over the word. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** The states of `lanes` streams from four seeds (lane L mixes L * 0x632be5ab into each word; never all zero). */
export function xoshiroLanes(seeds: readonly number[], lanes: number): number[][] {
  const st = Array.from({ length: lanes }, (_, lane) => seeds.map((s) => fmix32(((s | 0) + Math.imul(lane, 0x632be5ab)) | 0)));
  for (const w of st) if ((w[0]! | w[1]! | w[2]! | w[3]!) === 0) w[0] = 1;
  return st;
}

/** Advance one xoshiro128 state in place (the step both the ** and + generators share). */
export function xoshiroAdvance(w: number[]): void {
  const t = w[1]! << 9;
  w[2]! ^= w[0]!;
  w[3]! ^= w[1]!;
  w[1]! ^= w[2]!;
  w[0]! ^= w[3]!;
  w[2]! ^= t;
  w[3] = rotl32(w[3]!, 11);
}
