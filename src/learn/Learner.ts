import type { FloatArray } from '../tensor/FloatArray.js';
import { Tensor } from '../tensor/Tensor.js';
import type { GradSink, GradTarget } from '../nn/Layer.js';
import type { Model } from '../nn/Model.js';
import type { Param } from '../nn/Param.js';
import type { Loss, LossValue } from '../losses/Loss.js';
import { applyUpdates, type Affine, type StepClock, type Transform } from '../optim/Transform.js';
import { BatchCache } from '../nn/BatchCache.js';
import type { AuxiliaryLoss } from './AuxiliaryLoss.js';
import { DenseReluStep } from './DenseReluStep.js';
import { rawData } from '../nn/PendingUpdate.js';
import type { LinearRegularizer } from './LinearRegularizer.js';

const fuseModes = ['auto', 'layerwise', 'never'] as const;

/**
 * What a {@link Learner} trains and how: the model, the optimizer transform, the loss, and whether an affine
 * optimizer may be fused into backward.
 */
export interface LearnerOptions {
  readonly model: Model;
  readonly optimizer: Transform;
  readonly loss: Loss;
  /**
   * 'auto' (default): when the optimizer is affine (SGD without momentum, with or without weight decay),
   * apply it inside backward (one pass over each weight instead of three), and for one example through a
   * Linear-ReLU-...-Linear stack under cross-entropy run the whole step in one kernel call (see
   * `DenseReluStep`, src/learn/DenseReluStep.ts). 'layerwise': SGD inside each layer's backward, never the whole-step kernel (the same
   * results on the ts and wasm backends, bit for bit). 'never': always materialize gradients in `param.grad`.
   * All give the same training up to float rounding.
   */
  readonly fuse?: 'auto' | 'layerwise' | 'never';
}

/**
 * The training step of supple: forward, loss, backward, regularizers, optimizer, apply. It owns the optimizer
 * state, the update count and the regularizers that methods add (l2, l2-init: a method adds its regularizer
 * when it is created, so a hand-written loop over `trainStep` trains with it as the runner's loop does).
 * Methods edit between steps; the loop that feeds batches and calls method hooks is the caller's (the
 * supervised runner's, an RL agent's, or your own).
 */
export class Learner {
  readonly model: Model;
  readonly loss: Loss;
  private opt: Transform;
  private state: unknown;
  /** Updates done so far. */
  step = 0;
  /** The update count when the current task began (per-task schedules restart there). */
  taskStartStep = 0;
  /** The epoch within the current task (set by the training loop; 'epochs' schedules read it). */
  epoch = 0;
  private readonly regs: LinearRegularizer[] = [];
  private readonly aux: AuxiliaryLoss[] = [];
  private auxSink: AccumulatingSink | null = null;
  private gradientsRequired = false;
  private readonly fuseMode: 'auto' | 'layerwise' | 'never';
  private readonly denseStep: DenseReluStep;
  private readonly gradSink: GradientSink;
  private readonly fusedSink: FusedSink;
  private readonly dOut: BatchCache<Tensor>;
  private readonly result: LossValue = { sum: 0, correct: 0, count: 0 };
  private updates: FloatArray[] = [];
  private readonly clock = { step: 0, taskStep: 0, epoch: 0 };

  constructor(opts: LearnerOptions) {
    this.model = opts.model;
    this.loss = opts.loss;
    this.fuseMode = opts.fuse ?? 'auto';
    if (!fuseModes.includes(this.fuseMode)) throw new Error(`learner: fuse = '${String(this.fuseMode)}' is not allowed; allowed: ${fuseModes.join(', ')}`);
    this.denseStep = new DenseReluStep(this.model);
    this.opt = opts.optimizer;
    this.state = opts.optimizer.init(this.model.params, this.model.backend);
    this.gradSink = new GradientSink(this.model.params);
    this.fusedSink = new FusedSink(this.model.params);
    const backend = this.model.backend;
    this.dOut = new BatchCache(
      (n) => {
        const per = this.model.outputShape.reduce((a, b) => a * b, 1);
        return new Tensor(backend.alloc(n * per), [n, ...this.model.outputShape]);
      },
      (t) => backend.free(t.data),
    );
  }

  /** The optimizer (a gradient transform), as given or as a method wrapped it. */
  get optimizer(): Transform {
    return this.opt;
  }

  /** The optimizer's state (checkpointed; edits reset its parameter-shaped slots). */
  get optState(): unknown {
    return this.state;
  }

  /**
   * Replaces the optimizer by wrap(optimizer), with fresh state: for methods that change the update rule itself
   * (UPGD gates and perturbs the gradient before it, TRAC scales what it does). Only before the first update,
   * so no optimizer state is lost; methods call it when they are created.
   */
  wrapOptimizer(wrap: (inner: Transform) => Transform): void {
    if (this.step !== 0) throw new Error(`learner: the optimizer can be wrapped only before the first update (now at update ${this.step})`);
    this.opt = wrap(this.opt);
    this.state = this.opt.init(this.model.params, this.model.backend);
  }

