import { readFile } from 'node:fs/promises';
import type { FoundFiles } from './DatasetSpec.js';
import type { ImageSet } from './ImageSet.js';
import { parseCifarBinary } from './cifarBinary.js';
import { readTarEntries } from './tarArchive.js';

export const CIFAR10_BINS = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];

/**
 * CIFAR-10 or CIFAR-100 from the binary version: the .tar.gz as distributed (read with npm `tar`), or its
 * unpacked folder. CIFAR-100 uses the fine labels (100 classes) unless `coarse`.
 */
export async function loadCifar(kind: 10 | 100, found: FoundFiles, coarse = false): Promise<ImageSet> {
  const name = kind === 10 ? 'cifar10' : 'cifar100';
  const folder = kind === 10 ? 'cifar-10-batches-bin' : 'cifar-100-binary';
  const trainNames = kind === 10 ? CIFAR10_BINS : ['train.bin'];
  const testNames = kind === 10 ? ['test_batch.bin'] : ['test.bin'];
  let read: (n: string) => Promise<Uint8Array>;
  if (found.kind === 'extracted') {
    read = (n) => readFile(found.path(`${folder}/${n}`));
  } else {
    const archive = kind === 10 ? 'cifar-10-binary.tar.gz' : 'cifar-100-binary.tar.gz';
    const wanted = new Set([...trainNames, ...testNames].map((n) => `${folder}/${n}`));
    const entries = await readTarEntries(found.path(archive), (p) => wanted.has(p.replace(/^\.\//, '')));
    read = async (n) => {
      const b = entries.get(`${folder}/${n}`) ?? entries.get(`./${folder}/${n}`);
      if (!b) throw new Error(`${name}: ${archive} has no ${folder}/${n}`);
      return b;
    };
  }
  const load = async (names: string[]) => Promise.all(names.map(async (n) => ({ name: `${name}/${n}`, bytes: await read(n) })));
  const labelBytes = kind === 10 ? 1 : 2;
  const labelIndex = kind === 10 ? 0 : coarse ? 0 : 1;
  const train = parseCifarBinary(await load(trainNames), labelBytes, labelIndex);
  const test = parseCifarBinary(await load(testNames), labelBytes, labelIndex);
  return {
    name: coarse ? `${name}-coarse` : name,
    shape: [3, 32, 32],
    classes: kind === 10 ? 10 : coarse ? 20 : 100,
    maxValue: 255,
    train,
    test,
    provenance: { dataset: name, dir: found.dir, files: found.files, ...(kind === 100 ? { labels: coarse ? 'coarse' : 'fine' } : {}) },
  };
}
