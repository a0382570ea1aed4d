import { z } from 'zod';
import type { Edit } from '../nn/Edit.js';
import type { Method } from '../learn/Method.js';
import { countTaskEvent, isNth, noEdits, taskEvents, type TaskEvents } from './taskEvents.js';

export const plasticityInjectionSchema = z.strictObject({
  layers: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('linear layers at the end that form the head (1: the output layer; 2: the last hidden layer too, as a DQN head)'),
  every: z.number().int().min(0).default(1).describe('inject at every k-th task boundary or data growth (0: never)'),
  limit: z.number().int().min(0).default(1).describe('at most this many injections (each adds two heads); 0: no limit'),
});

export interface PlasticityInjectionState {
  readonly events: TaskEvents;
  injections: number;
}

/**
 * Plasticity injection (Nikishin et al. 2023): at a task boundary (or data growth) the head h is frozen and the
 * output becomes h(x) + h'(x) - h''(x) with h' a fresh head that learns and h'' a frozen copy of it, so the
 * output is unchanged at injection and the number of trainable parameters stays the same. With a one-layer head
 * and plain SGD, h + h' - h'' trains exactly like h (the gradients are the same): the intervention shows with
 * deeper heads (`layers` >= 2) or with Adam, whose state starts over for h'.
 */
export const plasticityInjection: Method<typeof plasticityInjectionSchema> = {
  name: 'plasticity-injection',
  description: 'freeze the head and add a fresh head minus its frozen copy at task boundaries (Nikishin et al. 2023)',
  reference: 'Nikishin, Oh, Ostrovski, Lyle, Pascanu, Dabney, Barreto. Deep Reinforcement Learning with Plasticity Injection. NeurIPS 2023',
  schema: plasticityInjectionSchema,
  create(c) {
    const state: PlasticityInjectionState = { events: taskEvents(), injections: 0 };
    const atEvent = ({ step }: { step: number }): readonly Edit[] => {
      if (!isNth(countTaskEvent(state.events, step), c.every)) return noEdits;
      if (c.limit > 0 && state.injections >= c.limit) return noEdits;
      state.injections++;
      return [{ kind: 'injectHead', layers: c.layers, reason: 'plasticity-injection' }];
    };
    return { state, atTaskBoundary: atEvent, atDataGrowth: atEvent, metrics: () => ({ 'method/injections': state.injections }) };
  },
};
