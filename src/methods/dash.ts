import { z } from 'zod';
import type { FloatArray } from '../tensor/FloatArray.js';
import { Tensor } from '../tensor/Tensor.js';
import type { EvalSet } from '../benchmarks/Benchmark.js';
import type { Learner } from '../learn/Learner.js';
import type { LossValue } from '../losses/Loss.js';
import type { Edit } from '../nn/Edit.js';
import type { GradSink, GradTarget } from '../nn/Layer.js';
import type { Conv2d } from '../nn/layers/Conv2d.js';
import type { Linear } from '../nn/layers/Linear.js';
import type { Param } from '../nn/Param.js';
import type { Method } from '../learn/Method.js';
import { countTaskEvent, noEdits, taskEvents, type TaskEvents } from './taskEvents.js';

export const dashSchema = z.strictObject({
  alpha: z.number().gt(0).max(1).default(0.3).describe('weight of each batch in the running average of the negative gradient over all data seen'),
  lambda: z.number().min(0).max(1).default(0.3).describe('smallest shrink factor: each row is multiplied by clamp(cos(w, -g), lambda, 1)'),
  gradientBatch: z
    .enum(['chunk', 'training'])
    .default('chunk')
    .describe("batches of the gradient pass over the data seen: 'chunk' (one batch per data chunk, the chunk's size, as the authors' code: perform_dash loads with batch_size = examples per chunk) or 'training' (the task's training batch size)"),
  batchSize: z.number().int().min(0).default(0).describe('batch size of the gradient pass over the data seen (0: as gradientBatch says)'),
  conv: z
    .enum(['per-kernel', 'per-unit'])
    .default('per-kernel')
    .describe("conv weights: one cosine per (output, input) channel kernel, as the authors' code, or one per output channel"),
});
/**
 * Validated options of {@link dash} (Shin et al. 2024): gradient averaging weight alpha, smallest shrink factor
 * lambda, the gradient pass's batches, and per-kernel or per-unit cosines for conv weights.
 */
export type DashConfig = z.output<typeof dashSchema>;

/**
 * What {@link dash} keeps (checkpointed): the task events counted, how often it has applied, and the mean shrink
 * factor of the last application.
 */
export interface DashState {
  readonly events: TaskEvents;
  applied: number;
  /** Mean shrink factor over the rows of the last application. */
  lastMeanFactor: number;
}

/** One shrink decision per block of `block` values: f = clamp(cos(w_block, g_block), lambda, 1). */
export function shrinkFactors(w: ArrayLike<number>, g: ArrayLike<number>, block: number, lambda: number): Float64Array {
  const blocks = w.length / block;
  const out = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) out[b] = clampedCosine(w, g, b * block, (b + 1) * block, lambda);
  return out;
}

/** clamp(cos(w[lo:hi], g[lo:hi]), lambda, 1), with PyTorch's cosine_similarity floor of 1e-8 on each norm. */
export function clampedCosine(w: ArrayLike<number>, g: ArrayLike<number>, lo: number, hi: number, lambda: number): number {
  let dot = 0, ww = 0, gg = 0;
  for (let i = lo; i < hi; i++) {
    dot += w[i]! * g[i]!;
    ww += w[i]! * w[i]!;
    gg += g[i]! * g[i]!;
  }
  const cos = dot / (Math.max(Math.sqrt(ww), 1e-8) * Math.max(Math.sqrt(gg), 1e-8));
  return Math.min(1, Math.max(lambda, cos));
}

/**
 * g = running average over the batches of `seen` (in order) of the negative gradient of the mean loss, each batch
 * weighted alpha: g <- (1 - alpha) g + alpha (-grad), from g = 0, for the weights and biases of every linear
 * and conv layer. Computed with a gradient sink into fresh buffers; parameters, optimizer state, normalization
 * statistics and layer random streams are left as they were.
 */
