import { z } from 'zod';
import type { Benchmark, Stream, Task } from './Benchmark.js';
import { streamPools } from './BatchPool.js';
import { ImageEncoder } from './ImageEncoder.js';
import { imageTask, type Selection } from './imageTask.js';
import { loadImageSet } from './data/datasets.js';
import { option } from './streamOptions.js';

/**
 * Validates the options of {@link permutedMnist} and fills defaults (data set, 800 tasks, batch 1, one epoch per
 * task, ...); rejects `steps` together with more than one epoch.
 */
export const permutedMnistSchema = z.strictObject({
  dataset: option.dataset('mnist'),
  tasks: option.tasks(800, 'number of tasks, each a new pixel permutation (the paper: 800)'),
  examplesPerTask: option.examplesPerTask('training images per task: 0 = the whole training set (60000 for MNIST); else a fixed random subset of that size'),
  steps: option.steps('stop after this many examples in total (0: run every task); the last task is cut short'),
  epochs: z.number().int().min(1).default(1).describe('passes over the images of a task (1: each image once, as the paper)'),
  batchSize: option.batchSize(1),
  normalize: option.normalize('unit'),
  bin: z.number().int().min(0).default(0).describe('also record online metrics every this many examples (0: per task only)'),
  evalTest: z.boolean().default(false).describe("evaluate on the test split under the task's permutation after each task (the paper reports online accuracy only)"),
  taskSignal: option.taskSignal(false),
}).refine((c) => c.steps === 0 || c.epochs === 1, { message: 'steps can cut a run short only with epochs = 1', path: ['steps'] });
/** Validated {@link permutedMnist} options, defaults filled in. */
export type PermutedMnistConfig = z.output<typeof permutedMnistSchema>;

/** A permuted-mnist task also tells its pixel permutation: input j of an example is pixel permutation[j] of its image. */
export interface PermutedTask extends Task {
  readonly permutation: Int32Array;
}

/**
 * Online Permuted MNIST (Dohare et al. 2024; any labelled image set): each task is one pass over all training
 * images in a fresh random order under a new random pixel permutation (every task permuted, the first one
 * too); batch 1; no task signal; per-task online accuracy. Inputs are the flattened permuted images.
 */
export const permutedMnist: Benchmark<typeof permutedMnistSchema> = {
  name: 'permuted-mnist',
  description: 'Online Permuted MNIST (Dohare et al. 2024): each task a new pixel permutation of the training images, one pass, batch 1',
  schema: permutedMnistSchema,
  defaults: () => ({
    model: { arch: 'mlp', hidden: [100, 100, 100], activation: 'relu' },
    optimizer: { name: 'sgd', lr: 0.003 },
  }),
  async create(config, ctx): Promise<Stream> {
    const set = await loadImageSet(config.dataset, { source: ctx.data });
    const encoder = new ImageEncoder(set, config.normalize, ctx.backend);
    const total = set.train.count;
    const perTask = config.examplesPerTask || total;
    if (perTask > total) throw new Error(`examplesPerTask = ${perTask} is not allowed: ${config.dataset} has ${total} training images`);
    const indices = perTask === total ? Int32Array.from({ length: total }, (_, i) => i) : ctx.rng.split('subset').sample(total, perTask).sort();
    const train: Selection = { split: set.train, indices, labels: indices.map((i) => set.train.labels[i]!) };
    const testIdx = Int32Array.from({ length: set.test.count }, (_, i) => i);
    const test: Selection = { split: set.test, indices: testIdx, labels: Int32Array.from(set.test.labels.subarray(0, set.test.count)) };
    const perEpoch = perTask;
    const numTasks = config.steps > 0 ? Math.min(config.tasks, Math.ceil(config.steps / perEpoch)) : config.tasks;
    const lastSize = config.steps > 0 ? config.steps - (numTasks - 1) * perEpoch : perEpoch;
    const inputShape = [encoder.size];
    const pools = streamPools(ctx.backend, inputShape);
    let cached: Task | null = null;
    return {
      inputShape,
      outputs: set.classes,
      loss: 'cross-entropy',
      numTasks,
      taskSignal: config.taskSignal,
      ...(config.bin > 0 ? { bin: config.bin } : {}),
      task(i) {
        if (!Number.isInteger(i) || i < 0 || i >= numTasks) throw new Error(`task ${i} is outside 0..${numTasks - 1}`);
        if (cached?.index === i) return cached;
        const rng = ctx.rng.split(`task${i}`);
        const permutation = rng.split('permutation').permutation(encoder.size);
        const task = imageTask({
          index: i,
          label: `permutation ${i}`,
          batchSize: config.batchSize,
          schedule: { kind: 'epochs', epochs: config.epochs },
          start: {},
          encoder,
          pools,
          train,
          ...(i === numTasks - 1 && lastSize < perEpoch ? { size: lastSize } : {}),
          evals: config.evalTest ? [{ name: 'test', selection: test }] : [],
          permutation,
          rng,
        });
        cached = Object.assign(task, { permutation }) as PermutedTask;
        return cached;
      },
      provenance: { ...set.provenance, examplesPerTask: perTask },
    };
  },
};
