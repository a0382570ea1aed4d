import type { Layer } from './Layer.js';
import type { Param, StateBuffer } from './Param.js';
import type { Linear } from './layers/Linear.js';
import type { Conv2d } from './layers/Conv2d.js';

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
  readonly consumer: Linear | Conv2d;
  /** Column ranges [start, count) of the consumer's weight (as [out, inFeatures]) that read unit i. */
  outgoing(unit: number): ReadonlyArray<readonly [number, number]>;
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
 * Find the unit groups of a chain of layers: a producer (linear/conv), optional normalizations, an
 * activation, then layers that keep units apart (dropout, max-pool, global average pool, flatten) up to the
 * next producer, the consumer. Residual blocks are searched inside their main branch; a unit whose output
 * feeds more than one layer (a residual sum) is not a group. Groups are named h1, h2, ... in order.
 */
export function findUnitGroups(layers: readonly Layer[]): UnitGroup[] {
  const groups: UnitGroup[] = [];
  scan(layers, groups);
  return groups.map((g, i) => ({ ...g, name: `h${i + 1}`, outgoing: g.outgoing }));
}

type Draft = Omit<UnitGroup, 'name'> & { name: string };

function scan(layers: readonly Layer[], out: Draft[]): void {
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    if (l.type === 'residual') {
      const main = l.children[0]!;
      scan(main.children, out);
      continue;
    }
    if (l.type === 'sequential') {
      scan(l.children, out);
      continue;
    }
    if (l.type !== 'linear' && l.type !== 'conv2d') continue;
    const g = follow(layers, i);
    if (g) out.push(g);
  }
}

function follow(layers: readonly Layer[], at: number): Draft | null {
  const producer = layers[at] as Linear | Conv2d;
  const isConv = producer.type === 'conv2d';
  const size = isConv ? (producer as Conv2d).outChannels : (producer as Linear).outFeatures;
  const norms: NormEntries[] = [];
  let features: Layer | null = null;
  let preActivation: Layer = producer;
  let perUnit = 1;
  // Layout of the units' values as they travel to the consumer: channels x spatial, flattened or not.
  let spatial = isConv ? producer.outShape[1]! * producer.outShape[2]! : 1;
  let featureSpatial = spatial;
  let flattened = !isConv;
  for (let j = at + 1; j < layers.length; j++) {
    const l = layers[j]!;
    switch (l.type) {
      case 'batchnorm':
      case 'online-norm':
        if (features) return null; // normalization after the activation mixes nothing per unit, but is unusual: skip
        norms.push({ layer: l, params: l.params, buffers: l.buffers, per: 1 });
        preActivation = l;
        continue;
      case 'layernorm':
        if (features) return null;
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
        continue;
      case 'flatten':
        flattened = true;
        continue;
      case 'linear':
      case 'conv2d': {
        if (!features) return null;
        const consumer = l as Linear | Conv2d;
        if (consumer.type === 'conv2d' && flattened) return null;
        if (consumer.type === 'linear' && !flattened && isConv) return null;
        const block = consumer.type === 'conv2d' ? (consumer as Conv2d).kernel ** 2 : spatial;
        const channels = size;
        const copies = perUnit;
        const outgoing = (unit: number): Array<[number, number]> => {
          const r: Array<[number, number]> = [];
          for (let c = 0; c < copies; c++) r.push([(unit + c * channels) * block, block]);
          return r;
        };
        return {
          name: '',
          kind: isConv ? 'conv' : 'dense',
          size,
          producer,
          norms,
          features,
          preActivation,
          featuresPerUnit: perUnit,
          spatial: featureSpatial,
          consumer,
          outgoing,
        };
      }
      default:
        if (l.type === 'sequential' || l.type === 'residual') return null;
        // An elementwise activation.
        if (l.params.length === 0 && l.outShape.length === l.inShape.length && !features) {
          features = l;
          featureSpatial = spatial;
          continue;
        }
        return null;
    }
  }
  return null; // no consumer: the output layer
}
