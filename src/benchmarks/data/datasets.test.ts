import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { create as createTar } from 'tar';
import jpeg from 'jpeg-js';
import yazl from 'yazl';
import type { DataSource } from '../Benchmark.js';
import { getDataset, loadImageSet } from './datasets.js';
import { packageRoot } from './packageRoot.js';
import { parseNpy } from './npy.js';
import { parseMat5 } from './mat5.js';
import { sha256Bytes } from './checksum.js';
import { parseCifarBinary } from './cifarBinary.js';
import { channelStats, type ImageSet } from './ImageSet.js';
import { scratchDir } from '../../../test/helpers/scratchDir.js';

const fixtures = join(packageRoot(), 'test', 'fixtures');
const shared = join(packageRoot(), '..', 'shared', 'data');
const sharedData = existsSync(join(shared, 'mnist')) ? shared : existsSync('/work/shared/data/mnist') ? '/work/shared/data' : null;
const tmp = () => scratchDir('supple-data-');
const offline = (dataDir: string, verify = false): DataSource => ({ dataDir, cacheDir: tmp(), download: false, verify });
/** The fixture pixel formula (see test/fixtures/make_format_fixtures.py). */
const px = (i: number, c: number, h: number, w: number) => (i * 31 + c * 7 + h * 3 + w * 5) % 256;
const pixelsOk = (set: ImageSet, split: 'train' | 'test', k: number, i: number) => {
  const [C, H, W] = set.shape;
  for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    if (set[split].images[k * C * H * W + c * H * W + h * W + w] !== px(i, c, h, w)) return false;
  }
  return true;
};

