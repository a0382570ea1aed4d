import type { Layer } from './Layer.js';
import type { Param, StateBuffer } from './Param.js';
import type { Linear } from './layers/Linear.js';
import type { Conv2d } from './layers/Conv2d.js';
import type { Residual } from './layers/Residual.js';
import type { MultiHeadAttention } from './layers/MultiHeadAttention.js';

/**
 * The hidden units between two layers, and everywhere a unit lives:
 * - incoming: row i of the producer's weight (dense: [out, in]; conv: [outC, inC*k*k]) and entry i of its bias;
 * - norms: entries of the normalization layers between producer and activation (BatchNorm and online
 *   normalization gain/shift/running statistics: entry i; LayerNorm over a dense layer: entry i; over a conv
 *   output: the block of channel i);
 * - features: the activation layer whose output holds the unit's values (CReLU: two features per unit);
 * - outgoing: the columns of the consumer's weight (viewed as [out, inFeatures]) that read the unit:
 *   dense -> column i; conv -> conv: the block [i*k*k, (i+1)*k*k); conv -> flatten -> dense: [i*P, (i+1)*P).
 * A unit is one output row of a dense layer, one output channel of a conv layer.
 *
 * Residual networks (Dohare et al.'s ResNet-18, lop/nets/torchvision_modified_resnet.py, whose CBP and dormant /
 * rank measures act on every conv output): a block's second conv produces the block's output units, channel i
 * of relu(bn2(conv2(x)) + shortcut(x)). Their incoming weights are conv2's row i and bn2's entries i (the
 * shortcut's own 1x1 conv and BatchNorm, when present, are left alone, as lop/algos/res_gnt.py leaves the
 * downsample layers); their consumers are every layer that reads the block output: the next block's first conv
 * and its shortcut conv when it has one (an identity shortcut carries the value on with no weight to zero).
 *
 * Transformers: the hidden units of a block's MLP are a dense group whose examples are tokens (`tokens` = T per
 * example); the heads of an attention layer are a group of H units, head h owning rows [h dh, (h+1) dh) of the query,
 * key and value blocks of the input projection (`incomingRows`) and columns [h dh, (h+1) dh) of the output projection
 * (`outgoing`); its dh output values per token are the unit's features (`spatial` = dh). Residual-stream channels are
 * not units: every block reads and writes each of them, so no row or column belongs to one.
 */
export interface UnitGroup {
  /** h1, h2, ... in the order of the network. */
  readonly name: string;
  readonly kind: 'dense' | 'conv';
  /** Number of units. */
  readonly size: number;
  readonly producer: Linear | Conv2d;
  readonly norms: readonly NormEntries[];
  /** The layer whose output holds the activations of the units (post-nonlinearity). */
  readonly features: Layer;
  /** The layer whose output is the pre-activation (the producer, or its last normalization). */
  readonly preActivation: Layer;
  /** Features per unit in the features layer's output (2 for CReLU). */
  readonly featuresPerUnit: number;
  /** Values per feature in one example at the features layer (H*W for conv, 1 for dense). */
  readonly spatial: number;
  /** The nonlinearity (its type decides what dead means); the features layer, or the one before a pooled view. */
  readonly activation: Layer;
  /** Values per unit at the pre-activation layer in one example (H*W for conv, 1 for dense). */
  readonly preSpatial: number;
  /** The consumer on the main path (the next layer; CBP's utility reads its weights, as res_gnt.py does). */
  readonly consumer: Linear | Conv2d;
  /** Column ranges [start, count) of the consumer's weight (as [out, inFeatures]) that read unit i. */
  outgoing(unit: number): ReadonlyArray<readonly [number, number]>;
  /** Every layer that reads the units (the consumer first; then a residual block's shortcut conv), with its columns. */
  readonly consumers: readonly UnitConsumer[];
  /** The residual sum the units pass through before their nonlinearity (a block's output units), or null. */
  readonly residual: Residual | null;
  /**
   * A pooled view of another group's units (ResNet-18's `penultimate`: the globally averaged output of the last
   * block, `h17`), or null. Methods act on the group itself by default (the view names the same units), and
   * network-wide diagnostic shares count the view in place of the group, as Dohare et al.'s figures count the
   * penultimate features in place of the last block's output.
   */
  readonly viewOf: string | null;
  /**
   * Row ranges [start, count) of the producer's weight (and entries of its bias) that are unit i's incoming weights;
   * absent: row i alone. An attention head has three (its query, key and value rows).
   */
  readonly incomingRows?: (unit: number) => ReadonlyArray<readonly [number, number]>;
  /** Rows per example in the features' output (tokens of a sequence, which count as positions); absent: 1. */
  readonly tokens?: number;
}

