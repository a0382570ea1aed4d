// Browser stand-in for src/benchmarks/data/datasets.ts (swapped in by scripts/build-web.mjs): the worker reads the
// digits itself (fetch) and registers the set here; the benchmarks' loadImageSet then finds it in memory.
import type { ImageSet } from '../../../benchmarks/data/ImageSet.js';

/** The image streams' `dataset` enum, as in datasets.ts (their schemas are built from it; only 'digits' loads here). */
export const imageDatasetNames = ['mnist', 'fashion-mnist', 'digits', 'cifar10', 'cifar100', 'svhn', 'imagenet32', 'tiny-imagenet'] as const;

const sets = new Map<string, ImageSet>();

/** Makes a data set read in the browser available to the streams under its name. */
export function provideImageSet(set: ImageSet): void {
  sets.set(set.name, set);
}

/** The set given to provideImageSet (the browser has no folders to search). */
export async function loadImageSet(name: string): Promise<ImageSet> {
  const s = sets.get(name);
  if (!s) throw new Error(`dataset = ${JSON.stringify(name)} is not loaded in this page; loaded: ${[...sets.keys()].join(', ') || 'none'}`);
  return s;
}

/** The names a stream's `dataset` option accepts: the built-in ones and those provided in this page. */
export function imageDatasetChoices(): string[] {
  return [...new Set([...imageDatasetNames, ...sets.keys()])];
}
