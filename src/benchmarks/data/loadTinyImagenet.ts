import { readFile, readdir } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import type { FoundFiles, LoadOptions } from './DatasetSpec.js';
import type { ImageSet, ImageSplit } from './ImageSet.js';
import { openZip } from './zipArchive.js';

const SIDE = 64;
const PER = 3 * SIDE * SIDE;

/**
 * Tiny-ImageNet-200 (the CS231n zip of JPEG folders): 200 classes, 500 training images each
 * (train/<wnid>/images/*.JPEG) and 50 validation images each (val/images, labelled by
 * val/val_annotations.txt), used as the test split (the test folder has no labels). Classes are numbered in
 * sorted wnid order, as torchvision's ImageFolder numbers them. JPEGs are decoded with jpeg-js (greyscale
 * ones come out as RGB).
 */
export async function loadTinyImagenet(found: FoundFiles, opts: LoadOptions): Promise<ImageSet> {
  const files = await listFiles(found);
  try {
    const root = 'tiny-imagenet-200/';
    const wnidsText = (await files.read(`${root}wnids.txt`)).toString('utf8');
    const wnids = wnidsText.split(/\s+/).filter((s) => s.length > 0).sort();
    const classOf = new Map(wnids.map((w, i) => [w, i]));
    const keep = opts.classes;
    const perClass = opts.trainPerClass ?? Infinity;
    const train: { name: string; label: number }[] = [];
    for (const name of files.names) {
      const m = /^tiny-imagenet-200\/train\/([^/]+)\/images\/[^/]+\.jpe?g$/i.exec(name);
      if (!m) continue;
      const c = classOf.get(m[1]!);
      if (c === undefined) throw new Error(`tiny-imagenet: ${name} is in a class not listed in wnids.txt`);
      if (!keep || keep.has(c)) train.push({ name, label: c });
    }
    train.sort((a, b) => a.label - b.label || a.name.localeCompare(b.name));
    const counts = new Int32Array(wnids.length);
    const trainKept = train.filter((e) => counts[e.label]!++ < perClass);
    const annotations = (await files.read(`${root}val/val_annotations.txt`)).toString('utf8');
    const test: { name: string; label: number }[] = [];
    for (const line of annotations.split('\n')) {
      const [file, wnid] = line.split('\t');
      if (!file || !wnid) continue;
      const c = classOf.get(wnid);
      if (c === undefined) throw new Error(`tiny-imagenet: val_annotations.txt names class ${wnid}, not in wnids.txt`);
      if (!keep || keep.has(c)) test.push({ name: `${root}val/images/${file}`, label: c });
    }
    test.sort((a, b) => a.name.localeCompare(b.name));
    return {
      name: 'tiny-imagenet',
      shape: [3, SIDE, SIDE],
      classes: wnids.length,
      maxValue: 255,
      train: await decodeAll(trainKept, files.read),
      test: await decodeAll(test, files.read),
      provenance: { dataset: 'tiny-imagenet', dir: found.dir, files: found.files },
    };
  } finally {
    files.close();
  }
}

async function decodeAll(list: { name: string; label: number }[], read: (n: string) => Promise<Buffer>): Promise<ImageSplit> {
  const images = new Uint8Array(list.length * PER);
  const labels = new Int32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const { name, label } = list[i]!;
    let img: { width: number; height: number; data: Uint8Array };
    try {
      img = jpeg.decode(await read(name), { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 64 });
    } catch (e) {
      throw new Error(`tiny-imagenet: cannot decode ${name}: ${(e as Error).message}`);
    }
    if (img.width !== SIDE || img.height !== SIDE) throw new Error(`tiny-imagenet: ${name} is ${img.width}x${img.height}, expected ${SIDE}x${SIDE}`);
    const base = i * PER;
    const plane = SIDE * SIDE;
    for (let p = 0; p < plane; p++) {
      images[base + p] = img.data[4 * p]!;
      images[base + plane + p] = img.data[4 * p + 1]!;
      images[base + 2 * plane + p] = img.data[4 * p + 2]!;
    }
    labels[i] = label;
  }
  return { images, labels, count: list.length };
}

/** The archive's files, from the zip or from the unpacked folder. */
async function listFiles(found: FoundFiles): Promise<{ names: string[]; read(n: string): Promise<Buffer>; close(): void }> {
  if (found.kind === 'extracted') {
    const names: string[] = [];
    const walk = async (rel: string) => {
      for (const e of await readdir(found.path(rel), { withFileTypes: true })) {
        const p = `${rel}/${e.name}`;
        if (e.isDirectory()) await walk(p);
        else names.push(p);
      }
    };
    await walk('tiny-imagenet-200');
    return { names, read: (n) => readFile(found.path(n)), close: () => undefined };
  }
  const zip = await openZip(found.path('tiny-imagenet-200.zip'), 'tiny-imagenet/tiny-imagenet-200.zip');
  const byName = new Map(zip.entries.map((e) => [e.name, e]));
  return {
    names: [...byName.keys()],
    read: async (n) => {
      const e = byName.get(n);
      if (!e) throw new Error(`tiny-imagenet: the archive has no ${n}`);
      return e.read();
    },
    close: () => zip.close(),
  };
}
