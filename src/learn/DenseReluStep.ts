import type { FloatArray } from '../tensor/FloatArray.js';
import type { Tensor } from '../tensor/Tensor.js';
import { Activation } from '../backend/Backend.js';
import type { GradSink } from '../nn/Layer.js';
import type { Model } from '../nn/Model.js';
import type { UpdateLedger } from '../nn/UpdateLedger.js';
import { ActivationLayer } from '../nn/layers/ActivationLayer.js';
import { Linear } from '../nn/layers/Linear.js';
import type { Loss, LossValue } from '../losses/Loss.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { PendingUpdate, pendingUpdateOf } from '../nn/PendingUpdate.js';


/**
 * The learner's whole-step path for online learning (Backend.denseReluStep): forward, loss, backward and the
 * SGD update of one example in ONE kernel call, instead of a call (and its checks and layer bookkeeping) per
 * layer and direction. It applies when
 * - the model's top-level layers are exactly Linear, ReLU, Linear, ReLU, ..., Linear (plain Linear layers, not
 *   spectrally normalized ones; every parameter trainable; the MLP builders' default),
 * - the loss is crossEntropy, the batch has one example (in backend memory, shaped [1, inputs]), the model does
 *   not check for non-finite values,
 * - and the learner fuses SGD into backward at this step (the GradSink given; see Learner.fused).
 * Otherwise {@link DenseReluStep.run} returns false and the learner goes layer by layer. The step leaves what
 * the layer-by-layer one leaves: every layer's recorded input and output (pre-activations and activations, which
 * unit-group methods and probes read), the model's output, the loss gradient in `dOut`, the updated weights and
 * biases, and the loss value; on the ts and wasm backends bit for bit. A first layer of deferMinWeights or more
 * defers its weight update to the next step's forward pass (see PendingUpdate: every reader of its `param.data`
 * gets it applied first), with the same operations on each weight, so the same results bit for bit.
 */
export class DenseReluStep {
  /**
   * First layers from this many weights defer their update to the next step (Backend.denseReluStepDeferred): below
   * it the weights stay in L1 between the forward and the backward pass, and there is no second read to save.
   * (Tests set Infinity to compare with the undeferred step.)
   */
  static deferMinWeights = 16384;
  /** The top-level layers the plan was made for (compared each step: injection replaces layers). */
  private layersSeen: unknown[] = [];
  private linears: Linear[] = [];
  private relus: ActivationLayer[] = [];
  private readonly sizes: number[] = [];
  private readonly weights: FloatArray[] = [];
  private readonly biases: (FloatArray | null)[] = [];
  private readonly pre: FloatArray[] = [];
  private readonly post: FloatArray[] = [];
  private coefs = new Float64Array(0);
  private scratch: FloatArray | null = null;
  private changes = new Float64Array(0);

  constructor(private readonly model: Model) {}

