import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmBackend, wasmAvailable } from '../wasm/wasmBackend.js';
import { NORMAL_BLOCK, shrinkAddNormalReference } from './shrinkAddNormal.js';

// Statistical tests of shrinkAddNormal's generator (a Wallace pool per block, see src/backend/wasm/assembly/random.ts)
// on 2^21 values: each statistic's z-score against a standard normal sample must stay below Z (a false alarm
// about once in 10^5 per statistic). The wasm kernel when built (the same values bit for bit), else the reference.

const N = 1 << 21;
const Z = 4.5;

function sample(): Float64Array {
  const z = new Float64Array(N);
  const call = 1 << 18;
  const wasm = wasmAvailable() ? createWasmBackend({ threads: 1 }) : null;
  const buf = wasm ? wasm.alloc(call) : new Float32Array(call);
  // Calls of 16 blocks with unrelated seeds, as applyEdits draws them.
  for (let c = 0; c < N / call; c++) {
    buf.fill(0);
    const seeds: [number, number, number, number] = [0x9e3779b9 * (c + 1), c * 7919 + 17, 0x7f4a7c15 ^ c, 12345 - c];
    if (wasm) wasm.shrinkAddNormal(buf, 0, 1, seeds);
    else shrinkAddNormalReference(buf, 0, 1, seeds);
    z.set(buf, c * call);
  }
  return z;
}

/** Standard normal CDF (erfc by Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
function phi(x: number): number {
  const a = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * a);
  const r =
    t *
    Math.exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - 0.5 * r : 0.5 * r;
}

const z = sample();

function within(what: string, value: number, expected: number, sd: number): void {
  const score = (value - expected) / sd;
  assert.ok(Math.abs(score) < Z, `${what}: ${value} against ${expected} (z = ${score.toFixed(2)})`);
}

test('shrinkAddNormal: moments of a standard normal (mean, variance, skewness, kurtosis)', () => {
  let s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  for (const v of z) {
    s1 += v;
    s2 += v * v;
    s3 += v * v * v;
    s4 += v * v * v * v;
  }
  within('mean', s1 / N, 0, Math.sqrt(1 / N));
  within('variance', s2 / N, 1, Math.sqrt(2 / N));
  within('third moment', s3 / N, 0, Math.sqrt(15 / N));
  within('fourth moment', s4 / N, 3, Math.sqrt(96 / N));
});

test('shrinkAddNormal: distribution (chi-square on 1000 equiprobable bins, Kolmogorov-Smirnov) and tails', () => {
  const bins = 1000, count = new Float64Array(bins);
  let t3 = 0, t4 = 0;
  for (const v of z) {
    count[Math.min(bins - 1, Math.floor(phi(v) * bins))]!++;
    if (Math.abs(v) > 3) t3++;
    if (Math.abs(v) > 4) t4++;
  }
  let chi = 0;
  for (const c of count) chi += (c - N / bins) ** 2 / (N / bins);
  within('chi-square, 999 degrees of freedom', chi, bins - 1, Math.sqrt(2 * (bins - 1)));
  const sorted = Float64Array.from(z).sort();
  let d = 0;
  for (let i = 0; i < N; i++) {
    const f = phi(sorted[i]!);
    d = Math.max(d, f - i / N, (i + 1) / N - f);
  }
  // P(sqrt(N) D > 1.95) ~ 0.001.
  assert.ok(d * Math.sqrt(N) < 1.95, `Kolmogorov-Smirnov: sqrt(N) D = ${d * Math.sqrt(N)}`);
  for (const [k, above] of [[3, t3], [4, t4]] as const) {
    const p = 2 * phi(-k);
    within(`P(|z| > ${k})`, above, N * p, Math.sqrt(N * p * (1 - p)));
  }
});

test('shrinkAddNormal: values and their squares uncorrelated at lags within a vector, a pass, between passes and blocks', () => {
  for (const lag of [1, 2, 3, 4, 5, 8, 16, 64, 128, 255, 256, 257, 512, 4096, NORMAL_BLOCK - 1, NORMAL_BLOCK]) {
    let c = 0, c2 = 0;
    const n = N - lag;
    for (let i = 0; i < n; i++) {
      c += z[i]! * z[i + lag]!;
      c2 += (z[i]! * z[i]! - 1) * (z[i + lag]! * z[i + lag]! - 1);
    }
    within(`correlation at lag ${lag}`, c / n, 0, Math.sqrt(1 / n));
    within(`correlation of squares at lag ${lag}`, c2 / n, 0, Math.sqrt(4 / n));
  }
});

test("shrinkAddNormal: each pass of 256 values has a chi-square(256) sum of squares (Wallace's correction)", () => {
  const pass = 256, passes = N / pass;
  let m = 0, v = 0;
  const sums = new Float64Array(passes);
  for (let k = 0; k < passes; k++) {
    let a = 0;
    for (let i = k * pass; i < (k + 1) * pass; i++) a += z[i]! * z[i]!;
    sums[k] = a;
    m += a;
  }
  m /= passes;
  for (const a of sums) v += (a - m) ** 2;
  v /= passes - 1;
  within('mean sum of squares', m, pass, Math.sqrt((2 * pass) / passes));
  // The variance of a sample variance of chi-square(256) values: ~ (mu4 - sigma^4) / passes, mu4 ~ 3 sigma^4.
  within('variance of the sums of squares', v, 2 * pass, Math.sqrt((2 * (2 * pass) ** 2) / passes));
});

test('shrinkAddNormal: blocks are independent streams (the same values whatever the call around them)', () => {
  const seeds: [number, number, number, number] = [1, 2, 3, 4];
  const whole = new Float32Array(3 * NORMAL_BLOCK + 5);
  shrinkAddNormalReference(whole, 1, 1, seeds);
  const short = new Float32Array(NORMAL_BLOCK + 7);
  shrinkAddNormalReference(short, 1, 1, seeds);
  // The first block is the same whatever the length after it; a short last block is a prefix of a full one.
  assert.deepEqual([...short.subarray(0, NORMAL_BLOCK + 5)], [...whole.subarray(0, NORMAL_BLOCK + 5)]);
  const again = new Float32Array(whole.length);
  shrinkAddNormalReference(again, 1, 1, seeds);
  assert.deepEqual([...again], [...whole], 'the same seeds, the same values');
});

test("shrinkAddNormal: a block's passes do not repeat one pattern (block sums of z_i z_(i+lag) vary as for independent values)", () => {
  // Wallace's weakness: passes are transforms of one pool. With affine slot orders alone, pairs 16 and 64 values
  // apart kept their relation from pass to pass: these block sums varied 15x and 43x as much as they should.
  const blocks = N / NORMAL_BLOCK;
  for (const lag of [1, 4, 16, 64, 128, 256]) {
    let dispersion = 0;
    for (let b = 0; b < blocks; b++) {
      let a = 0, count = 0;
      for (let i = b * NORMAL_BLOCK + 256; i + lag < (b + 1) * NORMAL_BLOCK; i++) {
        if (lag < 256 && i >> 8 !== (i + lag) >> 8) continue;
        a += z[i]! * z[i + lag]!;
        count++;
      }
      dispersion += (a * a) / count;
    }
    dispersion /= blocks;
    // 1 for independent values, with a standard error of sqrt(2 / blocks) = 0.125; measured 1.0-1.4.
    assert.ok(dispersion < 2, `lag ${lag}: block sums vary ${dispersion.toFixed(2)}x as much as for independent values`);
  }
});
