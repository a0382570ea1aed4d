import type { LossValue } from '../losses/Loss.js';
import type { Model } from '../nn/Model.js';
import type { Param } from '../nn/Param.js';
import { Tensor } from '../tensor/Tensor.js';
import type { DiagnosticContext } from './Diagnostic.js';
import { copyModel, OwnGradSink, shadowOf } from './shadowModel.js';

/**
 * The Hessian of the training loss (the mean loss over the first `examples` probe examples, as the learner
 * computes it: training mode, so batch statistics in BatchNorm) with respect to all trainable parameters, as an
 * operator v -> Hv by central finite differences of gradients:
 *
 *   Hv ~ (g(theta + eps v) - g(theta - eps v)) / (2 eps),   eps = step * max(1, |theta|) / |v|
 *
 * so the perturbation is `step` relative to the parameter norm whatever the scale of v. The error is O(eps^2)
 * times third derivatives (zero for a quadratic loss) plus float rounding of the gradients divided by 2 eps.
 * Every gradient is taken on the shadow copy with the live model's parameters, buffers and layer random
 * streams copied in first, so dropout draws the same masks each time (the loss is one fixed function) and
 * nothing of the run changes. Cost: 2 gradient evaluations (forward and backward over `examples`) per product.
 */
export class HessianOperator {
  /** Trainable parameters, in the model's order; vectors are these concatenated. */
  readonly size: number;
  /** Gradient evaluations so far (forward and backward passes over the examples). */
  evaluations = 0;
  private readonly shadow: Model;
  private readonly params: Param[];
  private readonly theta: Float64Array;
  private readonly thetaNorm: number;
  private readonly x: Tensor;
  private readonly y: DiagnosticContext['probe']['y'];
  private readonly gPlus: Float64Array;
  private readonly gMinus: Float64Array;

  constructor(
    private readonly ctx: DiagnosticContext,
    examples: number,
    private readonly step: number,
  ) {
    const { probe } = ctx;
    const total = probe.x.shape[0]!;
    const n = Math.min(examples, total);
    this.x = new Tensor(probe.x.data.subarray(0, n * probe.x.perExample), [n, ...probe.x.shape.slice(1)]);
    const perTarget = probe.y.length / total;
    this.y = probe.y.subarray(0, n * perTarget);
    this.shadow = shadowOf(ctx.model);
    this.params = this.shadow.params.filter((p) => p.trainable);
    this.size = this.params.reduce((s, p) => s + p.data.length, 0);
    this.theta = new Float64Array(this.size);
    let o = 0;
    for (const p of this.params) {
      this.theta.set(p.data, o);
      o += p.data.length;
    }
    this.thetaNorm = norm(this.theta);
    this.gPlus = new Float64Array(this.size);
    this.gMinus = new Float64Array(this.size);
  }

  /** out <- H v (v is not changed; out must not be v). */
  apply(v: Float64Array, out: Float64Array): void {
    const vn = norm(v);
    if (vn === 0) {
      out.fill(0);
      return;
    }
    const eps = (this.step * Math.max(1, this.thetaNorm)) / vn;
    this.gradientAt(v, eps, this.gPlus);
    this.gradientAt(v, -eps, this.gMinus);
    const inv = 1 / (2 * eps);
    for (let i = 0; i < this.size; i++) out[i] = (this.gPlus[i]! - this.gMinus[i]!) * inv;
  }

  /** out <- gradient of the loss at theta + s v (v null: at theta). */
  gradientAt(v: Float64Array | null, s: number, out: Float64Array): void {
    const { backend } = this.ctx;
    // Restore everything (buffers, dropout streams) so that each evaluation sees the same function.
    copyModel(this.ctx.model, this.shadow);
    let o = 0;
    for (const p of this.params) {
      const d = p.data;
      for (let j = 0; j < d.length; j++) d[j] = this.theta[o + j]! + (v ? s * v[o + j]! : 0);
      o += d.length;
    }
    const y = this.shadow.forward(this.x, true);
    const dOut = new Tensor(backend.alloc(y.data.length), y.shape);
    try {
      const value: LossValue = { sum: 0, correct: 0, count: 0 };
      this.ctx.learner.loss.compute(backend, y, this.y, dOut.data, value);
      this.shadow.backward(dOut, new OwnGradSink());
    } finally {
      backend.free(dOut.data);
    }
    o = 0;
    for (const p of this.params) {
      out.set(p.grad, o);
      o += p.grad.length;
    }
    this.evaluations++;
  }
}

/** Euclidean norm. */
export function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** Inner product. */
export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