  /**
   * One training step of the example x [1, inputs] with its class `target[0]` when everything qualifies (see
   * above): fills `into` and returns true. Returns false, having changed nothing, otherwise.
   */
  run(x: Tensor, target: FloatArray, loss: Loss, sink: GradSink, dOut: (classes: number) => FloatArray, into: LossValue, ledger: UpdateLedger | null = null): boolean {
    const model = this.model;
    if (loss !== crossEntropy || model.checkFinite || x.shape.length !== 2 || x.shape[0] !== 1 || !this.qualifies()) return false;
    const linears = this.linears, relus = this.relus;
    const layers = linears.length;
    const backend = model.backend;
    if (x.shape[1] !== linears[0]!.inFeatures || !backend.owns(x.data)) return false;
    for (let l = 0; l < layers; l++) {
      const lin = linears[l]!;
      if (!lin.weight.trainable || (lin.bias && !lin.bias.trainable)) return false;
    }
    // Everything qualifies: from here on the step is taken.
    const { sizes, weights, biases, pre, post, coefs } = this;
    sizes[0] = linears[0]!.inFeatures;
    const first = linears[0]!;
    // No deferral while an update ledger exists (the updateSize tracker): it reads the weights after every step anyway,
    // and the kernel that accounts |delta w| writes the update in place. A held update is applied by the read below.
    // Nor while a reader keeps the first layer's row sums (cbp's adaptable utility): the step writes them as it
    // updates the weights, which it then does at once.
    const watch = pendingUpdateOf(first.weight);
    const rowAbsSums = watch?.rowAbsSums ?? undefined;
    const deferred = !ledger && !rowAbsSums && first.outFeatures * first.inFeatures >= DenseReluStep.deferMinWeights ? PendingUpdate.of(first.weight, backend) : null;
    // The array itself (uncounted: the row sums asked for are written with it) unless an update is still held.
    const firstWeights = deferred ? deferred.raw : watch && !watch.held ? watch.raw : first.weight.data;
    let h = x;
    let widest = 0;
    for (let l = 0; l < layers; l++) {
      const lin = linears[l]!;
      const z = lin.claimOutput(h);
      sizes[l + 1] = lin.outFeatures;
      weights[l] = l === 0 ? firstWeights : lin.weight.data;
      biases[l] = lin.bias?.data ?? null;
      pre[l] = z.data;
      const tw = sink.target(lin.weight)!;
      coefs[4 * l] = tw.alpha;
      coefs[4 * l + 1] = tw.beta;
      const tb = lin.bias ? sink.target(lin.bias) : null;
      coefs[4 * l + 2] = tb?.alpha ?? 0;
      coefs[4 * l + 3] = tb?.beta ?? 0;
      if (l < layers - 1) {
        h = relus[l]!.claimOutput(z);
        post[l] = h.data;
        if (lin.outFeatures > widest) widest = lin.outFeatures;
      } else model.root.output = z;
    }
    if (!this.scratch || this.scratch.length < 2 * widest) {
      if (this.scratch) backend.free(this.scratch);
      this.scratch = backend.alloc(Math.max(2, 2 * widest));
    }
    const classes = sizes[layers]!;
    // The kernel accounts each layer's summed |delta w| when the ledger takes it (not when every weight is diffed).
    let changes: Float64Array | undefined;
    if (ledger) {
      for (let l = 0; l < layers && !changes; l++) if (ledger.accounts(linears[l]!.weight)) changes = this.changes;
      if (changes && changes.length !== layers) changes = this.changes = new Float64Array(layers);
    }
    if (deferred) {
      const apply = deferred.held;
      // The held update's buffer is the one this step refills: its sizes are those of the plan it was held under.
      const pending = apply ? deferred.pending! : deferred.prepare(sizes[1]!, sizes[0]!);
      into.sum = backend.denseReluStepDeferred(sizes, x.data, target, weights, biases, pre, post, coefs, dOut(classes), this.scratch, pending, deferred.alpha, deferred.beta, apply);
      deferred.alpha = coefs[0]!;
      deferred.beta = coefs[1]!;
      deferred.held = true;
    } else into.sum = backend.denseReluStep(sizes, x.data, target, weights, biases, pre, post, coefs, dOut(classes), this.scratch, changes, rowAbsSums);
    if (changes) for (let l = 0; l < layers; l++) ledger!.add(linears[l]!.weight, changes[l]!);
    // The correct count as crossEntropy counts it (the first maximum wins).
    const logits = pre[layers - 1]!;
    let best = logits[0]!, at = 0;
    for (let j = 1; j < classes; j++) {
      if (logits[j]! > best) {
        best = logits[j]!;
        at = j;
      }
    }
    into.correct = at === target[0] ? 1 : 0;
    into.count = 1;
    return true;
  }

  /** Whether the top-level layers are Linear, ReLU, ..., Linear; re-planned when they changed. */
  private qualifies(): boolean {
    const children = this.model.root.children;
    const seen = this.layersSeen;
    let same = seen.length === children.length;
    for (let i = 0; same && i < children.length; i++) same = seen[i] === children[i];
    if (same) return this.linears.length > 0;
    this.layersSeen = [...children];
    this.linears = [];
    this.relus = [];
    let ok = children.length % 2 === 1;
    for (let i = 0; ok && i < children.length; i++) {
      const c = children[i]!;
      if (i % 2 === 0) {
        ok = Object.getPrototypeOf(c) === Linear.prototype;
        if (ok) this.linears.push(c as Linear);
      } else {
        ok = c instanceof ActivationLayer && c.code === Activation.relu;
        if (ok) this.relus.push(c as ActivationLayer);
      }
    }
    if (!ok) {
      this.linears = [];
      this.relus = [];
      return false;
    }
    const layers = this.linears.length;
    this.sizes.length = layers + 1;
    this.weights.length = layers;
    this.biases.length = layers;
    this.pre.length = layers;
    this.post.length = layers - 1;
    this.coefs = new Float64Array(4 * layers);
    return true;
  }
}
