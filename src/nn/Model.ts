import type { UpdateLedger } from './UpdateLedger.js';
import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Rng, RngState } from '../tensor/Rng.js';
import { type Tensor, shapeString } from '../tensor/Tensor.js';
import { buildChain } from './buildLayer.js';
import { allLayers, type GradSink, type Layer } from './Layer.js';
import type { LayerSpec } from './LayerSpec.js';
import type { Linear } from './layers/Linear.js';
import { Sequential } from './layers/Sequential.js';
import type { Param, StateBuffer } from './Param.js';
import { findUnitGroups, type UnitGroup } from './UnitGroup.js';

/**
 * What `Model.build` needs besides the spec: the example shape, the backend that owns the memory, and the random
 * stream for initialization.
 */
export interface BuildModelOptions {
  /** Shape of one example, e.g. [784] or [3, 32, 32]. */
  readonly inputShape: readonly number[];
  readonly backend: Backend;
  /** Parameters are drawn from rng.split(<layer name>).split(<param>). */
  readonly rng: Rng;
  /** Check inputs and outputs for NaN/Inf on every forward (slower; for debugging). */
  readonly checkFinite?: boolean;
}

/** Everything a model must save to continue exactly (parameters, running statistics, layer random streams). */
export interface ModelState {
  params: Record<string, { shape: number[]; data: FloatArray }>;
  buffers: Record<string, FloatArray>;
  rngs: Record<string, RngState>;
}

/**
 * A network: a chain of layers built from a spec, with its parameters, its unit groups and its head.
 * Plain data underneath: parameters are named Float32Arrays, weight [out, in], unit i = row i.
 */
export class Model {
  readonly root: Sequential;
  readonly params: Param[];
  readonly buffers: StateBuffer[];
  readonly unitGroups: UnitGroup[];
  private headLayer: Linear | null;
  /** Every layer, depth first. */
  readonly layers: Layer[];
  checkFinite: boolean;
  /**
   * The update-size accounting (set by the updateSize tracker), or null: a writer of weights other than the
   * optimizer's step tells it before writing (UpdateLedger.willWrite).
   */
  updateLedger: UpdateLedger | null = null;
  private readonly growRng: Rng;
  private readonly byName = new Map<string, Param>();
  private readonly rngLayers: Array<Layer & { rng: Rng }>;

  private constructor(
    readonly spec: LayerSpec,
    readonly inputShape: readonly number[],
    readonly backend: Backend,
    rng: Rng,
    checkFinite: boolean,
  ) {
    const specs = spec.type === 'sequential' ? spec.layers : [spec];
    this.root = new Sequential('model', buildChain(specs, inputShape, { backend, rng }), inputShape);
    this.layers = allLayers(this.root);
    this.params = this.root.params;
    this.params.forEach((p, i) => {
      if (this.byName.has(p.name)) throw new Error(`model: two parameters are named '${p.name}'`);
      p.index = i;
      this.byName.set(p.name, p);
    });
    this.buffers = this.root.buffers;
    this.unitGroups = findUnitGroups(this.root.children);
    const last = this.root.children[this.root.children.length - 1];
    this.headLayer = last && last.type === 'linear' ? (last as Linear) : null;
    this.rngLayers = this.layers.filter((l): l is Layer & { rng: Rng } => 'rng' in l && (l as { rng?: unknown }).rng !== undefined);
    this.checkFinite = checkFinite;
    this.growRng = rng.split('regrow');
  }

  /**
   * Builds the layers of `spec` for `opts.inputShape`, allocating and initializing every parameter; throws if a layer
   * does not fit its input shape or a name repeats.
   */
  static build(spec: LayerSpec, opts: BuildModelOptions): Model {
    return new Model(spec, opts.inputShape, opts.backend, opts.rng, opts.checkFinite ?? false);
  }

  /** The output layer: the last layer of the top-level chain, when it is linear (it is in every builder). */
  get head(): Linear {
    if (!this.headLayer) {
      const last = this.root.children[this.root.children.length - 1];
      if (last?.type === 'injection') throw new Error('model: the head was replaced by plasticity injection (frozen head + new head - frozen copy); it has no single head layer');
      throw new Error('model: this model has no head (its last layer is not linear)');
    }
    return this.headLayer;
  }