  /** The linear regularizers applied at every step, in the order they were added. */
  get regularizers(): readonly LinearRegularizer[] {
    return this.regs;
  }

  /** Adds a regularizer to every following step (methods call this when they are created). */
  addRegularizer(r: LinearRegularizer): void {
    if (!(Number.isFinite(r.coef) && r.coef >= 0)) throw new Error(`learner: a regularizer's coef = ${r.coef} is not allowed: a finite number >= 0`);
    this.regs.push(r);
  }

  /** Adds an auxiliary objective to every following step (its gradient joins the main one before the optimizer; no fused SGD). */
  addAuxiliaryLoss(a: AuxiliaryLoss): void {
    this.aux.push(a);
  }

  /** Something reads param.grad after each step (a method's utility): from now on gradients are materialized (no fused SGD). */
  requireGradients(): void {
    this.gradientsRequired = true;
  }

  /** True once something has asked for param.grad after each step. */
  get gradientsNeeded(): boolean {
    return this.gradientsRequired;
  }

  /** A new task begins: schedules of kind 'per-task' restart. */
  startTask(): void {
    this.taskStartStep = this.step;
  }

  /** True when the next step applies the optimizer inside backward. */
  get fused(): boolean {
    return this.fuseMode !== 'never' && !this.gradientsRequired && this.aux.length === 0 && this.optimizer.affine !== undefined;
  }

  /** Whether the last trainStep ran as one whole-step kernel call (DenseReluStep), which accounts its update size. */
  lastStepWhole = false;

  /**
   * One update on a batch. Returns the batch's loss (summed over examples) and correct count; the object is
   * reused by the next call.
   */
  trainStep(x: Tensor, target: FloatArray): LossValue {
    const { model } = this;
    const backend = model.backend;
    if (!backend.owns(target)) throw new Error(`learner: the targets are not in ${backend.name} memory; allocate them with backend.alloc`);
    const step = this.step + 1;
    const clock = this.clock;
    clock.step = step;
    clock.taskStep = step - this.taskStartStep;
    clock.epoch = this.epoch;
    const fused = this.fused && this.fusedSink.prepare(this.optimizer, clock, this.regs);
    // Update-size accounting: the whole-step kernel accounts what it writes; every other path, and an anchored
    // regularizer's second write, is diffed against a copy (UpdateLedger).
    const ledger = model.updateLedger;
    if (ledger && hasAnchor(this.regs)) ledger.willWriteAll();
    // One example through a dense ReLU stack: the whole step in one kernel call when it qualifies (DenseReluStep).
    if (fused && this.fuseMode === 'auto' && this.denseStep.run(x, target, this.loss, this.fusedSink, this.logitGrad, this.result, ledger)) {
      this.fusedSink.applyAnchors(backend, this.regs);
      this.step = step;
      this.lastStepWhole = true;
      ledger?.close();
      return this.result;
    }
    ledger?.willWriteAll();
    this.lastStepWhole = false;
    const out = model.forward(x, true);
    const dOut = this.gradBuffer(out);
    this.loss.compute(backend, out, target, dOut.data, this.result);
    if (fused) {
      model.backward(dOut, this.fusedSink);
      this.fusedSink.applyAnchors(backend, this.regs);
    } else {
      model.backward(dOut, this.gradSink);
      if (this.aux.length) {
        this.auxSink ??= new AccumulatingSink();
        for (let i = 0; i < this.aux.length; i++) this.aux[i]!.backward(x, this.auxSink);
      }
      const params = model.params;
      const regs = this.regs;
      for (let j = 0; j < regs.length; j++) {
        const r = regs[j]!;
        for (let i = 0; i < params.length; i++) {
          const p = params[i]!;
          if (!p.trainable || (r.appliesTo && !r.appliesTo(p))) continue;
          backend.axpy(r.coef, p.data, p.grad);
          const a = r.anchor?.[i];
          if (a) backend.axpy(-r.coef, a, p.grad);
        }
      }
      const updates = this.updateArrays();
      this.optimizer.update(updates, this.optState, params, { step, taskStep: clock.taskStep, epoch: clock.epoch, backend });
      applyUpdates(params, updates, backend);
    }
    this.step = step;
    ledger?.close();
    return this.result;
  }

  /** Loss and correct count of a batch in evaluation mode (no update, no state change except the output buffers). */
  evaluate(x: Tensor, target: FloatArray, into: LossValue = { sum: 0, correct: 0, count: 0 }): LossValue {
    const out = this.model.forward(x, false);
    return this.loss.compute(this.model.backend, out, target, this.gradBuffer(out).data, into);
  }

