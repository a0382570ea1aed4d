import { z } from 'zod';
import { countedGroups, type UnitGroup } from '../nn/UnitGroup.js';
import type { Diagnostic, DiagnosticContext } from './Diagnostic.js';
import { groupSummary } from './probeFeatures.js';

/**
 * Unit activity on the probe batch: dead, dormant and linear units, and the size of the features. A unit is a
 * dense row or a conv channel (its values over every position count); with CReLU a unit owns two features.
 * Each diagnostic reports the share over all units of the network (`diag/<name>`) and per unit group
 * (`diag/<name>/h1`, ...). The network-wide share counts each unit once: a group with a pooled view (ResNet-18's
 * last block output, whose view is `penultimate`) is counted through its view, as Dohare et al. count it.
 */

/**
 * dead[u] = 1 if unit u is dead on every probe example and position, or null when the notion does not apply
 * (identity, unknown layers). ReLU and CReLU: the activation is exactly 0 (Dohare et al.; CReLU: both of the
 * unit's features). LeakyReLU never outputs exactly 0; its dead units are those whose pre-activation is <= 0 on
 * every input (the ReLU part is exactly 0). Saturating nonlinearities: within eps of an extreme (tanh: -1 or 1;
 * sigmoid: 0 or 1; ELU: its floor -alpha; Swish and GELU: 0, which they approach for large negative inputs); a unit
 * whose inputs land at either extreme passes no gradient. Attention heads have no nonlinearity: no notion of dead.
 */
export function deadUnits(ctx: DiagnosticContext, g: UnitGroup, eps: number): Uint8Array | null {
  const s = groupSummary(ctx, g);
  const type = g.activation.type;
  if (type === 'leakyRelu') return Uint8Array.from(s.maxPre, (m) => (m <= 0 ? 1 : 0));
  if (!s.maxDistance) return null;
  const limit = type === 'relu' || type === 'crelu' ? 0 : eps;
  return Uint8Array.from(s.maxDistance, (d) => (d <= limit ? 1 : 0));
}

/**
 * ReDo's dormancy (Sokar et al. 2023): s_i = mean|h_i| / ((1/H) sum_k mean|h_k|), dormant if s_i <= tau
 * (tau = 0: exactly zero). When every unit of a layer is silent, all are dormant.
 */
export function dormantUnits(ctx: DiagnosticContext, g: UnitGroup, tau: number): Uint8Array {
  const { meanAbs } = groupSummary(ctx, g);
  let mean = 0;
  for (let u = 0; u < meanAbs.length; u++) mean += meanAbs[u]!;
  mean /= meanAbs.length;
  const out = new Uint8Array(meanAbs.length);
  for (let u = 0; u < meanAbs.length; u++) {
    const s = mean > 0 ? meanAbs[u]! / mean : 0;
    out[u] = s <= tau ? 1 : 0;
  }
  return out;
}

/**
 * Dohare et al.'s dormant units (lop/incremental_cifar/post_run_analysis.py, compute_dormant_units_proportion):
 * a unit is counted when its values are nonzero on fewer than `threshold` of the probe's (example, position)
 * pairs (conv: the share over batch and space; the penultimate features: over the batch).
 */
export function rarelyActiveUnits(ctx: DiagnosticContext, g: UnitGroup, threshold: number): Uint8Array {
  const { activeShare } = groupSummary(ctx, g);
  return Uint8Array.from(activeShare, (a) => (a < threshold ? 1 : 0));
}

/** Units whose pre-activation is > 0 on every example and position: a ReLU-family unit there acts linearly. */
export function linearUnits(ctx: DiagnosticContext, g: UnitGroup): Uint8Array {
  const { minPre } = groupSummary(ctx, g);
  return Uint8Array.from(minPre, (m) => (m > 0 ? 1 : 0));
}

