import { readFile } from 'node:fs/promises';
import type { FoundFiles } from './DatasetSpec.js';
import type { ImageSet, ImageSplit } from './ImageSet.js';
import { parseIdx } from './idx.js';

/** MNIST-format files of one data set (gzipped names; the unpacked names when the folder holds those). */
export const IDX_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'] as const;

/**
 * Read an MNIST-format data set (MNIST, Fashion-MNIST): grey images and their labels, train and test. Labels
 * must lie in [0, classes): a label out of range (a damaged or wrong file) is an error naming the file, the
 * position and the value, never a silently larger head.
 */
export async function loadIdxImages(name: string, found: FoundFiles, classes: number): Promise<ImageSet> {
  const file = (n: string) => (found.kind === 'extracted' ? n.replace(/\.gz$/, '') : n);
  const split = async (images: string, labels: string): Promise<ImageSplit & { rows: number; cols: number }> => {
    const [ib, lb] = await Promise.all([readFile(found.path(file(images))), readFile(found.path(file(labels)))]);
    const x = parseIdx(ib, `${name}/${file(images)}`);
    const y = parseIdx(lb, `${name}/${file(labels)}`);
    if (x.dims.length !== 3 || y.dims.length !== 1 || x.dims[0] !== y.dims[0]) {
      throw new Error(`${name}: ${file(images)} has dimensions [${x.dims.join(', ')}] and ${file(labels)} [${y.dims.join(', ')}]; expected [n, rows, cols] and [n]`);
    }
    const bad = y.data.findIndex((l) => l >= classes);
    if (bad >= 0) {
      throw new Error(`${name}: ${found.path(file(labels))}: label ${y.data[bad]} of example ${bad} is out of range (the data set has ${classes} classes: 0..${classes - 1}); the file is damaged or not this data set's`);
    }
    return { images: x.data, labels: Int32Array.from(y.data), count: x.dims[0]!, rows: x.dims[1]!, cols: x.dims[2]! };
  };
  const [train, test] = await Promise.all([split(IDX_FILES[0], IDX_FILES[1]), split(IDX_FILES[2], IDX_FILES[3])]);
  if (train.rows !== test.rows || train.cols !== test.cols) throw new Error(`${name}: train images are ${train.rows}x${train.cols}, test images ${test.rows}x${test.cols}`);
  return {
    name,
    shape: [1, train.rows, train.cols],
    classes,
    maxValue: 255,
    train: { images: train.images, labels: train.labels, count: train.count },
    test: { images: test.images, labels: test.labels, count: test.count },
    provenance: { dataset: name, dir: found.dir, files: found.files },
  };
}

export function maxLabel(s: ImageSplit): number {
  let m = 0;
  for (let i = 0; i < s.count; i++) m = Math.max(m, s.labels[i]!);
  return m;
}
