import { indicesByClass, type ImageSet } from './data/ImageSet.js';

/** Per class: training, validation and test indices (into the set's train / test splits). */
export interface ClassSplits {
  readonly train: Int32Array[];
  readonly val: Int32Array[];
  /** Indices into `testSplit` of each class. */
  readonly test: Int32Array[];
  /** Which split the test indices refer to. */
  readonly testFrom: 'train' | 'test';
}

/**
 * Split each class of a set the way the class-based benchmarks do, in data set order: from the class's
 * training images, the first `valPerClass` are validation (incremental CIFAR: 50), then `trainPerClass` are
 * training (0: all the rest), then `testFromTrain` are test (Continual ImageNet: 600 train then 100 test from
 * each class's pool); with testFromTrain = 0 the test images are the class's images of the test split.
 */
export function classSplits(set: ImageSet, o: { trainPerClass: number; valPerClass: number; testFromTrain: number }): ClassSplits {
  const byTrain = indicesByClass(set.train, set.classes);
  const byTest = o.testFromTrain > 0 ? null : indicesByClass(set.test, set.classes);
  const train: Int32Array[] = [], val: Int32Array[] = [], test: Int32Array[] = [];
  for (let c = 0; c < set.classes; c++) {
    const pool = byTrain[c]!;
    const v = pool.subarray(0, Math.min(o.valPerClass, pool.length));
    const rest = pool.subarray(v.length);
    const t = o.trainPerClass > 0 ? rest.subarray(0, Math.min(o.trainPerClass, rest.length)) : o.testFromTrain > 0 ? rest.subarray(0, Math.max(0, rest.length - o.testFromTrain)) : rest;
    val.push(v);
    train.push(t);
    test.push(o.testFromTrain > 0 ? rest.subarray(t.length, t.length + o.testFromTrain) : byTest![c]!);
  }
  return { train, val, test, testFrom: o.testFromTrain > 0 ? 'train' : 'test' };
}

/** Concatenate the indices of some classes and label them by position in `classes` (class classes[j] -> label j). */
export function selectClasses(per: readonly Int32Array[], classes: readonly number[]): { indices: Int32Array; labels: Int32Array } {
  const n = classes.reduce((a, c) => a + per[c]!.length, 0);
  const indices = new Int32Array(n);
  const labels = new Int32Array(n);
  let at = 0;
  classes.forEach((c, j) => {
    indices.set(per[c]!, at);
    labels.fill(j, at, at + per[c]!.length);
    at += per[c]!.length;
  });
  return { indices, labels };
}
