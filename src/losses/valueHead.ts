import { z } from 'zod';

/**
 * How a network predicts a scalar value: one output regressed directly ('scalar'), or logits over a fixed
 * support trained with cross-entropy against a categorical target ('two-hot': the two atoms around the value,
 * exact in expectation; 'hl-gauss': a Gaussian of the value integrated over each atom's bin, Imani & White 2018,
 * Farebrother et al. 2024 "Stop regressing"). The prediction of a categorical head is the softmax's mean.
 */
export const valueHeadKinds = ['scalar', 'two-hot', 'hl-gauss'] as const;
/** A value head's kind. */
export type ValueHeadKind = (typeof valueHeadKinds)[number];

/**
 * A value head's options whose support defaults to [min, max] (one-line docs are the CLI's help): for a stream whose
 * targets live on another scale than the default [-10, 10], so that `{"kind": "hl-gauss"}` alone gets a fitting support.
 */
export function valueHeadSchemaWithSupport(min: number, max: number) {
  return z
    .strictObject({
      kind: z.enum(valueHeadKinds).default('scalar').describe("'scalar' (MSE / Huber), or categorical with cross-entropy: 'two-hot' or 'hl-gauss'"),
      bins: z.number().int().min(2).default(51).describe('atoms of the categorical support (evenly spaced from min to max)'),
      min: z.number().default(min).describe('smallest atom of the support (targets below are clipped to it)'),
      max: z.number().default(max).describe('largest atom of the support (targets above are clipped to it)'),
      sigmaRatio: z.number().gt(0).default(0.75).describe("HL-Gauss: the Gaussian's sigma over the atom spacing (Farebrother et al.: 0.75)"),
    })
    .refine((h) => h.max > h.min, { message: 'max must be greater than min' });
}
/** A value head's options (one-line docs are the CLI's help); the support defaults to [-10, 10]. */
export const valueHeadSchema = valueHeadSchemaWithSupport(-10, 10);
/** A value head's parsed options. */
export type ValueHeadConfig = z.output<typeof valueHeadSchema>;

/** erf to about 1e-7 (Abramowitz & Stegun 7.1.26); enough for bin masses (the support's spacing is far coarser). */
function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/**
 * A value head: `width` outputs per predicted value (1 for scalar), and for categorical heads the encoding of a
 * scalar target into probabilities over the support and the decoding of logits into a value.
 */
export class ValueHead {
  readonly kind: ValueHeadKind;
  /** Outputs per value: 1 (scalar) or the number of atoms. */
  readonly width: number;
  /** The atoms, evenly spaced from min to max (empty for a scalar head). */
  readonly support: Float64Array;
  /** Spacing of the atoms. */
  readonly spacing: number;
  private readonly sigma: number;

  constructor(readonly config: ValueHeadConfig) {
    this.kind = config.kind;
    this.width = config.kind === 'scalar' ? 1 : config.bins;
    const K = config.kind === 'scalar' ? 0 : config.bins;
    this.support = new Float64Array(K);
    this.spacing = K > 1 ? (config.max - config.min) / (K - 1) : 0;
    for (let i = 0; i < K; i++) this.support[i] = config.min + i * this.spacing;
    this.sigma = config.sigmaRatio * this.spacing;
  }

  /** True for two-hot and HL-Gauss. */
  get categorical(): boolean {
    return this.kind !== 'scalar';
  }

  /** Writes the categorical target of value y into out[offset .. offset + width) (probabilities summing to 1). */
  encode(y: number, out: { [i: number]: number; length: number }, offset = 0): void {
    const K = this.width, { min, max } = this.config;
    if (this.kind === 'scalar') throw new Error('value head: a scalar head has no categorical encoding');
    for (let i = 0; i < K; i++) out[offset + i] = 0;
    const c = Math.min(Math.max(y, min), max);
    if (this.kind === 'two-hot') {
      const pos = (c - min) / this.spacing;
      const i = Math.min(Math.floor(pos), K - 2);
      const w = pos - i;
      out[offset + i] = 1 - w;
      out[offset + i + 1] = w;
      return;
    }
    // HL-Gauss: mass of N(y, sigma) in each atom's bin [z - h, z + h], renormalized to the support's range.
    const h = this.spacing / 2, k = 1 / (this.sigma * Math.SQRT2);
    const lo = erf((min - h - y) * k), hi = erf((max + h - y) * k);
    const total = hi - lo;
    let prev = lo;
    for (let i = 0; i < K; i++) {
      const e = i === K - 1 ? hi : erf((this.support[i]! + h - y) * k);
      out[offset + i] = total > 0 ? (e - prev) / total : 0;
      prev = e;
    }
    if (!(total > 0)) {
      // Far outside the support (no mass in float precision): all on the nearest atom.
      out[offset + (y < min ? 0 : K - 1)] = 1;
    }
  }

  /** The value of logits[offset .. offset + width): the mean of their softmax over the support (a scalar head: the output). */
  decode(logits: { readonly [i: number]: number }, offset = 0): number {
    if (this.kind === 'scalar') return logits[offset]!;
    return ValueHead.softmaxMean(logits, offset, this.support);
  }

  /** The mean of the softmax of logits[offset ..] over `support`. */
  static softmaxMean(logits: { readonly [i: number]: number }, offset: number, support: Float64Array): number {
    const K = support.length;
    let m = -Infinity;
    for (let i = 0; i < K; i++) m = Math.max(m, logits[offset + i]!);
    let s = 0, v = 0;
    for (let i = 0; i < K; i++) {
      const e = Math.exp(logits[offset + i]! - m);
      s += e;
      v += e * support[i]!;
    }
    return v / s;
  }

  /**
   * Cross-entropy -sum p log softmax(l) of logits[offset ..] against the target probabilities p, and its gradient
   * (softmax - p) times `scale` into grad[offset ..]. Returns the cross-entropy.
   */
  static crossEntropy(logits: { readonly [i: number]: number }, p: ArrayLike<number>, K: number, offset: number, grad: { [i: number]: number }, scale: number): number {
    let m = -Infinity;
    for (let i = 0; i < K; i++) m = Math.max(m, logits[offset + i]!);
    let s = 0;
    for (let i = 0; i < K; i++) s += Math.exp(logits[offset + i]! - m);
    const logZ = m + Math.log(s);
    let ce = 0;
    for (let i = 0; i < K; i++) {
      const lp = logits[offset + i]! - logZ;
      if (p[i]! > 0) ce -= p[i]! * lp;
      grad[offset + i] = scale * (Math.exp(lp) - p[i]!);
    }
    return ce;
  }
}