test('MNIST fixture (300 real images, idx.gz) loads with its labels and pixels', async () => {
  const set = await loadImageSet('mnist', { source: offline(fixtures) });
  assert.deepEqual(set.shape, [1, 28, 28]);
  assert.equal(set.train.count, 200);
  assert.equal(set.test.count, 100);
  assert.equal(set.classes, 10);
  assert.deepEqual(Array.from(set.train.labels.subarray(0, 10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  assert.deepEqual(Array.from(set.test.labels.subarray(0, 5)), [3, 6, 1, 1, 1]);
  const raw = gunzipSync(readFileSync(join(fixtures, 'mnist', 'train-images-idx3-ubyte.gz')));
  assert.deepEqual(Buffer.from(set.train.images.subarray(0, 784)), raw.subarray(16, 16 + 784));
});

test('a file that fails its published checksum is an error naming it, not silently used', async () => {
  await assert.rejects(loadImageSet('mnist', { source: offline(fixtures, true) }), /train-images-idx3-ubyte\.gz.*(bytes|sha256)/);
});

test('a missing data set offline says which files to put where', async () => {
  const dir = tmp();
  await assert.rejects(loadImageSet('cifar10', { source: offline(dir) }), (e: Error) => {
    assert.match(e.message, /cifar-10-binary\.tar\.gz/);
    assert.ok(e.message.includes(join(dir, 'cifar10')));
    assert.match(e.message, /supple data fetch cifar10/);
    return true;
  });
});

test('the digits set ships with the package: 1437 train and 360 test 8x8 images, pixels 0..16', async () => {
  const set = await loadImageSet('digits', { source: offline(tmp(), true) });
  assert.equal(set.train.count + set.test.count, 1797);
  assert.equal(set.test.count, 360);
  assert.equal(set.maxValue, 16);
  assert.ok(set.train.images.every((v) => v <= 16));
  assert.deepEqual(Array.from(set.train.labels.subarray(0, 10)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // The first image of scikit-learn's digits (a zero).
  assert.deepEqual(Array.from(set.train.images.subarray(0, 16)), [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0]);
});

function cifarRecords(n: number, labelBytes: 1 | 2, first: number): Buffer {
  const rec = labelBytes + 3072;
  const b = Buffer.alloc(n * rec);
  for (let k = 0; k < n; k++) {
    const i = first + k;
    if (labelBytes === 2) { b[k * rec] = i % 20; b[k * rec + 1] = i % 100; } else b[k * rec] = i % 10;
    for (let c = 0; c < 3; c++) for (let h = 0; h < 32; h++) for (let w = 0; w < 32; w++) b[k * rec + labelBytes + c * 1024 + h * 32 + w] = px(i, c, h, w);
  }
  return b;
}

test('CIFAR-10 binary: from the .tar.gz (npm tar) and from the unpacked folder, the same images', async () => {
  const root = tmp();
  const folder = join(root, 'src', 'cifar-10-batches-bin');
  mkdirSync(folder, { recursive: true });
  for (let b = 1; b <= 5; b++) writeFileSync(join(folder, `data_batch_${b}.bin`), cifarRecords(2, 1, 2 * (b - 1)));
  writeFileSync(join(folder, 'test_batch.bin'), cifarRecords(3, 1, 100));
  const packed = join(root, 'packed', 'cifar10');
  mkdirSync(packed, { recursive: true });
  await createTar({ gzip: true, file: join(packed, 'cifar-10-binary.tar.gz'), cwd: join(root, 'src') }, ['cifar-10-batches-bin']);
  mkdirSync(join(root, 'unpacked'));
  const { cpSync } = await import('node:fs');
  cpSync(join(root, 'src'), join(root, 'unpacked', 'cifar10'), { recursive: true });
  for (const dir of ['packed', 'unpacked']) {
    const set = await loadImageSet('cifar10', { source: offline(join(root, dir)) });
    assert.equal(set.train.count, 10, dir);
    assert.equal(set.test.count, 3);
    assert.deepEqual(Array.from(set.train.labels), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(pixelsOk(set, 'train', 7, 7) && pixelsOk(set, 'test', 2, 102), dir);
  }
});

test('CIFAR-100 binary records use the fine label (second byte) unless coarse', () => {
  const bytes = cifarRecords(3, 2, 57);
  const fine = parseCifarBinary([{ bytes, name: 'x' }], 2, 1);
  const coarse = parseCifarBinary([{ bytes, name: 'x' }], 2, 0);
  assert.deepEqual(Array.from(fine.labels), [57, 58, 59]);
  assert.deepEqual(Array.from(coarse.labels), [17, 18, 19]);
  assert.throws(() => parseCifarBinary([{ bytes: bytes.subarray(1), name: 'cut.bin' }], 2, 1), /cut\.bin.*whole number/);
});

test('downsampled ImageNet npz batches (written by NumPy) load, 1-based labels shifted, classes and per-class caps honoured', async () => {
  const set = await loadImageSet('imagenet32', { source: offline(fixtures) });
  assert.equal(set.train.count, 30);
  assert.equal(set.test.count, 4);
  assert.deepEqual(Array.from(set.train.labels.subarray(0, 6)), [0, 1, 2, 3, 0, 1]);
  assert.deepEqual(Array.from(set.test.labels), [0, 1, 2, 999]);
  assert.ok(pixelsOk(set, 'train', 29, 29) && pixelsOk(set, 'test', 3, 103));
  const some = await loadImageSet('imagenet32', { source: offline(fixtures), classes: new Set([1, 3]), trainPerClass: 2 });
  assert.deepEqual(Array.from(some.train.labels), [1, 3, 1, 3]);
  assert.ok(pixelsOk(some, 'train', 1, 3) && pixelsOk(some, 'train', 3, 7));
});

test('SVHN .mat files (written by SciPy, compressed and not) load as CHW with label 10 read as digit 0', async () => {
  const set = await loadImageSet('svhn', { source: offline(fixtures) });
  assert.equal(set.train.count, 5);
  assert.equal(set.test.count, 3);
  assert.deepEqual(Array.from(set.train.labels), [1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(set.test.labels), [1, 2, 3]);
  assert.ok(pixelsOk(set, 'train', 4, 4) && pixelsOk(set, 'test', 1, 51));
  const mat = parseMat5(readFileSync(join(fixtures, 'svhn', 'test_32x32.mat')), 'test');
  assert.deepEqual(mat.get('y')!.dims, [3, 1]);
  assert.equal(mat.get('X')!.className, 'uint8');
  const hdf = Buffer.alloc(200);
  hdf.write('MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema');
  assert.throws(() => parseMat5(hdf, 'v73.mat'), /not a MATLAB 5 MAT-file/);
});

test('.npy headers of format 1 and 2 parse; unsupported dtypes are named', () => {
  const make = (major: number, header: string, data: Uint8Array) => {
    const pad = (major === 1 ? 10 : 12) + header.length + 1;
    const h = header + ' '.repeat((64 - (pad % 64)) % 64) + '\n';
    const pre = Buffer.alloc(major === 1 ? 10 : 12);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(pre);
    if (major === 1) pre.writeUInt16LE(h.length, 8); else pre.writeUInt32LE(h.length, 8);
    return Buffer.concat([pre, Buffer.from(h, 'latin1'), data]);
  };
  const f4 = new Float32Array([1.5, -2, 3.25, 4, 5, 6]);
  const a = parseNpy(make(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", new Uint8Array(f4.buffer)), 'a.npy');
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual(Array.from(a.data as Float32Array), [1.5, -2, 3.25, 4, 5, 6]);
  const b = parseNpy(make(2, "{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }", new Uint8Array([9, 8, 7, 6])), 'b.npy');
  assert.deepEqual(Array.from(b.data as Uint8Array), [9, 8, 7, 6]);
  assert.throws(() => parseNpy(make(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)), 'c.npy'), /c\.npy: dtype '<c8'/);
});

test('Tiny-ImageNet zip of JPEG folders: classes in sorted wnid order, val labels from val_annotations.txt', async () => {
  const dir = join(tmp(), 'tiny-imagenet');
  mkdirSync(dir, { recursive: true });
  const zip = new yazl.ZipFile();
  const wnids = ['n03', 'n01', 'n02'];
  const colour = (c: number) => [40 + 80 * c, 200 - 60 * c, 30 * c + 10];
  const jpg = (c: number) => {
    const data = Buffer.alloc(64 * 64 * 4);
    const [r, g, b] = colour(c);
    for (let p = 0; p < 64 * 64; p++) { data[4 * p] = r!; data[4 * p + 1] = g!; data[4 * p + 2] = b!; data[4 * p + 3] = 255; }
    return jpeg.encode({ data, width: 64, height: 64 }, 100).data;
  };
  zip.addBuffer(Buffer.from(wnids.join('\n') + '\n'), 'tiny-imagenet-200/wnids.txt');
  for (const w of wnids) for (let k = 0; k < 2; k++) zip.addBuffer(jpg(w === 'n01' ? 0 : w === 'n02' ? 1 : 2), `tiny-imagenet-200/train/${w}/images/${w}_${k}.JPEG`);
  zip.addBuffer(jpg(2), 'tiny-imagenet-200/val/images/val_0.JPEG');
  zip.addBuffer(jpg(0), 'tiny-imagenet-200/val/images/val_1.JPEG');
  zip.addBuffer(Buffer.from('val_0.JPEG\tn03\t0\t0\t63\t63\nval_1.JPEG\tn01\t0\t0\t63\t63\n'), 'tiny-imagenet-200/val/val_annotations.txt');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  writeFileSync(join(dir, 'tiny-imagenet-200.zip'), Buffer.concat(chunks));
  const set = await loadImageSet('tiny-imagenet', { source: offline(join(dir, '..')) });
  assert.deepEqual(set.shape, [3, 64, 64]);
  assert.equal(set.classes, 3);
  assert.deepEqual(Array.from(set.train.labels), [0, 0, 1, 1, 2, 2]);
  assert.deepEqual(Array.from(set.test.labels), [2, 0]);
  for (let k = 0; k < 6; k++) {
    const want = colour(set.train.labels[k]!);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(set.train.images[k * 12288 + c * 4096 + 2000]! - want[c]!) <= 3, `image ${k} channel ${c}`);
  }
});

test('per-channel statistics are exact on a known set', async () => {
  const set = await loadImageSet('imagenet32', { source: offline(fixtures) });
  const { mean } = channelStats(set);
  let s = 0;
  for (let i = 0; i < 30; i++) for (let h = 0; h < 32; h++) for (let w = 0; w < 32; w++) s += px(i, 1, h, w);
  assert.ok(Math.abs(mean[1]! - s / (30 * 1024 * 255)) < 1e-12);
});

test('real data in shared/data, when present: MNIST and Fashion-MNIST pass their published checksums', { skip: sharedData ? false : 'no shared/data on this machine' }, async () => {
  for (const name of ['mnist', 'fashion-mnist']) {
    const set = await loadImageSet(name, { source: { dataDir: sharedData!, cacheDir: tmp(), download: false, verify: true } });
    assert.equal(set.train.count, 60000);
    assert.equal(set.test.count, 10000);
    const files = set.provenance.files as { name: string; sha256: string; verified: boolean }[];
    for (const f of files) assert.equal(f.sha256, getDataset(name).files.find((g) => g.name === f.name)!.sha256);
  }
});

test('real CIFAR-10 subset in shared/data, when present: its checksums, first pixels and labels', { skip: sharedData && existsSync(join(sharedData, 'cifar10-subset')) ? false : 'no shared/data/cifar10-subset' }, () => {
  const dir = join(sharedData!, 'cifar10-subset');
  const train = readFileSync(join(dir, 'data_batch_1_first4000.bin'));
  const testBytes = readFileSync(join(dir, 'test_batch_first1000.bin'));
  assert.equal(sha256Bytes(train), '0993cf8b8e43bc207603aef9787006995746513f5e3fa5a52e06d1b069926330');
  assert.equal(sha256Bytes(testBytes), '8314c96d7cd65618193bab23acdd5d4c4af15bf6dd00a1781d55beedf3be1ef5');
  const tr = parseCifarBinary([{ bytes: train, name: 'train' }], 1, 0);
  const te = parseCifarBinary([{ bytes: testBytes, name: 'test' }], 1, 0);
  assert.equal(tr.count, 4000);
  assert.deepEqual(Array.from(tr.images.subarray(0, 12)), [59, 43, 50, 68, 98, 119, 139, 145, 149, 149, 131, 125]);
  assert.deepEqual(Array.from(tr.labels.subarray(0, 10)), [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
  assert.deepEqual(Array.from(te.labels.subarray(0, 10)), [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
  assert.deepEqual(Array.from(te.images.subarray(0, 5)), [158, 159, 165, 166, 160]);
});

test('IDX labels out of range are an error naming the file, the example and the value', async () => {
  const dir = join(tmp(), 'fashion-mnist');
  mkdirSync(dir, { recursive: true });
  const idx = (dims: number[], data: number[]) => {
    const head = Buffer.alloc(4 + 4 * dims.length);
    head.writeUInt8(8, 2);
    head.writeUInt8(dims.length, 3);
    dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
    return Buffer.concat([head, Buffer.from(data)]);
  };
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([3, 2, 2], new Array(12).fill(7)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([3], [1, 12, 3]));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([1, 2, 2], [1, 2, 3, 4]));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([1], [0]));
  await assert.rejects(loadImageSet('fashion-mnist', { source: offline(join(dir, '..')) }), /train-labels-idx1-ubyte: label 12 of example 1 is out of range \(the data set has 10 classes: 0\.\.9\)/);
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([3], [1, 9, 3]));
  assert.equal((await loadImageSet('fashion-mnist', { source: offline(join(dir, '..')) })).classes, 10);
});
