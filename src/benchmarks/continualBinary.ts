import { z } from 'zod';
import type { Benchmark, Stream, Task } from './Benchmark.js';
import { Augmenter, augmentSchema } from './Augmenter.js';
import { streamPools } from './BatchPool.js';
import { ImageEncoder } from './ImageEncoder.js';
import { classSplits, selectClasses } from './classSplits.js';
import { imageTask } from './imageTask.js';
import { getDataset, loadImageSet } from './data/datasets.js';
import { option } from './streamOptions.js';

/**
 * Validates the options of {@link continualBinary} (tasks, images per class, test hold-out, epochs, head reset,
 * augmentation, ...) and fills defaults.
 */
export const continualBinarySchema = z.strictObject({
  dataset: option.dataset('imagenet32'),
  tasks: option.tasks(2000, 'number of binary tasks (Continual ImageNet: 2000)'),
  examplesPerTask: option.examplesPerTask('training images per class of a task (0: 600, the Continual ImageNet preset; with testFromTrain = 0, 0 means all)'),
  steps: option.stepsUnsupported('continual-binary'),
  testFromTrain: z.number().int().min(0).default(100).describe("test images per class taken from the class's training images after its training ones (Continual ImageNet: 100); 0: use the data set's test split"),
  epochs: z.number().int().min(1).default(250).describe('epochs per task (Continual ImageNet: 250)'),
  batchSize: option.batchSize(100),
  normalize: option.normalize('unit'),
  resetHead: z.enum(['zero', 'reinit', 'none']).default('zero').describe("the output layer at the start of each task: set to zero (the reference code; before the first task too), redrawn from its init (from the second task), or kept"),
  resetMomentum: z.boolean().default(false).describe("with resetHead: also reset the head's optimizer state (momentum); false: keep it, as the reference code (lop/imagenet/single_expr.py) does"),
  augment: augmentSchema.default(augmentSchema.parse({})).describe('data augmentation of training batches (none in Continual ImageNet)'),
  taskSignal: option.taskSignal(true),
});
/** Validated {@link continualBinary} options, defaults filled in. */
export type ContinualBinaryConfig = z.output<typeof continualBinarySchema>;

/**
 * A sequence of binary classification tasks, each a pair of classes (Continual ImageNet, Dohare et al. 2024:
 * ImageNet 32x32, 600 training and 100 test images per class, 250 epochs of batch 100, the head reset for each
 * task). The class order is a seeded permutation of all classes, repeated when the tasks use them up; task i
 * classifies order[2i] (label 0) against order[2i + 1] (label 1). Works on any labelled image set.
 */
export const continualBinary: Benchmark<typeof continualBinarySchema> = {
  name: 'continual-binary',
  description: 'Continual ImageNet (Dohare et al. 2024): a sequence of two-class tasks with head reset; any labelled image set',
  schema: continualBinarySchema,
  defaults: () => ({
    model: { arch: 'conv-net', channels: [32, 64, 128], hidden: [128, 128], activation: 'relu' },
    optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 },
  }),
  async create(config, ctx): Promise<Stream> {
    const presetPerClass = config.testFromTrain > 0 ? 600 : 0;
    const perClass = config.examplesPerTask || presetPerClass;
    // Which classes the run visits: load only those (ImageNet has 1000; a cut-down run needs a few).
    const order0 = ctx.rng.split('class-order');
    const peek = getDataset(config.dataset).classes;
    const order = order0.permutation(peek);
    const classAt = (k: number) => order[k % peek]!;
    const used = new Set<number>();
    for (let k = 0; k < Math.min(2 * config.tasks, peek); k++) used.add(classAt(k));
    const set = await loadImageSet(config.dataset, {
      source: ctx.data,
      classes: used,
      ...(perClass > 0 ? { trainPerClass: perClass + config.testFromTrain } : {}),
    });
    if (set.classes !== peek) throw new Error(`${config.dataset}: expected ${peek} classes, the files have ${set.classes}`);
    const splits = classSplits(set, { trainPerClass: perClass, valPerClass: 0, testFromTrain: config.testFromTrain });
    for (const c of used) {
      if (perClass > 0 && splits.train[c]!.length < perClass) throw new Error(`examplesPerTask = ${perClass} is not allowed: class ${c} of ${config.dataset} has ${splits.train[c]!.length} training images available`);
      if (config.testFromTrain > 0 && splits.test[c]!.length < config.testFromTrain) throw new Error(`testFromTrain = ${config.testFromTrain} is not allowed: class ${c} of ${config.dataset} has only ${splits.test[c]!.length} images left for testing`);
    }
    const encoder = new ImageEncoder(set, config.normalize, ctx.backend);
    const augment = new Augmenter(set.shape, config.augment);
    const pools = streamPools(ctx.backend, set.shape);
    const testSplit = splits.testFrom === 'train' ? set.train : set.test;
    let cached: Task | null = null;
    return {
      inputShape: set.shape,
      outputs: 2,
      loss: 'cross-entropy',
      numTasks: config.tasks,
      taskSignal: config.taskSignal,
      task(i) {
        if (!Number.isInteger(i) || i < 0 || i >= config.tasks) throw new Error(`task ${i} is outside 0..${config.tasks - 1}`);
        if (cached?.index === i) return cached;
        const pair = [classAt(2 * i), classAt(2 * i + 1)];
        const tr = selectClasses(splits.train, pair);
        const te = selectClasses(splits.test, pair);
        cached = imageTask({
          index: i,
          label: `classes ${pair[0]} vs ${pair[1]}`,
          batchSize: config.batchSize,
          schedule: { kind: 'epochs', epochs: config.epochs },
          start: config.resetHead === 'none' ? {} : { resetHead: config.resetHead, resetHeadOptimizer: config.resetMomentum },
          encoder,
          pools,
          train: { split: set.train, ...tr },
          evals: [{ name: 'test', selection: { split: testSplit, ...te } }],
          augment,
          rng: ctx.rng.split(`task${i}`),
        });
        return cached;
      },
      provenance: { ...set.provenance, trainPerClass: perClass || 'all', testFromTrain: config.testFromTrain, classOrder: Array.from(order.subarray(0, Math.min(peek, 2 * config.tasks))) },
    };
  },
};

