import { z } from 'zod';
import type { LossValue } from '../losses/Loss.js';
import type { Model } from '../nn/Model.js';
import { Tensor } from '../tensor/Tensor.js';
import type { Diagnostic } from './Diagnostic.js';
import { hasLayer, OwnGradSink, shadowOf } from './shadowModel.js';

/** Options of the gradientCovariance probe (`probes.gradientCovariance.<field>`). */
export const gradientCovarianceSchema = z.strictObject({
  examples: z.number().int().min(2).max(1024).default(32).describe('probe examples whose loss gradients are compared (the first of the probe batch)'),
});

function check(model: Model): void {
  if (hasLayer(model, 'batchnorm')) {
    throw new Error('diagnostic gradientCovariance: models with BatchNorm are not supported (per-example gradients need a backward pass through evaluation-mode BatchNorm)');
  }
}

/**
 * The gradient covariance of Lyle et al. 2023 (Understanding plasticity in neural networks): the matrix of cosine
 * similarities C_ij = <grad l_i, grad l_j> / (|grad l_i| |grad l_j|) between the per-example loss gradients of n
 * probe examples (all trainable parameters, evaluation mode). Plastic networks have nearly orthogonal per-example
 * gradients; as plasticity is lost they align (updates on one example interfere with all others) or oppose.
 * Reports the mean off-diagonal similarity ('meanCosine'), the mean absolute one ('meanAbsCosine') and the
 * fraction of pairs with negative similarity ('negativeFraction', interference), over pairs whose gradients are
 * both nonzero. The NTK's own spectrum (its conditioning) is ntkRank's. Cost: n gradient evaluations on single
 * examples plus n^2 / 2 inner products of parameter-sized vectors.
 */
export const gradientCovariance: Diagnostic<typeof gradientCovarianceSchema> = {
  name: 'gradientCovariance',
  description: 'cosine similarities of per-example loss gradients (Lyle et al. 2023): mean, mean absolute, negative fraction; cost: `examples` single-example gradient evaluations',
  schema: gradientCovarianceSchema,
  validate: (model) => check(model),
  compute(ctx, c) {
    check(ctx.model);
    const { backend, probe } = ctx;
    const shadow = shadowOf(ctx.model);
    const total = probe.x.shape[0]!;
    const n = Math.min(c.examples, total);
    const per = probe.x.perExample;
    const perTarget = probe.y.length / total;
    const params = shadow.params.filter((p) => p.trainable);
    const P = params.reduce((s, p) => s + p.data.length, 0);
    const x = new Tensor(backend.alloc(per), [1, ...probe.x.shape.slice(1)]);
    const y = backend.alloc(perTarget);
    const outputs = shadow.outputShape.reduce((a, b) => a * b, 1);
    const dOut = new Tensor(backend.alloc(outputs), [1, ...shadow.outputShape]);
    const G = new Float64Array(n * P);
    const sink = new OwnGradSink();
    try {
      for (let i = 0; i < n; i++) {
        backend.copy(probe.x.data.subarray(i * per, (i + 1) * per), x.data);
        backend.copy(probe.y.subarray(i * perTarget, (i + 1) * perTarget), y);
        const out = shadow.forward(x, false);
        const v: LossValue = { sum: 0, correct: 0, count: 0 };
        ctx.learner.loss.compute(backend, out, y, dOut.data, v);
        shadow.backward(dOut, sink);
        let o = i * P;
        for (const p of params) {
          G.set(p.grad, o);
          o += p.grad.length;
        }
      }
    } finally {
      for (const t of [x.data, y, dOut.data]) backend.free(t);
    }
    const norms = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = i * P; k < (i + 1) * P; k++) s += G[k]! * G[k]!;
      norms[i] = Math.sqrt(s);
    }
    let sum = 0, sumAbs = 0, negative = 0, pairs = 0;
    for (let i = 0; i < n; i++) {
      if (norms[i] === 0) continue;
      for (let j = i + 1; j < n; j++) {
        if (norms[j] === 0) continue;
        let d = 0;
        for (let k = 0; k < P; k++) d += G[i * P + k]! * G[j * P + k]!;
        const cos = d / (norms[i]! * norms[j]!);
        sum += cos;
        sumAbs += Math.abs(cos);
        if (cos < 0) negative++;
        pairs++;
      }
    }
    const mean = (v: number) => (pairs ? v / pairs : 0);
    return {
      'diag/gradientCovariance/meanCosine': mean(sum),
      'diag/gradientCovariance/meanAbsCosine': mean(sumAbs),
      'diag/gradientCovariance/negativeFraction': mean(negative),
    };
  },
};
