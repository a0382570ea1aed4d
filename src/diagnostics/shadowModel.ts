import { Model } from '../nn/Model.js';
import type { GradSink, GradTarget, Layer } from '../nn/Layer.js';
import type { Linear } from '../nn/layers/Linear.js';
import { Rng } from '../tensor/Rng.js';

/**
 * A second model with the architecture of a live model (built from its spec on the same backend), for the
 * diagnostics that need gradients or training (gradient norm, NTK, plasticity probe). They run on this copy, so
 * nothing of the training run changes: not its parameters, not param.grad, not BatchNorm running statistics, not
 * the random streams of its dropout layers. One shadow per live model, kept for the model's life.
 */
const shadows = new WeakMap<Model, Model>();

/** The shadow of `model`, with its parameters, buffers, frozen flags and layer random streams copied now. */
export function shadowOf(model: Model): Model {
  let s = shadows.get(model);
  if (!s) {
    s = Model.build(model.spec, { inputShape: model.inputShape, backend: model.backend, rng: Rng.seeded(0) });
    shadows.set(model, s);
  }
  copyModel(model, s);
  return s;
}

/** Grow the head of `dst` to the width of `src`'s head (a class-incremental head grew since dst was built). */
export function matchHead(src: Model, dst: Model): void {
  const last = (m: Model): Linear | null => {
    const l = m.root.children[m.root.children.length - 1];
    return l && l.type === 'linear' ? (l as Linear) : null;
  };
  const a = last(src), b = last(dst);
  if (a && b && b.outFeatures < a.outFeatures) b.grow(a.outFeatures - b.outFeatures, Rng.seeded(0));
}

/** Copy everything that defines the function and the training of `src` into `dst` (same spec). */
export function copyModel(src: Model, dst: Model): void {
  matchHead(src, dst);
  if (src.params.length !== dst.params.length || src.buffers.length !== dst.buffers.length) {
    throw new Error('diagnostics: the model changed its structure since its shadow copy was built');
  }
  const b = src.backend;
  src.params.forEach((p, i) => {
    const q = dst.params[i]!;
    if (q.name !== p.name || q.data.length !== p.data.length) {
      throw new Error(`diagnostics: parameter '${p.name}' (${p.data.length} values) does not match its shadow '${q.name}' (${q.data.length})`);
    }
    b.copy(p.data, q.data);
    q.trainable = p.trainable;
  });
  src.buffers.forEach((buf, i) => b.copy(buf.data, dst.buffers[i]!.data));
  const rngs = new Map<string, Rng>();
  for (const l of src.layers) {
    const r = rngOf(l);
    if (r) rngs.set(l.name, r);
  }
  // The shadow's layers continue the live streams from where they stand (a copy: the live ones do not move).
  for (const l of dst.layers) {
    const from = rngs.get(l.name);
    if (from && rngOf(l)) (l as unknown as { rng: Rng }).rng = Rng.fromState(from.getState());
  }
}

function rngOf(l: Layer): Rng | null {
  const r = (l as { rng?: unknown }).rng;
  return r instanceof Rng ? r : null;
}

/** Gradients into each trainable parameter's own `grad` (overwritten): for shadow models only. */
export class OwnGradSink implements GradSink {
  private readonly targets = new Map<string, GradTarget>();
  target(p: { name: string; grad: GradTarget['buf']; trainable: boolean }): GradTarget | null {
    if (!p.trainable) return null;
    let t = this.targets.get(p.name);
    if (!t) this.targets.set(p.name, (t = { buf: p.grad, alpha: 1, beta: 0 }));
    t.buf = p.grad; // a grown head has new arrays
    return t;
  }
}

/** True if the model has a layer of this type. */
export function hasLayer(model: Model, type: string): boolean {
  return model.layers.some((l) => l.type === type);
}
