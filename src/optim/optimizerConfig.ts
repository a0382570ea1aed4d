import { z } from 'zod';
import { adam, adamw, sgd } from './optimizers.js';
import { chain, clipByGlobalNorm } from './transforms.js';
import { scheduleProblem, type Schedule } from './schedules.js';
import type { Transform } from './Transform.js';

const scheduleShape: z.ZodType<Schedule> = z.lazy(() => z.union([
  z.number(),
  z.strictObject({ kind: z.literal('constant'), value: z.number() }),
  z.strictObject({ kind: z.literal('piecewise'), boundaries: z.array(z.number().int().positive()), values: z.array(z.number()) }),
  z.strictObject({ kind: z.literal('warmup'), warmup: z.number().int().positive(), value: z.number() }),
  z.strictObject({ kind: z.literal('cosine'), value: z.number(), steps: z.number().int().positive(), final: z.number().optional() }),
  z.strictObject({ kind: z.literal('per-task'), schedule: scheduleShape }),
  z.strictObject({ kind: z.literal('epochs'), boundaries: z.array(z.number().int().positive()), values: z.array(z.number()) }),
]));

/** A learning-rate schedule: its shape, then its values (finite, >= 0) and boundaries (increasing) checked. */
const schedule = scheduleShape.superRefine((s, ctx) => {
  const problem = scheduleProblem(s, 0);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The optimizer of a run: one schema, the source of its type, its CLI keys (optimizer.<key>) and its docs. */
export const optimizerSchema = z.strictObject({
  name: z.enum(['sgd', 'adam', 'adamw']).default('sgd').describe('sgd (PyTorch semantics), adam (L2 weight decay), adamw (decoupled decay)'),
  preset: z.enum(['none', 'adam-tuned']).default('none').describe("adam-tuned: adam with beta1 = beta2 = 0.99 (Dohare et al. 2024, Lyle et al. 2023)"),
  lr: schedule.default(0.003).describe('learning rate: a number or a schedule {kind: piecewise|warmup|cosine|constant|per-task|epochs, ...}'),
  momentum: z.number().min(0).max(1).default(0).describe('SGD momentum'),
  nesterov: z.boolean().default(false).describe('Nesterov momentum (SGD)'),
  weightDecay: z.number().min(0).default(0).describe('weight decay (L2 gradient for sgd/adam, decoupled for adamw)'),
  b1: z.number().min(0).lt(1).default(0.9).describe('Adam beta1'),
  b2: z.number().min(0).lt(1).default(0.999).describe('Adam beta2'),
  eps: z.number().gt(0).default(1e-8).describe('Adam epsilon (> 0: it keeps the update finite where a gradient is 0)'),
  clipNorm: z.number().min(0).default(0).describe('clip the global gradient norm to this value (0: no clipping)'),
});
/**
 * A validated optimizer config (the output of {@link optimizerSchema}, defaults filled in); `buildOptimizer` turns it
 * into a Transform.
 */
export type OptimizerConfig = z.output<typeof optimizerSchema>;

/** Build the transform of an optimizer config. */
export function buildOptimizer(c: OptimizerConfig): Transform {
  let name = c.name;
  let b1 = c.b1, b2 = c.b2;
  if (c.preset === 'adam-tuned') {
    if (name === 'sgd') name = 'adam';
    b1 = 0.99;
    b2 = 0.99;
  }
  const lr = c.lr as Schedule;
  const core =
    name === 'sgd'
      ? sgd({ lr, momentum: c.momentum, nesterov: c.nesterov, weightDecay: c.weightDecay })
      : name === 'adam'
        ? adam({ lr, b1, b2, eps: c.eps, weightDecay: c.weightDecay })
        : adamw({ lr, b1, b2, eps: c.eps, weightDecay: c.weightDecay });
  return c.clipNorm > 0 ? chain(clipByGlobalNorm(c.clipNorm), core) : core;
}