  private gradBuffer(out: Tensor): Tensor {
    const t = this.dOut.get(out.shape[0]!);
    if (t.data.length !== out.data.length) {
      // The head grew: start over with buffers of the new width.
      this.dOut.clear();
      return this.dOut.get(out.shape[0]!);
    }
    return t;
  }

  /** The loss gradient buffer of one example with `classes` outputs (the fused dense step's). */
  private readonly logitGrad = (classes: number): FloatArray => {
    const t = this.dOut.get(1);
    if (t.data.length === classes) return t.data;
    this.dOut.clear();
    return this.dOut.get(1).data;
  };

  private updateArrays(): FloatArray[] {
    const ps = this.model.params;
    let same = this.updates.length === ps.length;
    for (let i = 0; same && i < ps.length; i++) same = this.updates[i] === ps[i]!.grad;
    if (!same) this.updates = ps.map((p) => p.grad);
    return this.updates;
  }
}

/** Gradients into param.grad (overwritten). */
class GradientSink implements GradSink {
  private readonly targets: GradTarget[];
  constructor(params: readonly Param[]) {
    this.targets = params.map((p) => ({ buf: p.grad, alpha: 1, beta: 0 }));
  }
  target(p: Param): GradTarget | null {
    if (!p.trainable) return null;
    // Parameters added after construction (plasticity injection) get their target on first use.
    const t = (this.targets[p.index] ??= { buf: p.grad, alpha: 1, beta: 0 });
    t.buf = p.grad;
    return t;
  }
}

/** Gradients added to param.grad (an auxiliary loss's, after the main backward wrote it). */
class AccumulatingSink implements GradSink {
  private readonly targets = new Map<Param, GradTarget>();
  target(p: Param): GradTarget | null {
    if (!p.trainable) return null;
    let t = this.targets.get(p);
    if (!t) this.targets.set(p, (t = { buf: p.grad, alpha: 1, beta: 1 }));
    t.buf = p.grad; // a grown head has new arrays
    return t;
  }
}

/**
 * SGD inside backward: w <- (1 + b + a * sum coef) w + a * g, then w -= a * coef * anchor. Exact for affine
 * optimizers and linear regularizers (the regularizer gradient uses the weights before the step).
 */
class FusedSink implements GradSink {
  private readonly targets: GradTarget[];
  private alphas: Float64Array;
  private readonly coef: Affine = { a: 0, b: 0 };
  constructor(private readonly params: readonly Param[]) {
    this.targets = params.map((p) => ({ buf: p.data, alpha: 0, beta: 1 }));
    this.alphas = new Float64Array(params.length);
  }

  /** Coefficients for this step; false if the optimizer is not affine at this step. */
  prepare(opt: Transform, clock: StepClock, regs: readonly LinearRegularizer[]): boolean {
    // The model's parameter list can grow (plasticity injection appends parameters): extend the targets.
    if (this.alphas.length < this.params.length) {
      for (let i = this.targets.length; i < this.params.length; i++) this.targets.push({ buf: this.params[i]!.data, alpha: 0, beta: 1 });
      this.alphas = new Float64Array(this.params.length);
    }
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i]!;
      const c = this.coef;
      if (!opt.affine!(clock, p, c)) return false;
      let beta = 1 + c.b;
      for (let j = 0; j < regs.length; j++) {
        const r = regs[j]!;
        if (!r.appliesTo || r.appliesTo(p)) beta += c.a * r.coef;
      }
      const t = this.targets[i]!;
      // Not p.data: that would apply a first-layer update the whole-step kernel holds (PendingUpdate) every step;
      // the layer-by-layer backward that writes into buf runs after a forward pass, which applies it.
      t.buf = rawData(p);
      t.alpha = c.a;
      t.beta = beta;
      this.alphas[i] = c.a;
    }
    return true;
  }

  applyAnchors(backend: Model['backend'], regs: readonly LinearRegularizer[]): void {
    // Indexed loops here and in prepare: a for-of makes an iterator per call (every step), even over no regularizers.
    for (let j = 0; j < regs.length; j++) {
      const r = regs[j]!;
      if (!r.anchor) continue;
      for (let i = 0; i < this.params.length; i++) {
        const p = this.params[i]!;
        const a = r.anchor[i];
        if (!a || !p.trainable || (r.appliesTo && !r.appliesTo(p))) continue;
        backend.axpy(-this.alphas[i]! * r.coef, a, p.data);
      }
    }
  }

  target(p: Param): GradTarget | null {
    return p.trainable ? this.targets[p.index]! : null;
  }
}

/** Whether a regularizer has an anchor (its fused form writes the weights a second time after the step). */
function hasAnchor(regs: readonly LinearRegularizer[]): boolean {
  for (let j = 0; j < regs.length; j++) if (regs[j]!.anchor) return true;
  return false;
}
