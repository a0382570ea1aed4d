import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import yazl from 'yazl';
import { catalog as makeCatalog } from '../../experiment/catalog.js';
import { describeRun } from '../../experiment/describeRun.js';
import { resolveRunConfig } from '../../experiment/runConfig.js';
import { decodePng } from './decodePng.js';
import { readCustomImageSet, registerCustomDataset } from './customDataset.js';
import { scratchDir } from '../../../test/helpers/scratchDir.js';

/** A PNG encoder for the test (8-bit RGB, filter 0 on every row but the second, which uses Sub). */
function png(w: number, h: number, rgb: (x: number, y: number) => [number, number, number]): Buffer {
  const raw = Buffer.alloc(h * (w * 3 + 1));
  for (let y = 0; y < h; y++) {
    const filter = y === 1 ? 1 : 0;
    raw[y * (w * 3 + 1)] = filter;
    for (let x = 0; x < w; x++) {
      const px = rgb(x, y);
      for (let c = 0; c < 3; c++) {
        const left = x > 0 ? rgb(x - 1, y)[c]! : 0;
        raw[y * (w * 3 + 1) + 1 + x * 3 + c] = (px[c]! - (filter === 1 ? left : 0)) & 0xff;
      }
    }
  }
  const chunk = (type: string, body: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const tb = Buffer.concat([Buffer.from(type), body]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(tb) >>> 0);
    return Buffer.concat([len, tb, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function npy(shape: number[], dtype: '|u1' | '<i8', data: Uint8Array | BigInt64Array): Buffer {
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

const pixel = (cls: number, i: number) => (x: number, y: number): [number, number, number] => [(cls * 60 + x * 3 + i) & 255, (y * 20 + cls) & 255, (x * y + 7 * i) & 255];

test('PNG decoding: pixels as written, Sub filter undone', () => {
  const img = decodePng(png(5, 3, pixel(2, 1)), 't.png');
  assert.deepEqual([img.width, img.height, img.channels], [5, 3, 3]);
  for (let y = 0; y < 3; y++) for (let x = 0; x < 5; x++) assert.deepEqual([...img.data.subarray((y * 5 + x) * 3, (y * 5 + x) * 3 + 3)], pixel(2, 1)(x, y));
  assert.throws(() => decodePng(Buffer.from('nope'), 'x.png'), /x.png: not a PNG file/);
});

test('own data sets: a folder of class folders, an npz, an npy pair and a CSV; every image benchmark reads them', async () => {
  const d = scratchDir('supple-own-');
  const classes = ['ant', 'bee', 'cat', 'dog'];
  for (const [ci, c] of classes.entries()) {
    mkdirSync(join(d, 'folder', c), { recursive: true });
    for (let i = 0; i < 12; i++) writeFileSync(join(d, 'folder', c, `${String(i).padStart(2, '0')}.png`), png(8, 8, pixel(ci, i)));
  }
  const set = await readCustomImageSet('f', join(d, 'folder'));
  assert.deepEqual([set.shape, set.classes, set.train.count, set.test.count], [[3, 8, 8], 4, 40, 8]);
  // CHW: image 0 of class 0, channel 0 at (x=1, y=0) is pixel(0, 0)(1, 0)[0].
  assert.equal(set.train.images[1], pixel(0, 0)(1, 0)[0]);
  assert.equal(set.train.images[64 + 8], pixel(0, 0)(0, 1)[1]);
  assert.deepEqual([...set.test.labels], [0, 0, 1, 1, 2, 2, 3, 3]);

  const n = 20;
  const x = Uint8Array.from({ length: n * 6 * 6 }, (_, i) => (i * 7) & 255);
  const y = BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 4));
  writeFileSync(join(d, 'x.npy'), npy([n, 6, 6], '|u1', x));
  writeFileSync(join(d, 'y.npy'), npy([n], '<i8', y));
  const pair = await readCustomImageSet('p', `${join(d, 'x.npy')},${join(d, 'y.npy')}`);
  assert.deepEqual([pair.shape, pair.classes, pair.train.count + pair.test.count], [[1, 6, 6], 4, n]);

  const zip = new yazl.ZipFile();
  zip.addBuffer(npy([n, 6, 6, 3], '|u1', Uint8Array.from({ length: n * 108 }, (_, i) => i & 255)), 'x_train.npy');
  zip.addBuffer(npy([n], '<i8', y), 'y_train.npy');
  zip.addBuffer(npy([4, 6, 6, 3], '|u1', new Uint8Array(4 * 108)), 'x_test.npy');
  zip.addBuffer(npy([4], '<i8', BigInt64Array.from([0n, 1n, 2n, 3n])), 'y_test.npy');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  writeFileSync(join(d, 'set.npz'), Buffer.concat(chunks));
  const npz = await readCustomImageSet('z', join(d, 'set.npz'));
  assert.deepEqual([npz.shape, npz.train.count, npz.test.count], [[3, 6, 6], n, 4]);
  // Channels last -> CHW: channel 1 of pixel 0 of image 0 is byte 1 of the file's data.
  assert.equal(npz.train.images[36], 1);

  writeFileSync(join(d, 'set.csv'), `label,${Array.from({ length: 16 }, (_, i) => `p${i}`).join(',')}\n${Array.from({ length: 10 }, (_, r) => `${r % 2},${Array.from({ length: 16 }, (_, i) => (r * 16 + i) % 256).join(',')}`).join('\n')}\n`);
  const csv = await readCustomImageSet('c', join(d, 'set.csv'));
  assert.deepEqual([csv.shape, csv.classes, csv.train.count + csv.test.count], [[1, 4, 4], 2, 10]);

  await registerCustomDataset('mybugs', join(d, 'folder'));
  const catalog = makeCatalog();
  const settings: Record<string, Record<string, unknown>> = {
    'permuted-mnist': { tasks: 2, examplesPerTask: 20 },
    'random-labels': { tasks: 2, examplesPerTask: 20 },
    'class-incremental': { tasks: 2, classesPerTask: 2, valPerClass: 1, epochs: 1 },
    'continual-binary': { tasks: 2, testFromTrain: 2, examplesPerTask: 8, epochs: 1 },
    'warm-start': { tasks: 2, maxEpochs: 1 },
  };
  for (const [benchmark, set] of Object.entries(settings)) {
    const config = resolveRunConfig({ benchmark, set: { ...set, dataset: 'mybugs', 'model.arch': 'mlp', 'model.hidden': [8] }, backend: 'ts', datasets: { mybugs: join(d, 'folder') } }, catalog, '0');
    const r = await describeRun(config, catalog);
    assert.ok(r.stream.inputShape.reduce((a, b) => a * b, 1) === 3 * 8 * 8, `${benchmark}: input [${r.stream.inputShape.join(', ')}]`);
  }
  assert.throws(() => resolveRunConfig({ benchmark: 'permuted-mnist', set: { dataset: 'mybugz' } }, catalog, '0'), /dataset = "mybugz" is not allowed: allowed: "mnist", .*"mybugs"/);
  await assert.rejects(registerCustomDataset('mnist', join(d, 'folder')), /built-in name/);
});
