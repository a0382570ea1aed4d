import { z } from 'zod';
import type { Model } from '../nn/Model.js';
import { Tensor } from '../tensor/Tensor.js';
import type { LossValue } from '../losses/Loss.js';
import type { Diagnostic } from './Diagnostic.js';
import { hasLayer, OwnGradSink, shadowOf } from './shadowModel.js';
import { singularValuesFromGram } from './singularValues.js';
import { effectiveRankOf, stableRankOf } from './spectrum.js';
import { layerOf } from './weightStats.js';

const noOptions = z.strictObject({});

/**
 * ||grad of the mean training loss over the probe batch||_2 over all trainable parameters, and per layer. The
 * gradient is taken in training mode (batch statistics, dropout as in training) on a shadow copy of the model,
 * so the run's param.grad, optimizer state, running statistics and random streams are untouched.
 */
export const gradientNorm: Diagnostic<typeof noOptions> = {
  name: 'gradientNorm',
  description: 'L2 norm of the gradient of the training loss on the probe batch (training mode), whole network and per layer',
  schema: noOptions,
  compute(ctx) {
    const { backend, probe } = ctx;
    const shadow = shadowOf(ctx.model);
    const out = shadow.forward(probe.x, true);
    const dOut = new Tensor(backend.alloc(out.data.length), out.shape);
    try {
      const v: LossValue = { sum: 0, correct: 0, count: 0 };
      ctx.learner.loss.compute(backend, out, probe.y, dOut.data, v);
      shadow.backward(dOut, new OwnGradSink());
    } finally {
      backend.free(dOut.data);
    }
    const perLayer = new Map<string, number>();
    let total = 0;
    for (const p of shadow.params) {
      if (!p.trainable) continue;
      const s = backend.sumSquares(p.grad);
      perLayer.set(layerOf(p), (perLayer.get(layerOf(p)) ?? 0) + s);
      total += s;
    }
    const res: Record<string, number> = { 'diag/gradientNorm': Math.sqrt(total) };
    for (const [layer, s] of perLayer) res[`diag/gradientNorm/${layer}`] = Math.sqrt(s);
    return res;
  },
};

const ntkSchema = z.strictObject({
  examples: z.number().int().min(2).max(1024).default(32).describe('probe examples in the kernel (the first of the probe batch)'),
  delta: z.number().min(0).lt(1).default(0.01).describe('ntkStableRank: smallest k holding 1 - delta of the eigenvalue mass'),
});

function checkNtk(model: Model): void {
  if (hasLayer(model, 'batchnorm')) {
    throw new Error('diagnostic ntkRank: models with BatchNorm are not supported (per-example gradients need a backward pass through evaluation-mode BatchNorm)');
  }
}

/**
 * The empirical NTK on n probe examples, traced over the outputs: K_ij = sum_a <df_a(x_i)/dtheta, df_a(x_j)/dtheta>
 * over all trainable parameters (evaluation mode; per-example gradients by one backward pass per example and
 * output). Reports the effective rank of K's eigenvalues ('diag/ntkRank', Roy & Vetterli) and the smallest k
 * whose top-k eigenvalues hold 1 - delta of their sum ('diag/ntkStableRank').
 */
export const ntkRank: Diagnostic<typeof ntkSchema> = {
  name: 'ntkRank',
  description: 'rank of the empirical neural tangent kernel (traced over outputs) on a few probe examples',
  schema: ntkSchema,
  validate: (model) => checkNtk(model),
  compute(ctx, c) {
    checkNtk(ctx.model);
    const { backend, probe } = ctx;
    const shadow = shadowOf(ctx.model);
    const n = Math.min(c.examples, probe.x.shape[0]!);
    const per = probe.x.perExample;
    const outputs = shadow.outputShape.reduce((a, b) => a * b, 1);
    const params = shadow.params.filter((p) => p.trainable);
    const P = params.reduce((s, p) => s + p.data.length, 0);
    const x = new Tensor(backend.alloc(per), [1, ...probe.x.shape.slice(1)]);
    const dy = new Tensor(backend.alloc(outputs), [1, ...shadow.outputShape]);
    const J = backend.alloc(n * P);
    const Jt = backend.alloc(n * P);
    const K = new Float64Array(n * n);
    const Ka = new Float64Array(n * n);
    const sink = new OwnGradSink();
    try {
      for (let a = 0; a < outputs; a++) {
        backend.fill(dy.data, 0);
        dy.data[a] = 1;
        for (let i = 0; i < n; i++) {
          backend.copy(probe.x.data.subarray(i * per, (i + 1) * per), x.data);
          shadow.forward(x, false);
          shadow.backward(dy, sink);
          let o = i * P;
          for (const p of params) {
            backend.copy(p.grad, J.subarray(o, o + p.grad.length));
            o += p.grad.length;
          }
        }
        backend.transpose01(J, n, P, 1, Jt);
        backend.gram(Jt, P, n, Ka);
        for (let k = 0; k < K.length; k++) K[k]! += Ka[k]!;
      }
    } finally {
      for (const t of [x.data, dy.data, J, Jt]) backend.free(t);
    }
    const sv = singularValuesFromGram(K, n, P);
    const eig = sv.map((s) => s * s);
    return { 'diag/ntkRank': effectiveRankOf(eig), 'diag/ntkStableRank': stableRankOf(eig, c.delta) };
  },
};