/** Records 'diag/<name>/<group>' shares and the network-wide 'diag/<name>' share. */
function shares(name: string, ctx: DiagnosticContext, flags: (g: UnitGroup) => Uint8Array | null): Record<string, number> {
  const out: Record<string, number> = {};
  let hits = 0, total = 0;
  const counted = new Set(countedGroups(ctx.model.unitGroups));
  for (const g of ctx.model.unitGroups) {
    const f = flags(g);
    if (!f) continue;
    let k = 0;
    for (let u = 0; u < f.length; u++) k += f[u]!;
    out[`diag/${name}/${g.name}`] = k / f.length;
    if (!counted.has(g)) continue;
    hits += k;
    total += f.length;
  }
  if (total > 0) out[`diag/${name}`] = hits / total;
  return out;
}

const deadSchema = z.strictObject({
  eps: z.number().min(0).lt(0.5).default(0.01).describe('saturating nonlinearities: a value within eps of an extreme counts as saturated'),
});

/**
 * Diagnostic 'deadFraction': the share of units dead on every probe example (ReLU: exactly 0; saturating
 * nonlinearities: within `eps` of an extreme), per group ('diag/deadFraction/<group>') and network-wide.
 */
export const deadFraction: Diagnostic<typeof deadSchema> = {
  name: 'deadFraction',
  description: 'share of units that are dead on every probe example (ReLU: exactly 0; tanh/sigmoid/ELU: saturated within eps)',
  schema: deadSchema,
  compute: (ctx, c) => shares('deadFraction', ctx, (g) => deadUnits(ctx, g, c.eps)),
};

const dormantSchema = z.strictObject({
  tau: z.number().min(0).default(0.1).describe('a unit is dormant when its normalized activity s_i <= tau (0: exactly silent)'),
});

/**
 * Diagnostic 'dormantFraction': the share of tau-dormant units (ReDo, Sokar et al. 2023), whose mean |activation|
 * divided by the group's average of that is <= `tau`; per group and network-wide.
 */
export const dormantFraction: Diagnostic<typeof dormantSchema> = {
  name: 'dormantFraction',
  description: 'share of tau-dormant units: mean|h_i| / layer mean of mean|h_k| <= tau (ReDo, Sokar et al. 2023)',
  schema: dormantSchema,
  compute: (ctx, c) => shares('dormantFraction', ctx, (g) => dormantUnits(ctx, g, c.tau)),
};

const inactiveSchema = z.strictObject({
  threshold: z.number().gt(0).max(1).default(0.01).describe('a unit counts when it is nonzero on fewer than this share of the probe inputs (and positions)'),
});

export const inactiveFraction: Diagnostic<typeof inactiveSchema> = {
  name: 'inactiveFraction',
  description: "share of units active (nonzero) on fewer than 1% of probe inputs: Dohare et al.'s dormant units (class-incremental CIFAR-100 figure)",
  schema: inactiveSchema,
  compute: (ctx, c) => shares('inactiveFraction', ctx, (g) => rarelyActiveUnits(ctx, g, c.threshold)),
};

const noOptions = z.strictObject({});

/**
 * Diagnostic 'linearFraction': the share of units whose pre-activation is positive on every probe example and
 * position (a ReLU unit acting linearly); per group and network-wide.
 */
export const linearFraction: Diagnostic<typeof noOptions> = {
  name: 'linearFraction',
  description: 'share of units whose pre-activation is positive on every probe example (a ReLU unit that acts linearly)',
  schema: noOptions,
  compute: (ctx) => shares('linearFraction', ctx, (g) => linearUnits(ctx, g)),
};

/**
 * Diagnostic 'featureNorm': per unit group, the mean over probe examples of the L2 norm of the group's feature vector
 * ('diag/featureNorm/<group>').
 */
export const featureNorm: Diagnostic<typeof noOptions> = {
  name: 'featureNorm',
  description: "mean over probe examples of the L2 norm of each unit group's feature vector",
  schema: noOptions,
  compute(ctx) {
    const out: Record<string, number> = {};
    for (const g of ctx.model.unitGroups) out[`diag/featureNorm/${g.name}`] = groupSummary(ctx, g).featureNorm;
    return out;
  },
};
