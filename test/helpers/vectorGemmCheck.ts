import type { Backend } from '../../src/backend/Backend.js';
import { createTsBackend } from '../../src/backend/ts/tsBackend.js';
import type { FloatArray } from '../../src/tensor/FloatArray.js';
import { Rng } from '../../src/tensor/Rng.js';

/**
 * The batch-1 shapes of gemm (forward products, input gradients, rank-1 weight updates) on `be` against the
 * reference, with operands holding zero rows and all-zero blocks (what ReLU and image borders give, and what the
 * kernels skip), odd lengths for the vector tails, and alpha/beta including the fused-SGD beta = 1. Throws on the
 * first element outside a float32 bound that holds for any summation order.
 */
export function checkVectorGemm(be: Backend, seed = 1): number {
  const ts = createTsBackend(32);
  const rng = Rng.seeded(seed);
  const shapes: [number, number, number][] = [
    [1, 100, 784], [1, 37, 53], [1, 5, 17], [1, 3, 1], [100, 1, 784], [13, 1, 29], [100, 784, 1], [7, 45, 1], [5, 33, 1], [1, 1, 16],
  ];
  let checked = 0;
  for (const [m, n, k] of shapes)
    for (const tA of [false, true])
      for (const tB of [false, true])
        for (const [alpha, beta] of [[1, 0], [-0.01, 1], [0.5, -1.5]] as const) {
          const a = be.alloc(m * k), b = be.alloc(k * n), c = be.alloc(m * n);
          sparse(rng, a);
          sparse(rng, b);
          rng.fillUniform(c, -1, 1);
          if (beta === 0) c.fill(NaN);
          const ref = Float32Array.from(c);
          ts.gemm(tA, tB, m, n, k, alpha, a, b, beta, ref);
          const bound = new Float32Array(m * n);
          if (beta !== 0) for (let i = 0; i < m * n; i++) bound[i] = Math.abs(c[i]!);
          ts.gemm(tA, tB, m, n, k, Math.abs(alpha), a.map(Math.abs), b.map(Math.abs), Math.abs(beta), bound);
          be.gemm(tA, tB, m, n, k, alpha, a, b, beta, c);
          const eps = 1.2e-7 * (k + 2);
          for (let i = 0; i < m * n; i++) {
            if (!(Math.abs(c[i]! - ref[i]!) <= eps * bound[i]! + 1e-30)) {
              throw new Error(`gemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${m}x${n}x${k} alpha=${alpha} beta=${beta}: C[${i}] = ${c[i]}, reference ${ref[i]}`);
            }
          }
          checked++;
          be.free(a);
          be.free(b);
          be.free(c);
        }
  return checked;
}

/** Uniform values with a third of them zero, and a zero block of 16 or more at a random place when long enough. */
function sparse(rng: Rng, a: FloatArray): void {
  rng.fillUniform(a, -1, 1);
  for (let i = 0; i < a.length; i++) if (rng.uniform(0, 1) < 1 / 3) a[i] = 0;
  if (a.length >= 40) {
    const at = Math.floor(rng.uniform(0, a.length - 40));
    a.fill(0, at, at + 16 + Math.floor(rng.uniform(0, 24)));
  }
}
