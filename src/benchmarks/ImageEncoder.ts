import type { Backend } from '../backend/Backend.js';
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

  private readonly lutResident: FloatArray;
  private readonly images = new Map<Uint8Array, Uint8Array>();
  private readonly perms = new WeakMap<Int32Array, Int32Array>();
  private lastPerm: Int32Array | null = null;
  private lastResident: Int32Array | null = null;

  constructor(set: ImageSet, readonly normalization: Normalization, private readonly backend: Backend) {
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
    this.lutResident = backend.alloc(this.lut.length);
    this.lutResident.set(this.lut);
  }

  /**
   * Write image `index` of `images` at out[offset ..], permuted by `perm` when given, with the backend's
   * encodeBytes kernel. The pixels and permutations are copied into backend memory once (on first use) so
   * the kernel reads them where it runs: a JavaScript loop spent ~2.5 us per 784-pixel image, a sixth of an
   * online training step.
   */
  write(images: Uint8Array, index: number, out: FloatArray, offset: number, perm: Int32Array | null): void {
    const n = this.size;
    this.backend.encodeBytes(this.resident(images), index * n, n, this.plane, this.lutResident, perm ? this.residentPerm(perm) : null, out, offset);
  }

  private resident(images: Uint8Array): Uint8Array {
    let r = this.images.get(images);
    if (!r) {
      r = this.backend.owns(images) ? images : this.backend.allocBytes(images.length);
      if (r !== images) r.set(images);
      this.images.set(images, r);
    }
    return r;
  }

  private residentPerm(perm: Int32Array): Int32Array {
    if (perm === this.lastPerm) return this.lastResident!;
    let r = this.perms.get(perm);
    if (!r) {
      r = this.backend.owns(perm) ? perm : this.backend.allocInt32(perm.length);
      if (r !== perm) r.set(perm);
      this.perms.set(perm, r);
    }
    this.lastPerm = perm;
    this.lastResident = r;
    return r;
  }
}
