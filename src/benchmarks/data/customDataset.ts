import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import jpeg from 'jpeg-js';
import type { ImageSet, ImageSplit } from './ImageSet.js';
import { decodePng, type DecodedImage } from './decodePng.js';
import { getDataset, datasetNames, registerDataset } from './datasets.js';
import { parseNpy, npyToInt32, type NpyArray } from './npy.js';
import { openZip } from './zipArchive.js';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/** Every fifth image of each class (index 4, 9, ...) goes to the test split when the data has none. */
function splitByClass(images: Uint8Array, labels: Int32Array, size: number): { train: ImageSplit; test: ImageSplit } {
  const seen = new Map<number, number>();
  const isTest = Array.from(labels, (l) => {
    const k = seen.get(l) ?? 0;
    seen.set(l, k + 1);
    return k % 5 === 4;
  });
  const pick = (want: boolean): ImageSplit => {
    const idx = isTest.flatMap((t, i) => (t === want ? [i] : []));
    const im = new Uint8Array(idx.length * size);
    idx.forEach((i, j) => im.set(images.subarray(i * size, (i + 1) * size), j * size));
    return { images: im, labels: Int32Array.from(idx, (i) => labels[i]!), count: idx.length };
  };
  return { train: pick(false), test: pick(true) };
}

function decodeImage(path: string): DecodedImage {
  const bytes = readFileSync(path);
  if (extname(path).toLowerCase() === '.png') return decodePng(bytes, path);
  const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
  return { width: j.width, height: j.height, channels: 4, data: j.data };
}

/** A folder of class folders (`<dir>/<class>/*.png|jpg`), or `<dir>/train/<class>/...` and `<dir>/test/<class>/...`. */
function readImageFolder(name: string, dir: string): ImageSet {
  const sub = (d: string) => readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const top = sub(dir);
  const presplit = top.includes('train') && top.includes('test');
  const classes = presplit ? [...new Set([...sub(join(dir, 'train')), ...sub(join(dir, 'test'))])].sort() : top;
  if (classes.length < 2) throw new Error(`data set ${name}: ${dir} needs a folder per class (at least 2), e.g. ${dir}/cat/1.png; found ${top.length ? top.join(', ') : 'none'}`);
  let shape: [number, number, number] | null = null;
  let first = '';
  const read = (root: string) => {
    const files: Array<{ path: string; label: number }> = [];
    classes.forEach((c, label) => {
      const d = join(root, c);
      if (!existsSync(d)) return;
      for (const f of readdirSync(d).sort()) if (IMAGE_EXT.has(extname(f).toLowerCase())) files.push({ path: join(d, f), label });
    });
    const decoded = files.map((f) => ({ ...f, img: decodeImage(f.path) }));
    for (const d of decoded) {
      const c = d.img.channels >= 3 ? 3 : 1;
      if (!shape) {
        shape = [c, d.img.height, d.img.width];
        first = d.path;
      } else if (shape[1] !== d.img.height || shape[2] !== d.img.width) {
        throw new Error(`data set ${name}: ${d.path} is ${d.img.width}x${d.img.height} but ${first} is ${shape[2]}x${shape[1]}; every image must have the same size`);
      } else if (c > shape[0]) shape = [c, shape[1], shape[2]];
    }
    return decoded;
  };
  const parts = presplit ? [read(join(dir, 'train')), read(join(dir, 'test'))] : [read(dir)];
  if (!shape) throw new Error(`data set ${name}: no .png or .jpg images under ${dir}`);
  const [C, H, W] = shape as [number, number, number];
  const toSplit = (list: ReturnType<typeof read>): { images: Uint8Array; labels: Int32Array } => {
    const images = new Uint8Array(list.length * C * H * W);
    list.forEach((d, i) => {
      const { channels: k, data } = d.img;
      for (let c = 0; c < C; c++) {
        const plane = i * C * H * W + c * H * W;
        // Grey images in a colour set are repeated on every channel; alpha is dropped.
        const src = k >= 3 ? c : 0;
        for (let p = 0; p < H * W; p++) images[plane + p] = data[p * k + src]!;
      }
    });
    return { images, labels: Int32Array.from(list, (d) => d.label) };
  };
  const provenance = { dataset: name, kind: 'image-folder', dir, classes };
  if (presplit) {
    const tr = toSplit(parts[0]!), te = toSplit(parts[1]!);
    return { name, shape: [C, H, W], classes: classes.length, maxValue: 255, train: { ...tr, count: tr.labels.length }, test: { ...te, count: te.labels.length }, provenance };
  }
  const all = toSplit(parts[0]!);
  return { name, shape: [C, H, W], classes: classes.length, maxValue: 255, ...splitByClass(all.images, all.labels, C * H * W), provenance: { ...provenance, split: 'every 5th image of each class is test' } };
}