/** The incoming row ranges of unit i (row i alone unless the group says otherwise). */
export function incomingRowsOf(g: UnitGroup, unit: number): ReadonlyArray<readonly [number, number]> {
  return g.incomingRows ? g.incomingRows(unit) : [[unit, 1]];
}

/** A layer that reads a group's units, and the column ranges of its weight (as [out, inFeatures]) that read unit i. */
export interface UnitConsumer {
  readonly layer: Linear | Conv2d;
  /** Column ranges [start, count) of this layer's weight (as [out, inFeatures]) that read `unit`. */
  outgoing(unit: number): ReadonlyArray<readonly [number, number]>;
}

/** The groups a method acts on when given none: every group but pooled views (their units are another group's). */
export function defaultMethodGroups(groups: readonly UnitGroup[]): UnitGroup[] {
  return groups.filter((g) => g.viewOf === null);
}

/** The groups that network-wide diagnostic shares count: a group with a pooled view is counted through its view. */
export function countedGroups(groups: readonly UnitGroup[]): UnitGroup[] {
  const viewed = new Set(groups.flatMap((g) => (g.viewOf ? [g.viewOf] : [])));
  return groups.filter((g) => !viewed.has(g.name));
}

/** Normalization entries that belong to units: `per` consecutive entries per unit. */
export interface NormEntries {
  readonly layer: Layer;
  readonly params: readonly Param[];
  readonly buffers: readonly StateBuffer[];
  /** Entries per unit (1 for BatchNorm and dense LayerNorm; H*W for LayerNorm over a conv output). */
  readonly per: number;
}

/**
 * Find the unit groups of a chain of layers: a producer (linear/conv), optional normalizations, an activation,
 * then layers that keep units apart (dropout, max-pool, global average pool, flatten) up to the next producer,
 * the consumer. Residual blocks are searched inside their main branch; a producer at the end of a main branch
 * makes the block's output units (through the sum and the activation after it), and a residual block that
 * follows an activation consumes the units with its first conv and its shortcut conv. Groups are named h1, h2,
 * ... in order; a conv group read by the head through global average pooling also gets a pooled view named
 * `penultimate` (the penultimate features of a ResNet).
 */
export function findUnitGroups(layers: readonly Layer[]): UnitGroup[] {
  const drafts: Draft[] = [];
  scan({ layers, up: null }, drafts);
  const out: UnitGroup[] = [];
  let k = 0;
  for (const d of drafts) {
    const name = `h${++k}`;
    out.push({ ...d.group, name });
    if (d.pooled) out.push({ ...d.pooled, name: 'penultimate', viewOf: name });
  }
  return out;
}

/** A chain of layers; `up` when it is the main branch of the residual block at up.chain.layers[up.index]. */
interface Chain {
  readonly layers: readonly Layer[];
  readonly up: { readonly chain: Chain; readonly index: number } | null;
}

interface Draft {
  group: Omit<UnitGroup, 'name'>;
  pooled: Omit<UnitGroup, 'name'> | null;
}

function scan(chain: Chain, out: Draft[], tokens = 1): void {
  const layers = chain.layers;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    if (l.type === 'residual') {
      scan({ layers: l.children[0]!.children, up: { chain, index: i } }, out, tokens);
      continue;
    }
    if (l.type === 'sequential') {
      scan({ layers: l.children, up: null }, out, tokens);
      continue;
    }
    if (l.type === 'tokenwise') {
      // Per-token layers: ordinary groups whose examples are the tokens.
      scan({ layers: l.children, up: null }, out, l.inShape[0]!);
      continue;
    }
    if (l.type === 'attention') {
      out.push({ group: headGroup(l as MultiHeadAttention), pooled: null });
      continue;
    }
    if (l.type !== 'linear' && l.type !== 'conv2d') continue;
    const g = follow(chain, i);
    if (g) out.push(tokens === 1 ? g : { group: { ...g.group, tokens }, pooled: g.pooled && { ...g.pooled, tokens } });
  }
}

/** The heads of an attention layer as a unit group (see UnitGroup). */
function headGroup(a: MultiHeadAttention): Omit<UnitGroup, 'name'> {
  const dh = a.headDim, d = a.width;
  const outgoing = (u: number): ReadonlyArray<readonly [number, number]> => [[u * dh, dh]];
  return {
    kind: 'dense',
    size: a.heads,
    producer: a.qkv,
    norms: [],
    features: a.headsLayer,
    activation: a.headsLayer,
    preActivation: a.headsLayer,
    preSpatial: dh,
    featuresPerUnit: 1,
    spatial: dh,
    consumer: a.proj,
    outgoing,
    consumers: [{ layer: a.proj, outgoing }],
    residual: null,
    viewOf: null,
    incomingRows: (u) => [[u * dh, dh], [d + u * dh, dh], [2 * d + u * dh, dh]],
    tokens: a.tokens,
  };
}

