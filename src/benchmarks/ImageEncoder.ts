import type { FloatArray } from '../tensor/FloatArray.js';
import { channelStats, imageSize, type ImageSet } from './data/ImageSet.js';

/** How pixel bytes become inputs: 'unit' = v / max (torchvision ToTensor), 'standardize' = per-channel (v / max - mean) / std over the training split, 'none' = the raw value. */
export type Normalization = 'unit' | 'standardize' | 'none';
export const normalizations = ['unit', 'standardize', 'none'] as const;

/**
 * Writes images of a set into float buffers, normalizing through a per-channel lookup table (one read per
 * value) and optionally permuting pixels on the way: output value j is source value perm[j].
 */
export class ImageEncoder {
  readonly size: number;
  readonly channels: number;
  readonly plane: number;
  /** lut[c * 256 + byte]: the input value of `byte` in channel c. */
  readonly lut: Float32Array;
  readonly stats: { mean: number[]; std: number[] } | null;

  constructor(set: ImageSet, readonly normalization: Normalization) {
    this.size = imageSize(set);
    this.channels = set.shape[0];
    this.plane = set.shape[1] * set.shape[2];
    this.lut = new Float32Array(this.channels * 256);
    this.stats = normalization === 'standardize' ? channelStats(set) : null;
    for (let c = 0; c < this.channels; c++) {
      for (let v = 0; v < 256; v++) {
        const unit = v / set.maxValue;
        this.lut[c * 256 + v] = normalization === 'none' ? v : normalization === 'unit' ? unit : (unit - this.stats!.mean[c]!) / (this.stats!.std[c]! || 1);
      }
    }
  }

  /** Write image `index` of `images` at out[offset ..], permuted by `perm` when given. */
  write(images: Uint8Array, index: number, out: FloatArray, offset: number, perm: Int32Array | null): void {
    const n = this.size;
    const base = index * n;
    const lut = this.lut;
    if (this.channels === 1) {
      if (perm) for (let j = 0; j < n; j++) out[offset + j] = lut[images[base + perm[j]!]!]!;
      else for (let j = 0; j < n; j++) out[offset + j] = lut[images[base + j]!]!;
      return;
    }
    const plane = this.plane;
    if (perm) {
      for (let j = 0; j < n; j++) {
        const s = perm[j]!;
        out[offset + j] = lut[((s / plane) | 0) * 256 + images[base + s]!]!;
      }
      return;
    }
    for (let c = 0; c < this.channels; c++) {
      const l = c * 256;
      const o = offset + c * plane;
      const b = base + c * plane;
      for (let k = 0; k < plane; k++) out[o + k] = lut[l + images[b + k]!]!;
    }
  }
}
