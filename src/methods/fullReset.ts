import { z } from 'zod';
import type { Edit } from '../nn/Edit.js';
import type { Method } from '../learn/Method.js';
import type { ResetState } from './headReset.js';
import { countTaskEvent, isNth, noEdits, taskEvents } from './taskEvents.js';

export const fullResetSchema = z.strictObject({
  every: z.number().int().min(0).default(1).describe('reset at every k-th task boundary or data growth (0: never)'),
  resetOptimizer: z.boolean().default(true).describe('also reset the optimizer state of every parameter'),
});

/**
 * Reinitialize the whole network at each task boundary or data growth: every parameter redrawn from its init
 * distribution and normalization statistics reset (training from scratch; warm-starting's "cold" baseline).
 */
export const fullReset: Method<typeof fullResetSchema> = {
  name: 'full-reset',
  description: 'reinitialize every parameter (and normalization statistics) at each task boundary or data growth',
  schema: fullResetSchema,
  create(c, { model }) {
    const state: ResetState = { events: taskEvents(), resets: 0 };
    const atEvent = ({ step }: { step: number }): readonly Edit[] => {
      if (!isNth(countTaskEvent(state.events, step), c.every)) return noEdits;
      state.resets++;
      return [
        { kind: 'reinitParams', params: model.params.map((p) => p.name), resetOptimizer: c.resetOptimizer, reason: 'full-reset' },
        { kind: 'resetBuffers', reason: 'full-reset' },
      ];
    };
    return { state, atTaskBoundary: atEvent, atDataGrowth: atEvent, metrics: () => ({ 'method/fullReset/resets': state.resets }) };
  },
};
