import type { Learner } from '../learn/Learner.js';
import type { LossValue } from '../losses/Loss.js';
import type { GradSink, GradTarget } from '../nn/Layer.js';
import type { Param } from '../nn/Param.js';
import { applyUpdates } from '../optim/Transform.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import { Tensor } from '../tensor/Tensor.js';

/** Gradients written into param.grad (overwritten), as the Learner's non-fused step does (one target per parameter: a layer holds several at once). */
class OverwriteSink implements GradSink {
  private readonly targets: GradTarget[] = [];
  target(p: Param): GradTarget | null {
    if (!p.trainable) return null;
    const t = (this.targets[p.index] ??= { buf: p.grad, alpha: 1, beta: 0 });
    t.buf = p.grad;
    return t;
  }
}

/**
 * A Learner's training step split in two, so that several networks can be clipped by one gradient norm before
 * any of them moves (CleanRL's single optimizer over actor and critic: clip_grad_norm_(agent.parameters())).
 * `gradients` is the first half of `Learner.trainStep` (forward, loss, backward into param.grad, the
 * learner's linear regularizers added); `apply` the second (the learner's optimizer on param.grad, applied,
 * update count + 1). Between the two, param.grad of every net is final and may be read or scaled.
 */
export class SplitStep {
  private readonly sink = new OverwriteSink();
  private dOut: Tensor | null = null;
  private readonly result: LossValue = { sum: 0, correct: 0, count: 0 };

  constructor(readonly learner: Learner) {}

  /** Forward, loss and backward on a batch; returns the loss (reused object). The parameters do not change. */
  gradients(x: Tensor, target: FloatArray): LossValue {
    const { model, loss } = this.learner;
    const backend = model.backend;
    if (!backend.owns(target)) throw new Error(`learner: the targets are not in ${backend.name} memory; allocate them with backend.alloc`);
    const out = model.forward(x, true);
    if (!this.dOut || this.dOut.data.length !== out.data.length) {
      if (this.dOut) backend.free(this.dOut.data);
      this.dOut = new Tensor(backend.alloc(out.data.length), [...out.shape]);
    }
    loss.compute(backend, out, target, this.dOut.data, this.result);
    model.backward(this.dOut, this.sink);
    const params = model.params;
    for (const r of this.learner.regularizers) {
      for (let i = 0; i < params.length; i++) {
        const p = params[i]!;
        if (!p.trainable || (r.appliesTo && !r.appliesTo(p))) continue;
        backend.axpy(r.coef, p.data, p.grad);
        const a = r.anchor?.[i];
        if (a) backend.axpy(-r.coef, a, p.grad);
      }
    }
    return this.result;
  }

  /** Sum of squares of the trainable gradients (param.grad) of the learner's model. */
  gradSumSquares(): number {
    const { model } = this.learner;
    let ss = 0;
    for (const p of model.params) if (p.trainable) ss += model.backend.sumSquares(p.grad);
    return ss;
  }

  /** The optimizer step on param.grad as it stands (transformed in place into the update), then applied. */
  apply(): void {
    const l = this.learner;
    const { model } = l;
    const params = model.params;
    const step = l.step + 1;
    const updates = params.map((p) => p.grad);
    l.optimizer.update(updates, l.optState, params, { step, taskStep: step - l.taskStartStep, epoch: l.epoch, backend: model.backend });
    // An optimizer step of its own: the update-size accounting diffs it against copies (UpdateLedger).
    const ledger = model.updateLedger;
    ledger?.willWriteAll();
    applyUpdates(params, updates, model.backend);
    l.step = step;
    ledger?.close();
  }
}

/**
 * torch.nn.utils.clip_grad_norm_ over several parameter sets at once: the global L2 norm of all of them
 * (`sumSquares` per set) and the factor max / (norm + 1e-6) to scale every set by when the norm is above max
 * (1 otherwise).
 */
export function jointClipFactor(sumSquares: readonly number[], maxNorm: number): { norm: number; factor: number } {
  let ss = 0;
  for (const s of sumSquares) ss += s;
  const norm = Math.sqrt(ss);
  return { norm, factor: norm > maxNorm ? maxNorm / (norm + 1e-6) : 1 };
}
