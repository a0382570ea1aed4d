import { z } from 'zod';
import { imageDatasetChoices, imageDatasetNames } from './data/datasets.js';
import { normalizations } from './ImageEncoder.js';

/**
 * Option fields shared by the streams' schemas. Every stream has `tasks`, `examplesPerTask` and `steps`, so any
 * benchmark can be cut down from the command line (`--set tasks=3`); each stream's description says what they
 * mean there.
 */
export const option = {
  tasks: (def: number, what: string) => z.number().int().min(1).default(def).describe(what),
  examplesPerTask: (what: string) => z.number().int().min(0).default(0).describe(what),
  steps: (what: string) => z.number().int().min(0).default(0).describe(what),
  /** For streams whose tasks run for epochs: a total-example cap cannot cut them exactly, so only 0 is accepted. */
  stepsUnsupported: (stream: string) =>
    z.number().int().min(0).default(0)
      .refine((v) => v === 0, { message: `must be 0: ${stream} trains each task for epochs; cut it down with tasks, epochs or examplesPerTask` })
      .describe('total examples: not used by this stream (its tasks train for epochs); must be 0'),
  // A string checked when parsed, not an enum: data sets registered at run time (--dataset NAME=PATH) are accepted too.
  dataset: (def: (typeof imageDatasetNames)[number]) =>
    z.string().default(def)
      .check((ctx) => {
        if (!imageDatasetChoices().includes(ctx.value)) ctx.issues.push({ code: 'custom', input: ctx.value, message: `allowed: ${imageDatasetChoices().map((n) => JSON.stringify(n)).join(', ')} (or your own: --dataset NAME=PATH)` });
      })
      .describe(`labelled image set: ${imageDatasetNames.join(', ')} (digits ships with supple), or one registered with --dataset NAME=PATH`),
  normalize: (def: (typeof normalizations)[number]) => z.enum(normalizations).default(def).describe("inputs from pixels: 'unit' = v/255, 'standardize' = per-channel (v/255 - mean)/std of the training split, 'none' = raw bytes"),
  batchSize: (def: number) => z.number().int().min(1).default(def).describe('examples per update'),
  taskSignal: (def: boolean) => z.boolean().default(def).describe('tell methods where tasks begin (their atTaskBoundary hooks run)'),
};