/** Images from an array: [N, H, W], [N, H, W, C] (channels last, C = 1, 3, 4), [N, C, H, W] (C = 1, 3) or [N, D] (square grey). */
function imagesFromArray(a: NpyArray, what: string): { images: Uint8Array; shape: [number, number, number]; count: number } {
  const s = a.shape;
  if (a.fortranOrder) throw new Error(`${what}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray`);
  const n = s[0] ?? 0;
  let C: number, H: number, W: number, channelsLast = false;
  if (s.length === 2) {
    const side = Math.round(Math.sqrt(s[1]!));
    if (side * side !== s[1]) throw new Error(`${what}: [N, ${s[1]}] rows are not square images; give [N, H, W] or [N, H, W, C]`);
    [C, H, W] = [1, side, side];
  } else if (s.length === 3) [C, H, W] = [1, s[1]!, s[2]!];
  else if (s.length === 4 && [1, 3, 4].includes(s[3]!) && s[1]! > 4) {
    [H, W, C] = [s[1]!, s[2]!, Math.min(3, s[3]!)];
    channelsLast = true;
  } else if (s.length === 4 && [1, 3].includes(s[1]!)) [C, H, W] = [s[1]!, s[2]!, s[3]!];
  else throw new Error(`${what}: images of shape [${s.join(', ')}] are not understood; [N, H, W], [N, H, W, C] or [N, C, H, W]`);
  const data = a.data;
  let max = 0;
  for (let i = 0; i < data.length; i++) max = Math.max(max, Number(data[i]));
  // Floats in [0, 1] are scaled to bytes; anything else is clamped to 0..255.
  const scale = !(data instanceof Uint8Array) && max <= 1 ? 255 : 1;
  const perIn = s.slice(1).reduce((x, y) => x * y, 1);
  const images = new Uint8Array(n * C * H * W);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < H * W; p++) {
        const v = channelsLast ? Number(data[i * perIn + p * s[3]! + c]) : Number(data[i * perIn + c * H * W + p]);
        images[i * C * H * W + c * H * W + p] = Math.max(0, Math.min(255, Math.round(v * scale)));
      }
    }
  }
  return { images, shape: [C, H, W], count: n };
}

function fromArrays(name: string, what: string, x: NpyArray, y: NpyArray, test?: { x: NpyArray; y: NpyArray }): ImageSet {
  const tr = imagesFromArray(x, `${what} (images)`);
  const labels = npyToInt32(y, `${what} (labels)`);
  if (labels.length !== tr.count) throw new Error(`${what}: ${tr.count} images but ${labels.length} labels`);
  let classes = 0;
  for (const l of labels) {
    if (l < 0) throw new Error(`${what}: label ${l} is negative; labels must be 0 .. classes - 1`);
    classes = Math.max(classes, l + 1);
  }
  const size = tr.shape[0] * tr.shape[1] * tr.shape[2];
  if (test) {
    const te = imagesFromArray(test.x, `${what} (test images)`);
    const tl = npyToInt32(test.y, `${what} (test labels)`);
    if (te.shape.join() !== tr.shape.join()) throw new Error(`${what}: test images are [${te.shape.join(', ')}], train [${tr.shape.join(', ')}]`);
    for (const l of tl) classes = Math.max(classes, l + 1);
    return { name, shape: tr.shape, classes, maxValue: 255, train: { images: tr.images, labels, count: tr.count }, test: { images: te.images, labels: tl, count: te.count }, provenance: { dataset: name, kind: 'arrays', source: what } };
  }
  return { name, shape: tr.shape, classes, maxValue: 255, ...splitByClass(tr.images, labels, size), provenance: { dataset: name, kind: 'arrays', source: what, split: 'every 5th image of each class is test' } };
}

