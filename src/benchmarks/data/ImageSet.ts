/**
 * A labelled image data set held compactly in memory: pixels as bytes (CHW per image, images back to back),
 * labels as integers. Streams copy examples from here into backend buffers, normalizing while they copy.
 */
export interface ImageSplit {
  /** count * C * H * W bytes; image i starts at i * C * H * W, channel planes row-major. */
  readonly images: Uint8Array;
  /** Class index of each image, 0 .. classes - 1. */
  readonly labels: Int32Array;
  readonly count: number;
}

/**
 * A data set of labelled images in memory: its name, image shape [C, H, W], number of classes, largest pixel value,
 * train and test splits, and the files it was read from.
 */
export interface ImageSet {
  readonly name: string;
  /** [channels, height, width]. */
  readonly shape: readonly [number, number, number];
  readonly classes: number;
  /** The largest pixel value of the format (255; 16 for the 8x8 digits). */
  readonly maxValue: number;
  readonly train: ImageSplit;
  readonly test: ImageSplit;
  /** Files and checksums the set was read from (for a run's config.json). */
  readonly provenance: Record<string, unknown>;
}

/** Values per image. */
export function imageSize(set: Pick<ImageSet, 'shape'>): number {
  return set.shape[0] * set.shape[1] * set.shape[2];
}

/** Indices of the images of each class, in data set order. */
export function indicesByClass(split: ImageSplit, classes: number): Int32Array[] {
  const counts = new Int32Array(classes);
  for (let i = 0; i < split.count; i++) counts[split.labels[i]!]!++;
  const out = Array.from(counts, (n) => new Int32Array(n));
  counts.fill(0);
  for (let i = 0; i < split.count; i++) {
    const c = split.labels[i]!;
    out[c]![counts[c]!++] = i;
  }
  return out;
}

/** Per-channel mean and standard deviation of a split's pixels, scaled to [0, 1] by maxValue (as torchvision's ToTensor then Normalize). */
export function channelStats(set: ImageSet, split: ImageSplit = set.train): { mean: number[]; std: number[] } {
  const [c, h, w] = set.shape;
  const plane = h * w;
  const mean: number[] = [];
  const std: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    // Histogram of byte values: exact sums without a float pass over every pixel twice.
    const hist = new Float64Array(256);
    for (let i = 0; i < split.count; i++) {
      const base = i * c * plane + ch * plane;
      for (let k = 0; k < plane; k++) hist[split.images[base + k]!]!++;
    }
    let n = 0, s = 0, s2 = 0;
    for (let v = 0; v < 256; v++) {
      const x = v / set.maxValue;
      n += hist[v]!;
      s += hist[v]! * x;
      s2 += hist[v]! * x * x;
    }
    const m = n ? s / n : 0;
    mean.push(m);
    std.push(n ? Math.sqrt(Math.max(0, s2 / n - m * m)) : 1);
  }
  return { mean, std };
}
