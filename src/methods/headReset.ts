import { z } from 'zod';
import type { Edit } from '../nn/Edit.js';
import type { Method } from '../learn/Method.js';
import { countTaskEvent, isNth, noEdits, taskEvents, type TaskEvents } from './taskEvents.js';

export const headResetSchema = z.strictObject({
  every: z.number().int().min(0).default(1).describe('reset at every k-th task boundary or data growth (0: never)'),
  resetOptimizer: z.boolean().default(true).describe("also reset the optimizer state (moments, counts) of the head's parameters"),
});

export interface ResetState {
  readonly events: TaskEvents;
  resets: number;
}

/** Reinitialize the output layer at each task boundary or data growth (weights and bias from their init). */
export const headReset: Method<typeof headResetSchema> = {
  name: 'head-reset',
  description: 'reinitialize the output layer at each task boundary or data growth',
  schema: headResetSchema,
  create(c, { model }) {
    const state: ResetState = { events: taskEvents(), resets: 0 };
    const atEvent = ({ step }: { step: number }): readonly Edit[] => {
      if (!isNth(countTaskEvent(state.events, step), c.every)) return noEdits;
      state.resets++;
      return [{ kind: 'reinitParams', params: model.head.params.map((p) => p.name), resetOptimizer: c.resetOptimizer, reason: 'head-reset' }];
    };
    return { state, atTaskBoundary: atEvent, atDataGrowth: atEvent, metrics: () => ({ 'method/headReset/resets': state.resets }) };
  },
};
