import { z } from 'zod';
import type { Rng } from '../tensor/Rng.js';
import type { Benchmark, Stream, Task } from './Benchmark.js';
import { streamPools } from './BatchPool.js';
import { ImageEncoder } from './ImageEncoder.js';
import { imageTask, type Selection } from './imageTask.js';
import { loadImageSet } from './data/datasets.js';
import { option } from './streamOptions.js';
import { valueHeadSchemaWithSupport } from '../losses/valueHead.js';

/**
 * Validates the options of {@link randomLabels} (data set, subset size, updates between label redraws, batch size,
 * class or regression targets, value head, ...) and fills defaults; a categorical value head needs regression
 * targets and a support that holds them.
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
  targets: z
    .enum(['classes', 'regression'])
    .default('classes')
    .describe("'classes': a random class per image, cross-entropy (Lyle et al. 2023); 'regression': a random real target per image, uniform in [-targetScale, targetScale], redrawn with each draw, fit with MSE or a categorical valueHead"),
  targetScale: z.number().gt(0).default(1).describe("targets = 'regression': targets are drawn uniformly from [-targetScale, targetScale]"),
  valueHead: valueHeadSchemaWithSupport(-1, 1)
    .default({ kind: 'scalar', bins: 51, min: -1, max: 1, sigmaRatio: 0.75 })
    .describe("targets = 'regression': 'scalar' (MSE) or a categorical head over [min, max] with cross-entropy (two-hot, HL-Gauss); then eval/train/mse is the decoded predictions' squared error"),
}).superRefine((c, ctx) => {
  const h = c.valueHead;
  if (h.kind === 'scalar') return;
  if (c.targets !== 'regression') {
    ctx.addIssue({ code: 'custom', path: ['valueHead', 'kind'], message: `a categorical value head needs targets = 'regression' (targets = '${c.targets}')` });
  } else if (h.min > -c.targetScale || h.max < c.targetScale) {
    ctx.addIssue({ code: 'custom', path: ['valueHead'], message: `its support [${h.min}, ${h.max}] must hold the targets' range [${-c.targetScale}, ${c.targetScale}] (targetScale = ${c.targetScale})` });
  }
});
/** Validated {@link randomLabels} options, defaults filled in. */
export type RandomLabelsConfig = z.output<typeof randomLabelsSchema>;

/**
 * Random-label memorization (Lyle et al. 2023; Kumar et al. 2023): a fixed subset of training images whose
 * labels are drawn uniformly at random, and redrawn every K updates (a task). The subset is visited in
 * shuffled passes; at the end of each task the loop evaluates memorization ('eval/train/accuracy').
 *
 * With `targets: 'regression'` each image gets instead a real target drawn uniformly from [-targetScale,
 * targetScale], redrawn with each task (a choice of ours: we did not find the papers' regression targets), fit with
 * MSE or with a categorical value head (two-hot, HL-Gauss) and cross-entropy, so that the two losses can be compared
 * on the same targets: 'eval/train/loss' of the MSE head against 'eval/train/mse' of a categorical one.
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
    const regression = config.targets === 'regression';
    const head = config.valueHead;
    let cached: Task | null = null;
    return {
      inputShape: set.shape,
      outputs: !regression ? set.classes : head.kind === 'scalar' ? 1 : head.bins,
      loss: regression ? 'mse' : 'cross-entropy',
      ...(regression && head.kind !== 'scalar' ? { valueHead: head } : {}),
      numTasks,
      taskSignal: config.taskSignal,
      task(i) {
        if (!Number.isInteger(i) || i < 0 || i >= numTasks) throw new Error(`task ${i} is outside 0..${numTasks - 1}`);
        if (cached?.index === i) return cached;
        const rng = ctx.rng.split(`task${i}`);
        const labels = regression ? drawTargets(rng.split('targets'), n, config.targetScale) : drawLabels(rng.split('labels'), n, set.classes);
        const train: Selection = { split: set.train, indices, labels };
        cached = imageTask({
          index: i,
          label: `${regression ? 'targets' : 'labels'} ${i}`,
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
      provenance: { ...set.provenance, subset: `first ${n} training images`, ...(regression ? { targets: `uniform in [-${config.targetScale}, ${config.targetScale}]` } : {}) },
    };
  },
};

/** A class per example, uniform over `classes`. */
function drawLabels(rng: Rng, n: number, classes: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(classes));
}

/** A real target per example, uniform in [-scale, scale]. */
function drawTargets(rng: Rng, n: number, scale: number): Float64Array {
  return Float64Array.from({ length: n }, () => (2 * rng.float() - 1) * scale);
}
