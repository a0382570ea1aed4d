import { z } from 'zod';
import type { Benchmark, Stream, Task } from './Benchmark.js';
import { Augmenter, augmentSchema } from './Augmenter.js';
import { streamPools } from './BatchPool.js';
import { ImageEncoder } from './ImageEncoder.js';
import { imageTask, type Selection } from './imageTask.js';
import { loadImageSet } from './data/datasets.js';
import { option } from './streamOptions.js';

/**
 * Validates the options of {@link warmStart} (chunks, chunk size, target training accuracy, epoch cap, augmentation,
 * ...) and fills defaults.
 */
export const warmStartSchema = z.strictObject({
  dataset: option.dataset('cifar10'),
  tasks: option.tasks(50, 'number of chunks the training data arrives in (DASH: 50); task i trains on chunks 0..i'),
  examplesPerTask: option.examplesPerTask('examples per chunk (0: the training split divided evenly among the chunks)'),
  steps: option.stepsUnsupported('warm-start'),
  targetAccuracy: z.number().gt(0).max(1).default(0.999).describe('train each stage until the epoch training accuracy reaches this (DASH: 0.999)'),
  maxEpochs: z.number().int().min(1).default(10000).describe('the most epochs of a stage (DASH: 10000)'),
  batchSize: option.batchSize(128),
  normalize: option.normalize('standardize'),
  augment: augmentSchema.default(augmentSchema.parse({})).describe('augmentation of training batches (none in the DASH main experiments)'),
  taskSignal: option.taskSignal(true),
});
/** Validated {@link warmStart} options, defaults filled in. */
export type WarmStartConfig = z.output<typeof warmStartSchema>;

/**
 * Warm-starting (Ash and Adams 2020; DASH, Shin et al. 2024): the training set is split at random into equal
 * chunks; at stage i chunk i joins the data and the network, warm-started, trains on everything seen so far
 * until its epoch training accuracy reaches 99.9%. Each stage after the first signals data growth (methods'
 * atDataGrowth hooks see all data so far) and ends with the test accuracy.
 */
export const warmStart: Benchmark<typeof warmStartSchema> = {
  name: 'warm-start',
  description: 'Warm-starting (DASH, Shin et al. 2024): data in 50 chunks, each stage trained to 99.9% train accuracy',
  schema: warmStartSchema,
  defaults: () => ({
    model: { arch: 'resnet18', width: 64 },
    optimizer: { name: 'sgd', lr: 0.001, momentum: 0.9 },
  }),
  async create(config, ctx): Promise<Stream> {
    const set = await loadImageSet(config.dataset, { source: ctx.data });
    const chunk = config.examplesPerTask || Math.floor(set.train.count / config.tasks);
    if (chunk < 1 || chunk * config.tasks > set.train.count) {
      throw new Error(`examplesPerTask = ${config.examplesPerTask} is not allowed: ${config.tasks} chunks of ${chunk} need ${chunk * config.tasks} examples, ${config.dataset} has ${set.train.count}`);
    }
    const order = ctx.rng.split('chunks').permutation(set.train.count);
    const encoder = new ImageEncoder(set, config.normalize, ctx.backend);
    const augment = new Augmenter(set.shape, config.augment);
    const pools = streamPools(ctx.backend, set.shape);
    const testIdx = Int32Array.from({ length: set.test.count }, (_, i) => i);
    const test: Selection = { split: set.test, indices: testIdx, labels: Int32Array.from(set.test.labels.subarray(0, set.test.count)) };
    let cached: Task | null = null;
    return {
      inputShape: set.shape,
      outputs: set.classes,
      loss: 'cross-entropy',
      numTasks: config.tasks,
      taskSignal: config.taskSignal,
      task(i) {
        if (!Number.isInteger(i) || i < 0 || i >= config.tasks) throw new Error(`task ${i} is outside 0..${config.tasks - 1}`);
        if (cached?.index === i) return cached;
        const indices = order.slice(0, chunk * (i + 1));
        const seen: Selection = { split: set.train, indices, labels: indices.map((j) => set.train.labels[j]!) };
        cached = imageTask({
          index: i,
          label: `chunk ${i + 1} of ${config.tasks}`,
          batchSize: config.batchSize,
          schedule: { kind: 'until-train-accuracy', target: config.targetAccuracy, maxEpochs: config.maxEpochs },
          start: i > 0 ? { dataGrowth: true, newExamples: chunk } : {},
          encoder,
          pools,
          train: seen,
          evals: [{ name: 'test', selection: test }],
          seen,
          augment,
          rng: ctx.rng.split(`task${i}`),
        });
        return cached;
      },
      provenance: { ...set.provenance, chunk, normalization: encoder.stats ?? config.normalize },
    };
  },
};
