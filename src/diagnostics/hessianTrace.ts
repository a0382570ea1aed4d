import { z } from 'zod';
import type { Diagnostic } from './Diagnostic.js';
import { dot, HessianOperator } from './hessianVectorProduct.js';

/** Options of the hessianTrace probe (`probes.hessianTrace.<field>`). */
export const hessianTraceSchema = z.strictObject({
  examples: z.number().int().min(1).default(512).describe('probe examples the loss is averaged over (the first of the probe batch)'),
  samples: z.number().int().min(1).max(10000).default(16).describe('Rademacher vectors z averaged over (each one Hessian-vector product: 2 gradient evaluations)'),
  step: z.number().gt(0).lt(1).default(1e-3).describe('finite-difference step relative to the parameter norm: eps = step * max(1, |theta|)'),
});

/**
 * The trace of the Hessian of the training loss on the probe batch by Hutchinson's estimator: the mean of
 * z^T H z over `samples` Rademacher vectors z (entries +-1 with equal odds, drawn from the probe's own stream split
 * by name, so deterministic), with finite-difference Hessian-vector products (see HessianOperator). Unbiased;
 * its variance per sample is 2 (|H|_F^2 - sum_i H_ii^2). Reports 'diag/hessianTrace' and its standard error
 * over the samples 'diag/hessianTrace/stderr' (0 with one sample).
 * Cost: 2 gradient evaluations on `examples` probe examples per sample.
 */
export const hessianTrace: Diagnostic<typeof hessianTraceSchema> = {
  name: 'hessianTrace',
  description:
    'trace of the Hessian of the training loss on the probe batch (Hutchinson, Rademacher vectors, finite-difference Hessian-vector products); cost: 2 gradient evaluations on `examples` probe examples per sample',
  schema: hessianTraceSchema,
  compute(ctx, c) {
    const op = new HessianOperator(ctx, c.examples, c.step);
    const rng = ctx.rng.split('hessianTrace');
    const z = new Float64Array(op.size);
    const hz = new Float64Array(op.size);
    let sum = 0, sumSq = 0;
    for (let s = 0; s < c.samples; s++) {
      for (let i = 0; i < z.length; i++) z[i] = rng.nextU32() & 1 ? 1 : -1;
      op.apply(z, hz);
      const q = dot(z, hz);
      sum += q;
      sumSq += q * q;
    }
    const m = c.samples;
    const mean = sum / m;
    const variance = m > 1 ? Math.max(0, (sumSq - m * mean * mean) / (m - 1)) : 0;
    return { 'diag/hessianTrace': mean, 'diag/hessianTrace/stderr': Math.sqrt(variance / m) };
  },
};
