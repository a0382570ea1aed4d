import { readFile } from 'node:fs/promises';
import type { FoundFiles, LoadOptions } from './DatasetSpec.js';
import type { ImageSet, ImageSplit } from './ImageSet.js';
import { npyToInt32, parseNpy } from './npy.js';
import { openZip } from './zipArchive.js';

export const IMAGENET32_TRAIN_BATCHES = Array.from({ length: 10 }, (_, i) => `train_data_batch_${i + 1}.npz`);

/**
 * Downsampled ImageNet 32x32 (Chrabaszcz, Loshchilov, Hutter 2017) from the official npz batches: each .npz
 * (itself a zip) holds `data` [n, 3072] uint8 (red, green, blue planes, as CIFAR) and `labels` [n] in 1..1000.
 * The training set has 1.28M images (3.9 GB of pixels): `opts.classes` and `opts.trainPerClass` keep only
 * what a stream uses (Continual ImageNet: 700 images of each class it visits), in file order.
 */
export async function loadImagenet32(found: FoundFiles, opts: LoadOptions): Promise<ImageSet> {
  const perClass = opts.trainPerClass ?? Infinity;
  const keep = opts.classes;
  const npzSources: { train: (() => Promise<Buffer>)[]; val: () => Promise<Buffer>; close(): void } = await (async () => {
    if (found.kind === 'extracted') {
      return {
        train: IMAGENET32_TRAIN_BATCHES.map((n) => () => readFile(found.path(n))),
        val: () => readFile(found.path('val_data.npz')),
        close: () => undefined,
      };
    }
    const trainZip = await openZip(found.path('Imagenet32_train_npz.zip'), 'imagenet32/Imagenet32_train_npz.zip');
    const valZip = await openZip(found.path('Imagenet32_val_npz.zip'), 'imagenet32/Imagenet32_val_npz.zip');
    const byBase = (z: typeof trainZip, n: string) => {
      const e = z.entries.find((x) => x.name === n || x.name.endsWith(`/${n}`));
      if (!e) throw new Error(`imagenet32: the archive has no ${n} (entries: ${z.entries.slice(0, 5).map((x) => x.name).join(', ')}, ...)`);
      return () => e.read();
    };
    return {
      train: IMAGENET32_TRAIN_BATCHES.map((n) => byBase(trainZip, n)),
      val: byBase(valZip, 'val_data.npz'),
      close: () => { trainZip.close(); valZip.close(); },
    };
  })();
  try {
    const counts = new Int32Array(1000);
    const trainParts: { images: Uint8Array; labels: Int32Array }[] = [];
    for (let b = 0; b < npzSources.train.length; b++) {
      const batch = await readNpzBatch(await npzSources.train[b]!(), IMAGENET32_TRAIN_BATCHES[b]!);
      trainParts.push(select(batch, (c) => (keep ? keep.has(c) : true) && counts[c]! < perClass, counts));
    }
    const val = await readNpzBatch(await npzSources.val(), 'val_data.npz');
    const test = concat([select(val, (c) => (keep ? keep.has(c) : true), new Int32Array(1000))]);
    return {
      name: 'imagenet32',
      shape: [3, 32, 32],
      classes: 1000,
      maxValue: 255,
      train: concat(trainParts),
      test,
      provenance: { dataset: 'imagenet32', dir: found.dir, files: found.files, ...(keep ? { classesKept: keep.size } : {}), ...(Number.isFinite(perClass) ? { trainPerClass: perClass } : {}) },
    };
  } finally {
    npzSources.close();
  }
}

async function readNpzBatch(npz: Buffer, what: string): Promise<{ data: Uint8Array; labels: Int32Array }> {
  const zip = await openZip(npz, `imagenet32/${what}`);
  try {
    const get = async (n: string) => {
      const e = zip.entries.find((x) => x.name === `${n}.npy`);
      if (!e) throw new Error(`imagenet32/${what}: no ${n}.npy inside (entries: ${zip.entries.map((x) => x.name).join(', ')})`);
      return parseNpy(await e.read(), `imagenet32/${what}/${n}.npy`);
    };
    const data = await get('data');
    const labels = await get('labels');
    if (data.dtype !== '|u1' || data.shape.length !== 2 || data.shape[1] !== 3072) throw new Error(`imagenet32/${what}: data is ${data.dtype} (${data.shape.join(', ')}); expected |u1 (n, 3072)`);
    const y = npyToInt32(labels, `imagenet32/${what}/labels.npy`);
    if (y.length !== data.shape[0]) throw new Error(`imagenet32/${what}: ${y.length} labels for ${data.shape[0]} images`);
    for (let i = 0; i < y.length; i++) {
      if (y[i]! < 1 || y[i]! > 1000) throw new Error(`imagenet32/${what}: label ${y[i]} at ${i} is not in 1..1000`);
      y[i]!--;
    }
    return { data: data.data as Uint8Array, labels: y };
  } finally {
    zip.close();
  }
}

function select(b: { data: Uint8Array; labels: Int32Array }, take: (c: number) => boolean, counts: Int32Array): { images: Uint8Array; labels: Int32Array } {
  const idx: number[] = [];
  for (let i = 0; i < b.labels.length; i++) {
    const c = b.labels[i]!;
    if (take(c)) {
      idx.push(i);
      counts[c]!++;
    }
  }
  const images = new Uint8Array(idx.length * 3072);
  const labels = new Int32Array(idx.length);
  idx.forEach((i, k) => {
    images.set(b.data.subarray(i * 3072, (i + 1) * 3072), k * 3072);
    labels[k] = b.labels[i]!;
  });
  return { images, labels };
}

function concat(parts: { images: Uint8Array; labels: Int32Array }[]): ImageSplit {
  const count = parts.reduce((a, p) => a + p.labels.length, 0);
  const images = new Uint8Array(count * 3072);
  const labels = new Int32Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * 3072);
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return { images, labels, count };
}
