import type { FloatArray } from './FloatArray.js';

/** Everything needed to continue a random stream exactly where it stopped (for checkpoints). */
export interface RngState {
  key: number[];
  state: number[];
  spare: number | null;
}

/**
 * The one random number generator of supple: xoshiro128** seeded through SplitMix32.
 *
 * Splittable: `rng.split('init')` derives an independent stream from this stream's *key* and the label,
 * not from how many numbers were drawn, so adding a draw in one place never shifts the numbers of another
 * (a probe drawing its batch cannot change the training run). Library code draws only from Rng.
 */
export class Rng {
  /** The identity of this stream; children derive from it. */
  private keyWords: number[];
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** A root stream for an integer seed (0 <= seed < 2^53). */
  static seeded(seed: number): Rng {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new Error(`seed: ${seed} is not allowed; a seed is an integer in [0, 2^53)`);
    }
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    return new Rng([mix(lo ^ 0x5bd1e995), mix(hi ^ 0x1b873593), mix(lo + 0x68e31da4), mix(hi + 0x2545f491)]);
  }

  constructor(key: readonly number[]) {
    if (key.length !== 4) throw new Error('Rng: a key has 4 words');
    // Written out, without a closure or map(): edits split a fresh stream every step (every-step shrink and perturb).
    const kw = [key[0]! >>> 0, key[1]! >>> 0, key[2]! >>> 0, key[3]! >>> 0];
    this.keyWords = kw;
    let x = kw[0]! ^ rotl(kw[1]!, 7) ^ rotl(kw[2]!, 13) ^ rotl(kw[3]!, 21);
    x = (x + 0x9e3779b9) | 0;
    this.s0 = mix(x ^ kw[(x >>> 3) & 3]!);
    x = (x + 0x9e3779b9) | 0;
    this.s1 = mix(x ^ kw[(x >>> 3) & 3]!);
    x = (x + 0x9e3779b9) | 0;
    this.s2 = mix(x ^ kw[(x >>> 3) & 3]!);
    x = (x + 0x9e3779b9) | 0;
    this.s3 = mix(x ^ kw[(x >>> 3) & 3]!);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  get key(): readonly number[] {
    return this.keyWords;
  }

  /** An independent child stream named by `label`; the same key and label give the same stream. */
  split(label: string | number): Rng {
    const text = String(label);
    const key = this.keyWords;
    let h0 = key[0]!, h1 = key[1]!, h2 = key[2]!, h3 = key[3]!;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h0 = mix(h0 ^ c ^ (i << 16));
      h1 = mix(h1 + h0);
      h2 = mix(h2 ^ h1);
      h3 = mix(h3 + h2);
    }
    h0 = mix(h0 ^ text.length);
    return new Rng([mix(h0 ^ h3), mix(h1 ^ h0), mix(h2 ^ h1), mix(h3 ^ h2 ^ 0x85ebca6b)]);
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = rotl(n3, 11);
    this.s0 = n0 | 0;
    this.s1 = n1 | 0;
    this.s2 = n2 | 0;
    this.s3 = n3 | 0;
    return result;
  }

  /** Uniform in [0, 1) with 2^-32 resolution. */
  float(): number {
    return this.nextU32() * 2.3283064365386963e-10;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** A standard normal draw (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u1 = (this.nextU32() + 1) * 2.3283064365386963e-10; // (0, 1]
    const u2 = this.nextU32() * 2.3283064365386963e-10;
    const r = Math.sqrt(-2 * Math.log(u1));
    const a = 2 * Math.PI * u2;
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new Error(`Rng.int: n = ${n} must be an integer in [1, 2^32]`);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.float() < p;
  }

  /** Fill with uniform values in [lo, hi). */
  fillUniform(out: FloatArray, lo: number, hi: number, start = 0, end = out.length): void {
    // The generator inlined with its state in locals: the same numbers as float(), 3-4x faster.
    const w = hi - lo;
    let s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    for (let i = start; i < end; i++) {
      const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      out[i] = lo + w * (r * 2.3283064365386963e-10);
    }
    this.s0 = s0 | 0;
    this.s1 = s1 | 0;
    this.s2 = s2 | 0;
    this.s3 = s3 | 0;
  }

  /** Fill with normal values N(mean, std^2). */
  fillNormal(out: FloatArray, mean: number, std: number, start = 0, end = out.length): void {
    for (let i = start; i < end; i++) out[i] = mean + std * this.normal();
  }

  /** Shuffle in place (Fisher-Yates). */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** k distinct integers from [0, n), in draw order (partial Fisher-Yates; O(n) memory). */
  sample(n: number, k: number): Int32Array {
    if (k > n) throw new Error(`Rng.sample: cannot draw ${k} distinct values from ${n}`);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p.slice(0, k);
  }

  /** A snapshot of the stream (plain JSON). */
  getState(): RngState {
    return { key: [...this.key], state: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.spare };
  }

  /** Become the stream of a snapshot taken with getState() (its key included) and continue from there. */
  setState(s: RngState): void {
    if (s.key.length !== 4 || s.state.length !== 4) throw new Error('Rng.setState: a snapshot has a 4-word key and a 4-word state');
    this.keyWords = s.key.map((k) => k >>> 0);
    [this.s0, this.s1, this.s2, this.s3] = s.state.map((v) => v | 0) as [number, number, number, number];
    this.spare = s.spare;
  }

  /** A new stream continuing from a snapshot. */
  static fromState(s: RngState): Rng {
    const r = new Rng(s.key);
    r.setState(s);
    return r;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A 32-bit finalizer (murmur3 fmix32). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
