import { z } from 'zod';
import type { Edit } from '../nn/Edit.js';
import { ParamSlots } from '../nn/Slots.js';
import type { Method } from '../learn/Method.js';
import { countTaskEvent, noEdits, taskEvents, type TaskEvents } from './taskEvents.js';

/** Options of hare-tortoise (`method.<field>`). */
export const hareTortoiseSchema = z.strictObject({
  decay: z.number().min(0).max(1).default(0.999).describe('lambda: after every update the tortoise theta_T <- lambda theta_T + (1 - lambda) theta_H'),
  reset: z
    .enum(['boundary', 'steps', 'never'])
    .default('boundary')
    .describe("when the hare (the trained network) is reset to the tortoise: at each task boundary or data growth, every `every` updates, or never"),
  every: z.number().int().min(1).default(1000).describe("with reset 'steps': reset the hare every this many updates"),
  resetOptimizer: z.boolean().default(false).describe('also reset the optimizer state (moments, counts) when the hare is reset'),
});
/** A validated hare-tortoise configuration. */
export type HareTortoiseConfig = z.output<typeof hareTortoiseSchema>;

/** What hare-tortoise keeps (checkpointed): the tortoise and the reset count. */
export interface HareTortoiseState {
  readonly events: TaskEvents;
  /** The tortoise: the slow EMA of the hare's parameters (reinitialized units follow their new values). */
  readonly tortoise: ParamSlots;
  resets: number;
}

/**
 * Hare & Tortoise (Lee et al. 2024): the trained network (the hare, theta_H) learns fast; a tortoise network
 * theta_T follows it slowly as an exponential moving average, theta_T <- lambda theta_T + (1 - lambda) theta_H after
 * every update (lambda = 0.999), and the hare is periodically reset to the tortoise, theta_H <- theta_T, so the
 * hare restarts from weights that kept the knowledge but not the hare's recent drift. The paper resets at each
 * new chunk of data in its warm-starting experiments (here: each task boundary or data growth, the default) and
 * after a fixed number of updates in RL ('steps'). The tortoise starts at theta_0. No reference code was found
 * in the library searched; definitions follow the paper. Evaluation here uses the hare (the model being trained);
 * the tortoise lives in the method state (checkpointed).
 * Cost: one pass over all parameters after every update (the EMA), one more at each reset.
 */
export const hareTortoise: Method<typeof hareTortoiseSchema> = {
  name: 'hare-tortoise',
  description: 'a slow EMA network (tortoise) that the trained one (hare) is periodically reset to (Lee et al. 2024)',
  reference: 'Lee, Cho, Kim, Park, Choo, Lim. Slow and Steady Wins the Race: Maintaining Plasticity with Hare and Tortoise Networks. ICML 2024',
  schema: hareTortoiseSchema,
  create(c, { model, backend }) {
    const tortoise = new ParamSlots(
      'hareTortoise.tortoise',
      model.params.map((p) => {
        const a = backend.alloc(p.data.length);
        a.set(p.data);
        return a;
      }),
      'param',
    );
    const state: HareTortoiseState = { events: taskEvents(), tortoise, resets: 0 };
    const resetEdits = (): readonly Edit[] => {
      state.resets++;
      // theta_H <- 0 * theta_H + 1 * theta_T on every trainable parameter.
      const edits: Edit[] = [{ kind: 'shrinkPerturb', shrink: 0, noise: 0, anchor: tortoise.arrays, reason: 'hare-tortoise' }];
      if (c.resetOptimizer) edits.push({ kind: 'resetOptimizer', reason: 'hare-tortoise' });
      return edits;
    };
    const atEvent = ({ step }: { step: number }): readonly Edit[] => {
      if (c.reset !== 'boundary' || countTaskEvent(state.events, step) === 0) return noEdits;
      return resetEdits();
    };
    return {
      state,
      afterUpdate({ step }) {
        for (const p of model.params) {
          const t = tortoise.arrays[p.index];
          if (p.trainable && t) backend.axpby(1 - c.decay, p.data, c.decay, t);
        }
        return c.reset === 'steps' && step % c.every === 0 ? resetEdits() : noEdits;
      },
      atTaskBoundary: atEvent,
      atDataGrowth: atEvent,
      metrics: () => ({ 'method/hareTortoise/resets': state.resets }),
    };
  },
};
