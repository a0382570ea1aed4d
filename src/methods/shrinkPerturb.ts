import { z } from 'zod';
import type { Edit, ShrinkPerturb } from '../nn/Edit.js';
import { ParamSlots } from '../nn/Slots.js';
import type { Method } from '../learn/Method.js';
import { countTaskEvent, noEdits, taskEvents, type TaskEvents } from './taskEvents.js';

export const shrinkPerturbSchema = z
  .strictObject({
    schedule: z
      .enum(['at-boundary', 'every-step'])
      .default('at-boundary')
      .describe('at-boundary: at each task boundary or data growth (Ash & Adams); every-step: after every update (Dohare et al.)'),
    shrink: z.number().min(0).max(1).default(0.3).describe('lambda: theta <- lambda * theta (+ (1 - lambda) * theta_0 with target init), then the noise'),
    noise: z.number().min(0).default(0.01).describe('sigma: the perturbation added after shrinking is sigma times a draw of noiseFrom'),
    noiseFrom: z.enum(['normal', 'init']).default('normal').describe("normal: N(0, 1) per value; init: a fresh draw from each parameter's own init distribution"),
    target: z.enum(['zero', 'init']).default('zero').describe('zero: shrink toward 0; init: the toward-init variant, interpolate toward the initial parameters theta_0'),
    normalization: z
      .enum(['auto', 'exclude', 'include'])
      .default('auto')
      .describe("normalization gains and shifts: 'auto' excludes them at-boundary (Ash & Adams, DASH's weight_sp: weights and biases of dense and conv layers only) and includes them every-step (Dohare's code perturbs every parameter)"),
  })
  .superRefine((c, ctx) => {
    if (c.schedule === 'every-step' && c.shrink < 0.99) {
      ctx.addIssue({
        code: 'custom',
        path: ['shrink'],
        message: `with schedule every-step the parameters are multiplied by shrink (here ${c.shrink}) after every update; use 1 - lr * weight decay (Dohare et al.: 1 - 0.003 * 1e-4 = 0.9999997), >= 0.99`,
      });
    }
  });
/**
 * Validated options of {@link shrinkPerturb}: when it applies, shrink factor lambda, noise scale sigma and its
 * source, target (zero or init) and whether normalization parameters count; every-step requires shrink >= 0.99.
 */
export type ShrinkPerturbConfig = z.output<typeof shrinkPerturbSchema>;

/**
 * What {@link shrinkPerturb} keeps (checkpointed): the task events counted, theta_0 for the toward-init variant, and
 * how often it has applied.
 */
export interface ShrinkPerturbState {
  readonly events: TaskEvents;
  /** theta_0 for the toward-init variant (follows units that are reinitialized). */
  readonly anchor: ParamSlots | null;
  /** Applications so far. */
  applied: number;
}

/**
 * Shrink and perturb: theta <- lambda * theta + sigma * eps on the trainable parameters. `at-boundary` is Ash &
 * Adams' warm-starting intervention (lambda = 0.3, sigma = 0.01 as DASH's baseline), on the weights and biases of
 * dense and conv layers (DASH's models/ResNet.py weight_sp; normalization gains and shifts are left alone unless
 * `normalization` = 'include'); `every-step` applies it to every parameter after
 * every update as Dohare et al. (lambda = 1 - lr * weight decay, sigma small). Dohare's code shrinks through the
 * optimizer's weight decay instead, which differs from shrinking after the update by lr^2 * wd * grad; to get
 * exactly that, combine `l2` (coef = weight decay) with every-step shrink 1 and the noise: `l2+shrink-perturb`.
 * Cost of every-step: one pass over all parameters after every update that shrinks and adds one normal draw per
 * parameter (Backend.shrinkAddNormal; toward init or with noise from the init distribution: a shrink pass, then the
 * noise). The normals come from a Wallace pool per block of values (a few Box-Muller draws, then cheap orthogonal
 * mixing): on the online MLP every-step runs at ~0.27x the steps of plain SGD in CPU time (bench/methods on a loaded
 * machine; Box-Muller for every value: 0.10x), a normal costing about as much as the step spends per weight.
 */
export const shrinkPerturb: Method<typeof shrinkPerturbSchema> = {
  name: 'shrink-perturb',
  description: 'shrink and perturb the parameters at each task boundary / data growth, or after every step (Ash & Adams 2020)',
  reference: 'Ash, Adams. On Warm-Starting Neural Network Training. NeurIPS 2020; Dohare et al. Nature 2024 (every step)',
  schema: shrinkPerturbSchema,
  create(c, { model }) {
    const anchor =
      c.target === 'init'
        ? new ParamSlots(
            'shrinkPerturb.anchor',
            model.params.map((p) => {
              const a = model.backend.alloc(p.data.length);
              a.set(p.data);
              return a;
            }),
            'param',
          )
        : null;
    const state: ShrinkPerturbState = { events: taskEvents(), anchor, applied: 0 };
    const withNorms = c.normalization === 'include' || (c.normalization === 'auto' && c.schedule === 'every-step');
    // Without normalization parameters: the weights and biases of dense and conv layers (every other role).
    const params = withNorms ? null : model.params.filter((p) => p.trainable && p.role !== 'gain' && p.role !== 'shift').map((p) => p.name);
    const edit: ShrinkPerturb = {
      kind: 'shrinkPerturb',
      ...(params && params.length < model.params.filter((p) => p.trainable).length ? { params } : {}),
      shrink: c.shrink,
      noise: c.noise,
      noiseFrom: c.noiseFrom,
      ...(anchor ? { anchor: anchor.arrays } : {}),
      ...(c.schedule === 'every-step' ? { routine: true } : {}),
      reason: 'shrink-perturb',
    };
    const edits: readonly Edit[] = [edit];
    const atEvent = ({ step }: { step: number }): readonly Edit[] => {
      if (c.schedule !== 'at-boundary' || countTaskEvent(state.events, step) === 0) return noEdits;
      state.applied++;
      return edits;
    };
    return {
      state,
      afterUpdate() {
        if (c.schedule !== 'every-step') return noEdits;
        state.applied++;
        return edits;
      },
      atTaskBoundary: atEvent,
      atDataGrowth: atEvent,
      metrics: () => ({ 'method/shrinkPerturb/applied': state.applied }),
    };
  },
};
