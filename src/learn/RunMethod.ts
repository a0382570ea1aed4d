import type { Rng } from '../tensor/Rng.js';
import type { MethodInstance } from './Method.js';

/** A configured method in a run. */
export interface RunMethod {
  readonly name: string;
  readonly instance: MethodInstance;
  /** The method's random stream (the one its factory got): its edits' redraws come from it too. */
  readonly rng: Rng;
}