/** Columns of `consumer` that read unit i of `channels` units (x `copies` features) laid out in blocks of `block`. */
function consumerOf(consumer: Linear | Conv2d, channels: number, copies: number, block: number): UnitConsumer {
  return {
    layer: consumer,
    outgoing(unit) {
      const r: Array<[number, number]> = [];
      for (let c = 0; c < copies; c++) r.push([(unit + c * channels) * block, block]);
      return r;
    },
  };
}

function follow(start: Chain, at: number): Draft | null {
  const producer = start.layers[at] as Linear | Conv2d;
  const isConv = producer.type === 'conv2d';
  const size = isConv ? (producer as Conv2d).outChannels : (producer as Linear).outFeatures;
  const norms: NormEntries[] = [];
  let features: Layer | null = null;
  let preActivation: Layer = producer;
  let residual: Residual | null = null;
  let pool: Layer | null = null;
  let perUnit = 1;
  // Layout of the units' values as they travel to the consumer: channels x spatial, flattened or not.
  const preSpatial = isConv ? producer.outShape[1]! * producer.outShape[2]! : 1;
  let spatial = preSpatial;
  let featureSpatial = spatial;
  let flattened = !isConv;
  let chain = start;
  for (let j = at + 1; ; j++) {
    if (j >= chain.layers.length) {
      // The end of a residual block's main branch before any activation: the units are the block's outputs.
      if (!chain.up || features || residual) return null;
      residual = chain.up.chain.layers[chain.up.index] as Residual;
      j = chain.up.index;
      chain = chain.up.chain;
      continue;
    }
    const l = chain.layers[j]!;
    switch (l.type) {
      case 'batchnorm':
      case 'online-norm':
        // After the activation, or after a residual sum (it would mix in the shortcut), a normalization is not the unit's.
        if (features || residual) return null;
        norms.push({ layer: l, params: l.params, buffers: l.buffers, per: 1 });
        preActivation = l;
        continue;
      case 'layernorm':
        if (features || residual) return null;
        norms.push({ layer: l, params: l.params, buffers: l.buffers, per: spatial });
        preActivation = l;
        continue;
      case 'crelu':
        if (features) return null;
        features = l;
        perUnit = 2;
        featureSpatial = spatial;
        continue;
      case 'dropout':
        continue;
      case 'maxpool2d':
        spatial = l.outShape[1]! * l.outShape[2]!;
        continue;
      case 'global-avg-pool':
        spatial = 1;
        flattened = true;
        pool = l;
        continue;
      case 'flatten':
        flattened = true;
        continue;
      case 'residual': {
        // The units feed a residual block: its first conv reads them, and so does its shortcut conv, if any.
        if (!features || flattened) return null;
        const r = l as Residual;
        const first = r.main.children[0];
        if (!first || (first.type !== 'conv2d' && first.type !== 'linear')) return null;
        const readers = [first as Linear | Conv2d];
        const sc = r.shortcut?.children[0];
        if (sc) {
          if (sc.type !== 'conv2d' && sc.type !== 'linear') return null;
          readers.push(sc as Linear | Conv2d);
        }
        if (readers.some((c) => (c.type === 'conv2d') !== isConv)) return null;
        const consumers = readers.map((c) => consumerOf(c, size, perUnit, c.type === 'conv2d' ? (c as Conv2d).kernel ** 2 : 1));
        return { group: make(consumers), pooled: null };
      }
      case 'linear':
      case 'conv2d': {
        if (!features) return null;
        const consumer = l as Linear | Conv2d;
        if (consumer.type === 'conv2d' && flattened) return null;
        if (consumer.type === 'linear' && !flattened && isConv) return null;
        const block = consumer.type === 'conv2d' ? (consumer as Conv2d).kernel ** 2 : spatial;
        const consumers = [consumerOf(consumer, size, perUnit, block)];
        const group = make(consumers);
        // A conv group read by a linear layer through global average pooling: its pooled view (penultimate features).
        const pooled = isConv && pool && consumer.type === 'linear' && spatial === 1
          ? { ...group, kind: 'dense' as const, features: pool, spatial: 1 }
          : null;
        return { group, pooled };
      }
      default:
        if (l.type === 'sequential') return null;
        // An elementwise activation.
        if (l.params.length === 0 && l.outShape.length === l.inShape.length && !features) {
          features = l;
          featureSpatial = spatial;
          continue;
        }
        return null;
    }
  }

  function make(consumers: UnitConsumer[]): Omit<UnitGroup, 'name'> {
    const main = consumers[0]!;
    return {
      kind: isConv ? 'conv' : 'dense',
      size,
      producer,
      norms,
      features: features!,
      activation: features!,
      preActivation,
      preSpatial,
      featuresPerUnit: perUnit,
      spatial: featureSpatial,
      consumer: main.layer,
      outgoing: main.outgoing,
      consumers,
      residual,
      viewOf: null,
    };
  }
}
