import { z } from 'zod';

/** Options of `supple report`: one schema, the source of their type, their CLI flags and their docs. */
export const reportOptionsSchema = z.strictObject({
  binTasks: z.number().int().min(1).default(1)
    .describe('average consecutive tasks in bins of K before plotting (per seed, then over seeds), as the papers plot 800 tasks'),
  points: z.enum(['all-seeds', 'any-seed']).default('all-seeds')
    .describe('all-seeds: plot only the x values every seed of a condition reached; any-seed: every x, averaged over the seeds that have it'),
  finalFraction: z.number().gt(0).max(1).default(0.1)
    .describe('final numbers per condition are the mean over this last fraction of each curve (at least one point)'),
  maxPoints: z.number().int().min(10).default(400)
    .describe('curves longer than this are averaged over consecutive points to at most this many (readability, file size)'),
  layers: z.boolean().default(true)
    .describe('also draw one figure per diagnostic with a panel per layer (the overview averages over layers)'),
  png: z.boolean().default(true).describe('write a PNG beside every SVG'),
  pngScale: z.number().gt(0).max(8).default(2).describe('PNG pixels per SVG pixel'),
  title: z.string().default('supple report').describe('title of the HTML page'),
  table: z.enum(['auto', 'lyle', 'none']).default('auto')
    .describe("lyle: Lyle et al.'s interventions x architectures table of runs labelled 'intervention / architecture / target' (auto: when the runs come from a lyle-interventions preset)"),
  tableWindow: z.number().int().min(1).default(2)
    .describe('lyle table: draws averaged per seed for the initial (first draws) and the final (last draws) loss'),
});
/** Validated report options (the output of {@link reportOptionsSchema}, defaults filled in). */
export type ReportOptions = z.output<typeof reportOptionsSchema>;
/** Report options as a caller may give them: every field optional (the schema's input type). */
export type ReportOptionsInput = z.input<typeof reportOptionsSchema>;
