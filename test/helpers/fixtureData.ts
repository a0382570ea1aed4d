// A data folder for tests, built from the fixtures shipped in test/fixtures and from small synthetic files in the
// official layouts: every image data set a preset names is there, so a preset runs without ../shared/data.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataSource } from '../../src/benchmarks/Benchmark.js';
import { scratchDir } from './scratchDir.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures');

/** Bytes of a deterministic pseudo-random stream (an LCG): synthetic pixels and labels. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** CIFAR binary records: label bytes then 3072 pixel bytes; `perClass` records of each class, classes interleaved. */
function cifarRecords(classes: number, perClass: number, labelBytes: 1 | 2, seed: number): Uint8Array {
  const rec = labelBytes + 3072;
  const n = classes * perClass;
  const out = new Uint8Array(n * rec);
  const pixels = bytes(n * 3072, seed);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    if (labelBytes === 2) out[i * rec] = c % 20;
    out[i * rec + labelBytes - 1] = c;
    out.set(pixels.subarray(i * 3072, (i + 1) * 3072), i * rec + labelBytes);
  }
  return out;
}

function copyDir(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) copyFileSync(join(from, f), join(to, f));
}

/**
 * A temporary data folder: mnist and fashion-mnist (the 300 real MNIST images of test/fixtures/mnist, for both),
 * imagenet32 (the synthetic npz fixture), cifar10 and cifar100 (synthetic, unpacked binary layout). Checksums
 * are off (none of these are the published files); the digits come with the package.
 */
export function fixtureDataSource(): DataSource {
  const root = scratchDir('supple-fixture-data-');
  copyDir(join(fixtures, 'mnist'), join(root, 'mnist'));
  copyDir(join(fixtures, 'mnist'), join(root, 'fashion-mnist'));
  copyDir(join(fixtures, 'imagenet32'), join(root, 'imagenet32'));
  const c10 = join(root, 'cifar10', 'cifar-10-batches-bin');
  mkdirSync(c10, { recursive: true });
  for (let b = 1; b <= 5; b++) writeFileSync(join(c10, `data_batch_${b}.bin`), cifarRecords(10, 2, 1, b));
  writeFileSync(join(c10, 'test_batch.bin'), cifarRecords(10, 2, 1, 99));
  const c100 = join(root, 'cifar100', 'cifar-100-binary');
  mkdirSync(c100, { recursive: true });
  writeFileSync(join(c100, 'train.bin'), cifarRecords(100, 4, 2, 7));
  writeFileSync(join(c100, 'test.bin'), cifarRecords(100, 1, 2, 8));
  return { dataDir: root, cacheDir: join(root, '.cache'), download: false, verify: false };
}
