import { z } from 'zod';
import type { Method } from '../learn/Method.js';

export const bpSchema = z.strictObject({});

/** Plain backprop with the configured optimizer: the baseline every method is compared with. */
export const bp: Method<typeof bpSchema> = {
  name: 'bp',
  description: 'plain backprop with the configured optimizer (the baseline)',
  schema: bpSchema,
  create: () => ({ state: {} }),
};
