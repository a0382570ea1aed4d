import { readFile } from 'node:fs/promises';
import type { FoundFiles } from './DatasetSpec.js';
import type { ImageSet, ImageSplit } from './ImageSet.js';
import { parseMat5 } from './mat5.js';

/**
 * SVHN cropped digits from the distributed .mat files: X is [32, 32, 3, n] uint8 in MATLAB (column-major)
 * order, y is [n, 1] with labels 1..10 where 10 stands for the digit 0 (mapped to 0, as torchvision does).
 */
export async function loadSvhn(found: FoundFiles): Promise<ImageSet> {
  const split = async (file: string): Promise<ImageSplit> => {
    const vars = parseMat5(await readFile(found.path(file)), `svhn/${file}`);
    const X = vars.get('X');
    const y = vars.get('y');
    if (!X || !y) throw new Error(`svhn/${file}: expected variables X and y, found ${[...vars.keys()].join(', ') || 'none'}`);
    const [h, w, c, n] = X.dims as [number, number, number, number];
    if (X.dims.length !== 4 || c !== 3 || !(X.data instanceof Uint8Array)) throw new Error(`svhn/${file}: X is ${X.className} [${X.dims.join(', ')}]; expected uint8 [32, 32, 3, n]`);
    if (y.data.length !== n) throw new Error(`svhn/${file}: ${y.data.length} labels for ${n} images`);
    const per = h * w * c;
    const images = new Uint8Array(n * per);
    const src = X.data;
    // Column-major X(row, col, ch, i) -> CHW: out[i][ch][row][col].
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) {
        const s = i * per + ch * h * w;
        for (let col = 0; col < w; col++) for (let row = 0; row < h; row++) images[s + row * w + col] = src[s + col * h + row]!;
      }
    }
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = Number(y.data[i]!);
      if (!Number.isInteger(v) || v < 1 || v > 10) throw new Error(`svhn/${file}: label ${v} at ${i} is not in 1..10`);
      labels[i] = v % 10;
    }
    return { images, labels, count: n };
  };
  const train = await split('train_32x32.mat');
  const test = await split('test_32x32.mat');
  return { name: 'svhn', shape: [3, 32, 32], classes: 10, maxValue: 255, train, test, provenance: { dataset: 'svhn', dir: found.dir, files: found.files } };
}
