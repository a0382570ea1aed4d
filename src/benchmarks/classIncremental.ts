import { z } from 'zod';
import type { Benchmark, Stream, Task } from './Benchmark.js';
import { Augmenter, augmentSchema } from './Augmenter.js';
import { streamPools } from './BatchPool.js';
import { ImageEncoder } from './ImageEncoder.js';
import { classSplits, selectClasses } from './classSplits.js';
import { imageTask } from './imageTask.js';
import { loadImageSet } from './data/datasets.js';
import { option } from './streamOptions.js';

/**
 * Validates the options of {@link classIncremental} (classes per increment, epochs, validation hold-out, early
 * stopping, augmentation, ...) and fills defaults; early stopping requires valPerClass > 0.
 */
export const classIncrementalSchema = z.strictObject({
  dataset: option.dataset('cifar100'),
  tasks: option.tasks(20, 'number of increments (CIFAR-100: 20, from 5 to 100 classes)'),
  classesPerTask: z.number().int().min(1).default(5).describe('k: classes added by each increment (the first task has k classes)'),
  examplesPerTask: option.examplesPerTask('training images per class (0: all not held out for validation, 450 for CIFAR-100)'),
  steps: option.stepsUnsupported('class-incremental'),
  valPerClass: z.number().int().min(0).default(50).describe('validation images per class, the first ones of each class in the training split'),
  epochs: z.number().int().min(1).default(200).describe('epochs per increment (incremental CIFAR-100: 200)'),
  earlyStopping: z.boolean().default(true).describe('keep the parameters of the epoch with the best validation accuracy and restore them at the end of the increment'),
  patience: z.number().int().min(0).default(0).describe('stop an increment after this many epochs without a better validation accuracy (0: never stop early, only keep the best, as the reference code)'),
  batchSize: option.batchSize(90),
  normalize: option.normalize('standardize'),
  augment: augmentSchema.default(augmentSchema.parse({ flip: true, cropPadding: 4, cropMode: 'reflect', rotateMin: 0, rotateMax: 15 })).describe('augmentation of training batches (incremental CIFAR-100: flip, 4-pixel reflect-padded crop, rotation in [0, 15] degrees)'),
  taskSignal: option.taskSignal(true),
}).refine((c) => !c.earlyStopping || c.valPerClass > 0, { message: 'early stopping needs a validation split: valPerClass must be > 0', path: ['earlyStopping'] });
/** Validated {@link classIncremental} options, defaults filled in. */
export type ClassIncrementalConfig = z.output<typeof classIncrementalSchema>;

/**
 * Class-incremental learning (Dohare et al. 2024, incremental CIFAR-100): classes arrive k at a time in a
 * seeded random order; task i trains on every class seen so far (labels by arrival: the class arriving j-th
 * is label j) for a fixed number of epochs, the head growing by k outputs at each increment. Validation
 * images held out per class drive early stopping (keep the best parameters); the test split of the classes
 * seen so far is evaluated after every epoch.
 */
export const classIncremental: Benchmark<typeof classIncrementalSchema> = {
  name: 'class-incremental',
  description: 'Class-incremental CIFAR-100 (Dohare et al. 2024): +5 classes every 200 epochs, growing head, early stopping on validation',
  schema: classIncrementalSchema,
  defaults: () => ({
    model: { arch: 'resnet18', width: 64 },
    // lr 0.1, times 0.2 at epochs 60, 120 and 160 of every increment (the reference code's set_lr).
    optimizer: { name: 'sgd', lr: { kind: 'epochs', boundaries: [60, 120, 160], values: [0.1, 0.02, 0.004, 0.0008] }, momentum: 0.9, weightDecay: 5e-4 },
  }),
  async create(config, ctx): Promise<Stream> {
    const set = await loadImageSet(config.dataset, { source: ctx.data });
    const k = config.classesPerTask;
    if (k * config.tasks > set.classes) throw new Error(`tasks = ${config.tasks} is not allowed: ${config.tasks} increments of ${k} classes need ${k * config.tasks}, ${config.dataset} has ${set.classes}`);
    const splits = classSplits(set, { trainPerClass: config.examplesPerTask, valPerClass: config.valPerClass, testFromTrain: 0 });
    const order = Array.from(ctx.rng.split('class-order').permutation(set.classes));
    const encoder = new ImageEncoder(set, config.normalize, ctx.backend);
    const augment = new Augmenter(set.shape, config.augment);
    const pools = streamPools(ctx.backend, set.shape);
    let cached: Task | null = null;
    return {
      inputShape: set.shape,
      outputs: k,
      loss: 'cross-entropy',
      numTasks: config.tasks,
      taskSignal: config.taskSignal,
      task(i) {
        if (!Number.isInteger(i) || i < 0 || i >= config.tasks) throw new Error(`task ${i} is outside 0..${config.tasks - 1}`);
        if (cached?.index === i) return cached;
        const classes = order.slice(0, k * (i + 1));
        const tr = selectClasses(splits.train, classes);
        const va = selectClasses(splits.val, classes);
        const te = selectClasses(splits.test, classes);
        cached = imageTask({
          index: i,
          label: `classes 0-${classes.length - 1} (${classes.length} of ${set.classes})`,
          batchSize: config.batchSize,
          schedule: { kind: 'epochs', epochs: config.epochs },
          start: i > 0 ? { growHead: k } : {},
          ...(config.earlyStopping ? { earlyStopping: { on: 'val', patience: config.patience || config.epochs } } : {}),
          encoder,
          pools,
          train: { split: set.train, ...tr },
          evals: [
            { name: 'val', selection: { split: set.train, ...va } },
            { name: 'test', selection: { split: set.test, ...te } },
          ],
          augment,
          rng: ctx.rng.split(`task${i}`),
        });
        return cached;
      },
      provenance: { ...set.provenance, classOrder: order.slice(0, k * config.tasks), normalization: encoder.stats ?? config.normalize },
    };
  },
};
