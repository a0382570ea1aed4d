import type { Rng } from '../tensor/Rng.js';
import { buildLayer } from './buildLayer.js';
import type { Layer } from './Layer.js';
import type { LayerSpec } from './LayerSpec.js';
import { Injection } from './layers/Injection.js';
import type { Linear } from './layers/Linear.js';
import { Sequential } from './layers/Sequential.js';
import type { Model } from './Model.js';
import type { Param } from './Param.js';

/**
 * Plasticity injection on a model (the `injectHead` edit): the head is the top-level chain from the `layers`-th
 * last linear layer on. It is frozen and wrapped with a fresh copy h' (drawn from `rng`, trainable) and a frozen
 * copy h'' of h' (detached unless `detachCopy` is false). A second injection freezes the whole previous block and adds new heads built from the same
 * specs. Returns the new parameters (those of h', then h'').
 */
export function injectHead(model: Model, layers: number, rng: Rng, detachCopy = true): Param[] {
  if (!(Number.isInteger(layers) && layers >= 1)) throw new Error(`injectHead: layers = ${layers}; a positive integer is required`);
  const top = model.root.children;
  const last = top[top.length - 1]!;
  let from: number;
  let tail: LayerSpec[];
  let count = 1;
  if (last instanceof Injection) {
    from = top.length - 1;
    tail = [...last.tail];
    count = last.count + 1;
  } else {
    const specs = model.spec.type === 'sequential' ? model.spec.layers : [model.spec];
    if (specs.length !== top.length) throw new Error('injectHead: the model no longer matches its spec (was its structure edited?)');
    from = -1;
    for (let i = top.length - 1, seen = 0; i >= 0; i--) {
      if (top[i]!.type === 'linear' && ++seen === layers) {
        from = i;
        break;
      }
    }
    if (from < 0) throw new Error(`injectHead: the head is the last ${layers} linear layers, but the top-level chain has fewer`);
    // Specs as the layers are now: a head grown by class-incremental learning has more outputs than its spec.
    tail = specs.slice(from).map((s, j) => (s.type === 'linear' ? { ...s, out: (top[from + j] as Linear).outFeatures } : s));
  }
  const dropout = tail.find((s) => s.type === 'dropout');
  if (dropout) throw new Error("injectHead: the head contains dropout, whose masks would differ between h' and its copy h''; inject fewer layers");
  const inShape = top[from]!.inShape;
  const name = `inject${count}`;
  const ctx = { backend: model.backend, rng };
  const frozen: Layer = new Sequential(`${name}.frozen`, top.slice(from), inShape);
  const fresh = buildLayer({ type: 'sequential', name: `${name}.fresh`, layers: tail }, inShape, ctx);
  const copy = buildLayer({ type: 'sequential', name: `${name}.copy`, layers: tail }, inShape, ctx);
  copy.params.forEach((p, i) => p.data.set(fresh.params[i]!.data));
  copy.buffers.forEach((b, i) => b.data.set(fresh.buffers[i]!.data));
  for (const p of frozen.params) p.trainable = false;
  for (const p of copy.params) p.trainable = false;
  return model.replaceTail(from, new Injection(name, frozen, fresh, copy, tail, count, model.backend, detachCopy));
}
