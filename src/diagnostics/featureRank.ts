import { z } from 'zod';
import type { Diagnostic, DiagnosticContext } from './Diagnostic.js';
import { groupSingularValues } from './probeFeatures.js';
import { approxRankOf, effectiveRankOf, stableRankOf } from './spectrum.js';

/**
 * Rank of the representation: measures of the singular values of each unit group's N x F feature matrix on the
 * probe batch (conv groups: channels averaged over space; see groupSingularValues). Keys 'diag/<name>/h1', ...
 */
function perGroup(name: string, ctx: DiagnosticContext, measure: (sv: Float64Array) => number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of ctx.model.unitGroups) out[`diag/${name}/${g.name}`] = measure(groupSingularValues(ctx, g));
  return out;
}

const noOptions = z.strictObject({});
const deltaSchema = z.strictObject({
  delta: z.number().min(0).lt(1).default(0.01).describe('the smallest k whose top-k share of the spectrum reaches 1 - delta'),
});

/**
 * Diagnostic 'effectiveRank': per unit group, exp of the entropy of the normalized singular values of the N x F probe
 * features (Roy & Vetterli 2007).
 */
export const effectiveRank: Diagnostic<typeof noOptions> = {
  name: 'effectiveRank',
  description: 'exp of the entropy of the normalized singular values of the features (Roy & Vetterli 2007)',
  schema: noOptions,
  compute: (ctx) => perGroup('effectiveRank', ctx, effectiveRankOf),
};

/**
 * Diagnostic 'stableRank': per unit group, the smallest k whose top-k singular values of the probe features sum to at
 * least (1 - delta) of their total.
 */
export const stableRank: Diagnostic<typeof deltaSchema> = {
  name: 'stableRank',
  description: 'smallest k with sum of the top-k singular values >= (1 - delta) of their total (Kumar et al.; Dohare et al.)',
  schema: deltaSchema,
  compute: (ctx, c) => perGroup('stableRank', ctx, (sv) => stableRankOf(sv, c.delta)),
};

/**
 * Diagnostic 'approxRank': per unit group, the smallest k whose top-k squared singular values hold at least (1 -
 * delta) of the total (Yang et al.).
 */
export const approxRank: Diagnostic<typeof deltaSchema> = {
  name: 'approxRank',
  description: 'stableRank on squared singular values: smallest k holding (1 - delta) of the variance (Yang et al.)',
  schema: deltaSchema,
  compute: (ctx, c) => perGroup('approxRank', ctx, (sv) => approxRankOf(sv, c.delta)),
};
