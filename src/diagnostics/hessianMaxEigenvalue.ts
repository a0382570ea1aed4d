import { z } from 'zod';
import type { Rng } from '../tensor/Rng.js';
import type { Diagnostic } from './Diagnostic.js';
import { dot, HessianOperator, norm } from './hessianVectorProduct.js';

/** Options of the hessianMaxEigenvalue probe (`probes.hessianMaxEigenvalue.<field>`). */
export const hessianMaxEigenvalueSchema = z.strictObject({
  examples: z.number().int().min(1).default(512).describe('probe examples the loss is averaged over (the first of the probe batch)'),
  iterations: z.number().int().min(1).max(1000).default(20).describe('most power iterations (each one Hessian-vector product: 2 gradient evaluations)'),
  tol: z.number().min(0).default(1e-3).describe('stop when the Rayleigh quotient changes by less than tol relative to its size'),
  step: z.number().gt(0).lt(1).default(1e-3).describe('finite-difference step relative to the parameter norm: eps = step * max(1, |theta|)'),
});

/** Result of a power iteration: the Rayleigh quotient and the Hessian-vector products spent. */
interface PowerResult {
  readonly value: number;
  readonly products: number;
}

/** Power iteration on H - shift I from a random unit vector: the eigenvalue of largest magnitude of H - shift I, plus shift. */
function powerIteration(op: HessianOperator, shift: number, iterations: number, tol: number, rng: Rng): PowerResult {
  const v = new Float64Array(op.size);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  const hv = new Float64Array(op.size);
  let value = 0;
  let products = 0;
  for (let it = 0; it < iterations; it++) {
    const vn = norm(v);
    if (vn === 0) break;
    for (let i = 0; i < v.length; i++) v[i]! /= vn;
    op.apply(v, hv);
    products++;
    if (shift !== 0) for (let i = 0; i < v.length; i++) hv[i]! -= shift * v[i]!;
    const next = dot(v, hv);
    const done = it > 0 && Math.abs(next - value) <= tol * Math.abs(next);
    value = next;
    v.set(hv);
    if (done) break;
  }
  return { value: value + shift, products };
}

/**
 * The largest eigenvalue of the Hessian of the training loss on the probe batch (the sharpness Lyle et al. 2023
 * and Cohen et al. 2021 track), by power iteration on finite-difference Hessian-vector products (see
 * HessianOperator: training mode, dropout masks held fixed, run untouched). Power iteration converges to the
 * eigenvalue of largest magnitude; when that one is negative, a second power iteration on H - lambda I finds
 * the largest (algebraic) one. The start vector is a normal draw from the probe's own stream, split by name,
 * so the value is a deterministic function of the model and the probe batch. Reports
 * 'diag/hessianMaxEigenvalue' and 'diag/hessianMaxEigenvalue/products' (the products spent).
 * Cost: 2 gradient evaluations on `examples` probe examples per iteration, at most 2 * iterations (4 * iterations
 * when the first eigenvalue found is negative).
 */
export const hessianMaxEigenvalue: Diagnostic<typeof hessianMaxEigenvalueSchema> = {
  name: 'hessianMaxEigenvalue',
  description:
    'largest eigenvalue of the Hessian of the training loss on the probe batch (power iteration on finite-difference Hessian-vector products); cost: 2 gradient evaluations on `examples` probe examples per iteration, at most 2 x iterations (twice that if the top-magnitude eigenvalue is negative)',
  schema: hessianMaxEigenvalueSchema,
  compute(ctx, c) {
    const op = new HessianOperator(ctx, c.examples, c.step);
    const rng = ctx.rng.split('hessianMaxEigenvalue');
    const first = powerIteration(op, 0, c.iterations, c.tol, rng);
    let value = first.value;
    let products = first.products;
    if (value < 0) {
      // H - lambda I is positive semidefinite; its largest eigenvalue is lambda_max - lambda.
      const second = powerIteration(op, value, c.iterations, c.tol, rng);
      value = second.value;
      products += second.products;
    }
    return { 'diag/hessianMaxEigenvalue': value, 'diag/hessianMaxEigenvalue/products': products };
  },
};