/** CSV: one image per row, the label first, then the pixels (square grey); a header row is skipped. */
function readCsv(name: string, path: string): ImageSet {
  const rows = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim()).map((l) => l.split(',').map((v) => v.trim()));
  if (rows.length && rows[0]!.some((v) => v !== '' && Number.isNaN(Number(v)))) rows.shift();
  if (rows.length === 0) throw new Error(`${path}: no rows`);
  const d = rows[0]!.length - 1;
  const bad = rows.findIndex((r) => r.length !== d + 1);
  if (bad >= 0) throw new Error(`${path}: row ${bad + 1} has ${rows[bad]!.length} values, the first ${d + 1}`);
  const x: NpyArray = { shape: [rows.length, d], dtype: '<f8', fortranOrder: false, data: Float64Array.from(rows.flatMap((r) => r.slice(1).map(Number))) };
  const y: NpyArray = { shape: [rows.length], dtype: '<i4', fortranOrder: false, data: Int32Array.from(rows.map((r) => Number(r[0]))) };
  return fromArrays(name, path, x, y);
}

/**
 * Read a user's data set: a folder of class folders of PNG/JPEG images (ImageFolder layout, optionally with
 * train/ and test/), an .npz (x_train, y_train, x_test, y_test as Keras saves them, or x and y), a pair
 * `images.npy,labels.npy`, or a CSV (label, then pixels). Without a test split, every fifth image of each class is
 * held out for testing. Pixels are bytes 0..255 (float arrays in [0, 1] are scaled).
 */
export async function readCustomImageSet(name: string, spec: string): Promise<ImageSet> {
  const parts = spec.split(',').map((p) => resolve(p.trim()));
  for (const p of parts) if (!existsSync(p)) throw new Error(`data set ${name}: ${p} does not exist`);
  const first = parts[0]!;
  if (parts.length === 2) return fromArrays(name, spec, parseNpy(readFileSync(first), first), parseNpy(readFileSync(parts[1]!), parts[1]!));
  if (parts.length !== 1) throw new Error(`data set ${name}: '${spec}' names ${parts.length} files; give a folder, an .npz, a CSV, or images.npy,labels.npy`);
  if (statSync(first).isDirectory()) return readImageFolder(name, first);
  const ext = extname(first).toLowerCase();
  if (ext === '.csv') return readCsv(name, first);
  if (ext === '.npz') {
    const zip = await openZip(first, first);
    try {
      const arrays: Record<string, NpyArray> = {};
      for (const e of zip.entries) arrays[e.name.replace(/\.npy$/, '')] = parseNpy(await e.read(), `${first}:${e.name}`);
      const pick = (...keys: string[]) => keys.map((k) => arrays[k]).find((a) => a !== undefined);
      const x = pick('x_train', 'x', 'images', 'X');
      const y = pick('y_train', 'y', 'labels', 'Y');
      if (!x || !y) throw new Error(`${first}: needs arrays x_train and y_train (or x and y); it has ${Object.keys(arrays).join(', ')}`);
      const tx = pick('x_test'), ty = pick('y_test');
      return fromArrays(name, first, x, y, tx && ty ? { x: tx, y: ty } : undefined);
    } finally {
      zip.close();
    }
  }
  throw new Error(`data set ${name}: '${first}' is not a folder, .npz, .csv or an images.npy,labels.npy pair`);
}

const registered = new Map<string, string>();

/**
 * Register a user's data set under `name` (read now, kept in memory) so that every image benchmark accepts it as
 * `dataset=<name>`. Registering the same name with the same path again is a no-op; a built-in name is refused.
 */
export async function registerCustomDataset(name: string, spec: string): Promise<void> {
  if (!/^[A-Za-z][A-Za-z0-9._-]*$/.test(name)) throw new Error(`data set name '${name}' is not allowed: a letter, then letters, digits, '.', '_' or '-'`);
  const known = registered.get(name);
  if (known !== undefined) {
    if (known === spec) return;
    throw new Error(`data set '${name}' is registered already (from ${known})`);
  }
  if (datasetNames().includes(name)) throw new Error(`data set '${name}' is a built-in name (${getDataset(name).description}); choose another`);
  const set = await readCustomImageSet(name, spec);
  registerDataset({
    name, folder: name, description: `your data set from ${spec}: ${set.train.count} train + ${set.test.count} test images [${set.shape.join(', ')}], ${set.classes} classes`,
    classes: set.classes, license: 'yours', homepage: '', checksumSource: 'none (a local data set)', files: [], path: spec,
    load: async () => set,
  });
  registered.set(name, spec);
}