export function negativeGradientAverage(learner: Learner, seen: EvalSet, batchSize: number, alpha: number, params: readonly Param[]): Map<Param, FloatArray> {
  const model = learner.model;
  const backend = model.backend;
  const sums = new Map<Param, FloatArray>(params.map((p) => [p, backend.alloc(p.data.length)]));
  const targets = new Map<Param, GradTarget>(params.map((p) => [p, { buf: sums.get(p)!, alpha: -alpha, beta: 1 - alpha }]));
  const sink: GradSink = { target: (p) => (p.trainable ? targets.get(p) ?? null : null) };
  const saved = model.getState();
  const dOuts = new Map<number, Tensor>();
  const value: LossValue = { sum: 0, correct: 0, count: 0 };
  try {
    for (const b of seen.batches(batchSize)) {
      const out = model.forward(b.x, true);
      let d = dOuts.get(out.shape[0]!);
      if (!d) dOuts.set(out.shape[0]!, (d = new Tensor(backend.alloc(out.data.length), out.shape)));
      learner.loss.compute(backend, out, b.y, d.data, value);
      model.backward(d, sink);
    }
  } finally {
    // Training-mode forwards moved normalization statistics and dropout streams: put them back.
    model.setState(saved);
    for (const d of dOuts.values()) backend.free(d.data);
  }
  return sums;
}

/**
 * DASH, direction-aware shrinking (Shin et al. 2024), for warm-starting: when new data joins the training set,
 * average the negative gradient over all data seen (in batches of one chunk's size, in order, weight alpha each,
 * as utils/train_utils.py's perform_dash and dash), and multiply each
 * unit's incoming weights (a row of a linear weight; per kernel or per channel of a conv weight) by
 * clamp(cos(w, -g), lambda, 1); a bias vector is scaled by one cosine. Weights aligned with the descent direction
 * (learned features) are kept, the others (memorized noise) shrink.
 */
export const dash: Method<typeof dashSchema> = {
  name: 'dash',
  description: 'DASH: shrink each unit by the cosine between its weights and the negative gradient when data grows (Shin et al. 2024)',
  reference: 'Shin, Oh, Cho, Yun. DASH: Warm-Starting Neural Network Training in Stationary Settings without Loss of Plasticity. NeurIPS 2024',
  schema: dashSchema,
  create(c, { model, learner }) {
    const state: DashState = { events: taskEvents(), applied: 0, lastMeanFactor: 1 };
    return {
      state,
      atDataGrowth({ step, task, seen, newExamples }) {
        if (countTaskEvent(state.events, step) === 0) return noEdits;
        const layers = model.layers.filter((l): l is Linear | Conv2d => l.type === 'linear' || l.type === 'conv2d');
        const params = layers.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight])).filter((p) => p.trainable);
        const g = negativeGradientAverage(learner, seen, c.batchSize || (c.gradientBatch === 'chunk' ? newExamples ?? seen.size : task.batchSize), c.alpha, params);
        const edits: Edit[] = [];
        let sum = 0, count = 0;
        try {
          for (const l of layers) {
            const w = l.weight;
            if (!w.trainable) continue;
            const rows = w.shape[0]!;
            const block = l.type === 'conv2d' && c.conv === 'per-kernel' ? (l as Conv2d).kernel ** 2 : w.data.length / rows;
            const factors = shrinkFactors(w.data, g.get(w)!, block, c.lambda);
            for (const f of factors) sum += f;
            count += factors.length;
            edits.push({ kind: 'scaleBlocks', param: w.name, blockSize: block, factors, reason: 'dash' });
            const b = l.bias;
            if (b?.trainable) edits.push({ kind: 'scaleRows', param: b.name, factors: clampedCosine(b.data, g.get(b)!, 0, b.data.length, c.lambda), reason: 'dash' });
          }
        } finally {
          for (const a of g.values()) model.backend.free(a);
        }
        state.applied++;
        state.lastMeanFactor = count ? sum / count : 1;
        return edits;
      },
      metrics: () => ({ 'method/dash/applied': state.applied, 'method/dash/meanFactor': state.lastMeanFactor }),
    };
  },
};