  /**
   * Replace the top-level layers from index `from` on by `layer`, which must contain every parameter of the
   * replaced layers (plasticity injection wraps them). Existing parameters keep their index; the new ones get
   * the next indices, in the order of `layer.params`. Unit groups that touch a replaced layer are dropped.
   * Returns the new parameters (optimizer and method state must be extended for them: applyEdits does it).
   */
  replaceTail(from: number, layer: Layer): Param[] {
    const replaced = new Set<Layer>();
    for (const top of this.root.children.slice(from)) for (const l of allLayers(top)) replaced.add(l);
    const kept = new Set(layer.params);
    const lost = this.root.children.slice(from).flatMap((l) => l.params).filter((p) => !kept.has(p));
    if (lost.length) throw new Error(`model: replacing the tail would drop parameters ${lost.map((p) => p.name).join(', ')}`);
    const before = this.params.length;
    const known = new Set(this.params);
    const added = layer.params.filter((p) => !known.has(p));
    for (const p of added) {
      if (this.byName.has(p.name)) throw new Error(`model: two parameters are named '${p.name}'`);
    }
    this.root.replaceFrom(from, layer);
    // The old parameters must keep their positions (optimizer slots are indexed by them).
    this.params.forEach((p, i) => {
      if (i < before && p.index !== i) throw new Error(`model: replacing the tail moved parameter '${p.name}' from ${p.index} to ${i}`);
      if (i >= before) {
        p.index = i;
        this.byName.set(p.name, p);
      }
    });
    this.layers.splice(0, this.layers.length, ...allLayers(this.root));
    const groups = this.unitGroups.filter((g) => ![g.producer, ...g.consumers.map((c) => c.layer), g.features, g.activation, ...g.norms.map((n) => n.layer)].some((l) => replaced.has(l)));
    this.unitGroups.splice(0, this.unitGroups.length, ...groups);
    this.rngLayers.splice(0, this.rngLayers.length, ...this.layers.filter((l): l is Layer & { rng: Rng } => 'rng' in l && (l as { rng?: unknown }).rng !== undefined));
    const last = this.root.children[this.root.children.length - 1];
    this.headLayer = last && last.type === 'linear' ? (last as Linear) : null;
    return added;
  }

  /** Output shape of one example ([classes] or [outputs]). */
  get outputShape(): readonly number[] {
    return this.root.outShape;
  }

  /** The parameter with this name, or an error listing the names. */
  param(name: string): Param {
    const p = this.byName.get(name);
    if (!p) throw new Error(`model: no parameter named '${name}'; parameters: ${[...this.byName.keys()].join(', ')}`);
    return p;
  }

  /** The unit group with this name (h1, h2, ...); throws, listing the groups, if there is none. */
  group(name: string): UnitGroup {
    const g = this.unitGroups.find((u) => u.name === name);
    if (!g) throw new Error(`model: no unit group named '${name}'; groups: ${this.unitGroups.map((u) => u.name).join(', ') || '(none)'}`);
    return g;
  }

  /** Number of scalar parameters. */
  get size(): number {
    return this.params.reduce((s, p) => s + p.data.length, 0);
  }

  /**
   * Runs the network on a batch [N, ...inputShape] in training or evaluation mode and returns [N, ...outputShape] (a
   * layer buffer, overwritten by the next forward). Throws if `x` is not in this backend's memory, or, with
   * `checkFinite`, if the input or output holds NaN/Inf.
   */
  forward(x: Tensor, train: boolean): Tensor {
    if (!this.backend.owns(x.data)) {
      throw new Error(`model: the input ${shapeString(x.shape)} is not in ${this.backend.name} memory; allocate batches with backend.alloc`);
    }
    if (this.checkFinite && this.backend.hasNonFinite(x.data)) {
      throw new Error(`model: the input ${shapeString(x.shape)} contains NaN or infinite values`);
    }
    const y = this.root.forward(x, train ? TRAIN : EVAL);
    if (this.checkFinite && this.backend.hasNonFinite(y.data)) {
      const bad = this.layers.find((l) => l.output && l.children.length === 0 && this.backend.hasNonFinite(l.output.data));
      throw new Error(`model: the output contains NaN or infinite values (first at layer ${bad?.name ?? '?'})`);
    }
    return y;
  }

  /** Backpropagate dL/d(output) of the last forward; parameter gradients go where `sink` says. */
  backward(dy: Tensor, sink: GradSink): void {
    this.root.backward(dy, sink, false);
  }

  /**
   * A copy of everything needed to continue exactly: parameters, buffers (running statistics) and the layers' random
   * streams.
   */
  getState(): ModelState {
    const params: ModelState['params'] = {};
    for (const p of this.params) params[p.name] = { shape: [...p.shape], data: p.data.slice() };
    const buffers: Record<string, FloatArray> = {};
    for (const b of this.buffers) buffers[b.name] = b.data.slice();
    const rngs: Record<string, RngState> = {};
    for (const l of this.rngLayers) rngs[l.name] = l.rng.getState();
    return { params, buffers, rngs };
  }

  /** Restore a state from getState() of a model built from the same spec (a grown head is regrown first). */
  setState(s: ModelState): void {
    this.updateLedger?.willWriteAll();
    const head = this.headLayer;
    const saved = head ? s.params[head.weight.name] : undefined;
    if (head && saved && saved.shape[0]! > head.outFeatures) {
      // The saved model had grown its head: grow ours to the same width (values are overwritten below).
      head.grow(saved.shape[0]! - head.outFeatures, this.growRng);
    }
    for (const p of this.params) {
      const v = s.params[p.name];
      if (!v) throw new Error(`model state: parameter '${p.name}' is missing`);
      if (v.data.length !== p.data.length) {
        throw new Error(`model state: '${p.name}' has shape [${v.shape.join(', ')}] but the model [${p.shape.join(', ')}]`);
      }
      p.data.set(v.data);
    }
    for (const b of this.buffers) {
      const v = s.buffers[b.name];
      if (!v || v.length !== b.data.length) throw new Error(`model state: buffer '${b.name}' is missing or has the wrong size`);
      b.data.set(v);
    }
    for (const l of this.rngLayers) {
      const r = s.rngs[l.name];
      if (!r) throw new Error(`model state: the random stream of layer '${l.name}' is missing`);
      l.rng.setState(r);
    }
  }
}

const TRAIN = { train: true } as const;
const EVAL = { train: false } as const;
