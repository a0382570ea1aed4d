// The gemm of the two kernel builds side by side, one thread: kernels.wasm (multiply then add) against
// kernels-fma.wasm (relaxed-SIMD fused multiply-add), alternating on the same inputs, best of 5 by CPU time
// (robust on a shared machine). Shapes: the 2000-wide MLP layers at batch 256 and a conv layer's product.
//
//   node --experimental-wasm-relaxed-simd dist/bench/gemmBuilds.js   (Node >= 22 needs no flag)
import { readFileSync } from 'node:fs';
import { instantiateKernels, wasmFmaPath, wasmPath } from '../src/backend/wasm/kernels.js';

const memory = new WebAssembly.Memory({ initial: 8192, maximum: 65536, shared: true });
const builds = [wasmPath, wasmFmaPath].map((path) => ({ name: path.split('/').pop()!, k: instantiateKernels(new WebAssembly.Module(readFileSync(path)), memory) }));
const A = 1 << 20, B = A + 4 * 2000 * 2000 * 2, C = B + 4 * 2000 * 16384, S = C + 4 * 2000 * 16384;
const f = new Float32Array(memory.buffer);
for (let i = A >> 2; i < S >> 2; i++) f[i] = (i % 97) / 97 - 0.5;
for (const [tA, tB, m, n, k] of [[0, 0, 256, 2000, 2000], [0, 1, 256, 2000, 2000], [1, 0, 2000, 2000, 256], [0, 0, 64, 16384, 576]] as const) {
  const best = builds.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < 5; r++) {
    builds.forEach(({ k: K }, j) => {
      const t = process.cpuUsage();
      K.gemmPart(tA, tB, m, n, k, 1, A, B, 0, C, 0, 1, S);
      const u = process.cpuUsage(t);
      best[j] = Math.min(best[j]!, (u.user + u.system) / 1000);
    });
  }
  console.log(`${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${m}x${n}x${k}: ${builds.map(({ name }, j) => `${name} ${best[j]!.toFixed(1)} ms (${((m * n * k) / best[j]! / 1e6).toFixed(1)} GMAC/s)`).join(', ')}`);
}
