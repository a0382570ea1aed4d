import type { z } from 'zod';
import type { Backend } from '../backend/Backend.js';
import type { Rng } from '../tensor/Rng.js';
import type { Learner } from './Learner.js';
import type { ProbeRunner } from './ProbeRunner.js';

/** How a run gets its probes: the `probes` config schema and a factory (the diagnostics package provides it). */
export interface ProbeFactory {
  readonly schema: z.ZodType;
  /**
   * Makes a run's probes from its `probes` config (validated against `schema`), the learner, the backend and the
   * probes' own random stream.
   */
  create(config: Record<string, unknown>, ctx: { learner: Learner; backend: Backend; rng: Rng }): ProbeRunner;
}
