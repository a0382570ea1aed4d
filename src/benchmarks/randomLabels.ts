import { z } from 'zod';
import type { Benchmark, Stream, Task } from './Benchmark.js';
import { streamPools } from './BatchPool.js';
import { ImageEncoder } from './ImageEncoder.js';
import { imageTask, type Selection } from './imageTask.js';
import { loadImageSet } from './data/datasets.js';
import { option } from './streamOptions.js';

/**
 * Validates the options of {@link randomLabels} (data set, subset size, updates between label redraws, batch size,
 * ...) and fills defaults.
 */
export const randomLabelsSchema = z.strictObject({
  dataset: option.dataset('mnist'),
  tasks: option.tasks(50, 'number of label draws (tasks)'),
  examplesPerTask: z.number().int().min(1).default(1200).describe('size of the fixed subset to memorize (the first images of the training split)'),
  steps: option.steps('stop after this many examples in total (0: run every task); the last task is cut short'),
  stepsPerTask: z.number().int().min(1).default(30000).describe('K: updates between label redraws (30000 = 400 epochs of 1200 images at batch 16)'),
  batchSize: option.batchSize(16),
  normalize: option.normalize('unit'),
  taskSignal: option.taskSignal(false),
  target: z
    .enum(['categorical', 'regression'])
    .default('categorical')
    .describe('categorical: a class per image drawn uniformly, softmax cross-entropy; regression: a scalar per image drawn from N(0, 1), one output, squared error'),
});
/** Validated {@link randomLabels} options, defaults filled in. */
export type RandomLabelsConfig = z.output<typeof randomLabelsSchema>;

/**
 * Random-label memorization (Lyle et al. 2023; Kumar et al. 2023): a fixed subset of training images whose
 * labels are drawn uniformly at random, and redrawn every K updates (a task). The subset is visited in
 * shuffled passes; at the end of each task the loop evaluates memorization ('eval/train/accuracy', and
 * 'eval/train/loss': the target-fitting loss). With target 'regression' each image's target is a scalar drawn from
 * N(0, 1) instead (one output, squared error; predicting 0 scores about 1), redrawn with each task the same way.
 */
export const randomLabels: Benchmark<typeof randomLabelsSchema> = {
  name: 'random-labels',
  description: 'Random-label memorization: a fixed subset (1200 MNIST images) whose labels are redrawn every K updates',
  schema: randomLabelsSchema,
  defaults: () => ({
    model: { arch: 'mlp', hidden: [100, 100, 100], activation: 'relu' },
    optimizer: { name: 'adam', lr: 0.001 },
  }),
  async create(config, ctx): Promise<Stream> {
    const set = await loadImageSet(config.dataset, { source: ctx.data });
    const n = config.examplesPerTask;
    if (n > set.train.count) throw new Error(`examplesPerTask = ${n} is not allowed: ${config.dataset} has ${set.train.count} training images`);
    const encoder = new ImageEncoder(set, config.normalize, ctx.backend);
    const indices = Int32Array.from({ length: n }, (_, i) => i);
    const perTask = config.stepsPerTask * config.batchSize;
    const numTasks = config.steps > 0 ? Math.min(config.tasks, Math.ceil(config.steps / perTask)) : config.tasks;
    const lastSize = config.steps > 0 ? config.steps - (numTasks - 1) * perTask : perTask;
    const pools = streamPools(ctx.backend, set.shape);
    const regression = config.target === 'regression';
    let cached: Task | null = null;
    return {
      inputShape: set.shape,
      outputs: regression ? 1 : set.classes,
      loss: regression ? 'mse' : 'cross-entropy',
      numTasks,
      taskSignal: config.taskSignal,
      task(i) {
        if (!Number.isInteger(i) || i < 0 || i >= numTasks) throw new Error(`task ${i} is outside 0..${numTasks - 1}`);
        if (cached?.index === i) return cached;
        const rng = ctx.rng.split(`task${i}`);
        const labelRng = rng.split('labels');
        const labels = regression ? Float32Array.from({ length: n }, () => labelRng.normal()) : Int32Array.from({ length: n }, () => labelRng.int(set.classes));
        const train: Selection = { split: set.train, indices, labels };
        cached = imageTask({
          index: i,
          label: `labels ${i}`,
          batchSize: config.batchSize,
          schedule: { kind: 'epochs', epochs: 1 },
          start: {},
          encoder,
          pools,
          train,
          size: i === numTasks - 1 ? lastSize : perTask,
          evals: [{ name: 'train', selection: train }],
          rng,
        });
        return cached;
      },
      provenance: { ...set.provenance, subset: `first ${n} training images` },
    };
  },
};
