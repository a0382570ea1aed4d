import { z } from 'zod';
import type { Diagnostic, TrackerDefinition } from './Diagnostic.js';
import { approxRank, effectiveRank, stableRank } from './featureRank.js';
import { gradientNorm, ntkRank } from './gradientStats.js';
import { plasticityProbe } from './plasticityProbe.js';
import { deadFraction, dormantFraction, featureNorm, inactiveFraction, linearFraction } from './unitActivity.js';
import { updateSize } from './updateSize.js';
import { distanceFromInit, weightMagnitude } from './weightStats.js';

/** A registered probe: a diagnostic computed at the cadence, or a tracker that watches every step. */
export type ProbeDefinition = Diagnostic | TrackerDefinition;

export function isTracker(d: ProbeDefinition): d is TrackerDefinition {
  return 'create' in d;
}

/** Keys of the probe config that are not diagnostic names, and options that every diagnostic's config gets. */
export const reservedProbeKeys: readonly string[] = ['diagnostics', 'everySteps', 'everyTasks', 'at', 'batchSize', 'chunk'];
export const cadenceKeys: readonly string[] = ['everySteps', 'everyTasks', 'at'];

const registry = new Map<string, ProbeDefinition>();

/**
 * Add a diagnostic or tracker. Names are unique; a schema is a strict zod object whose fields all have
 * defaults (its fields become `probes.<name>.<field>`), and cannot use the cadence keys.
 */
export function registerDiagnostic(d: ProbeDefinition): void {
  if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(d.name)) throw new Error(`diagnostics: the name '${d.name}' is not allowed (letters and digits, starting with a letter)`);
  if (registry.has(d.name)) throw new Error(`diagnostics: a diagnostic named '${d.name}' is registered already`);
  if (reservedProbeKeys.includes(d.name)) throw new Error(`diagnostics: '${d.name}' is a probe config key and cannot name a diagnostic`);
  if (!(d.schema instanceof z.ZodObject)) throw new Error(`diagnostics: the schema of '${d.name}' must be a zod object`);
  const keys = Object.keys(d.schema.shape);
  const clash = keys.filter((k) => cadenceKeys.includes(k));
  if (clash.length) throw new Error(`diagnostics: '${d.name}' has options named ${clash.join(', ')}, which are the cadence keys every probe gets`);
  const defaults = d.schema.safeParse({});
  if (!defaults.success) throw new Error(`diagnostics: every option of '${d.name}' needs a default (${defaults.error.issues.map((i) => i.path.join('.')).join(', ')})`);
  registry.set(d.name, d);
}

/** Every registered diagnostic and tracker, in registration order. */
export function registeredDiagnostics(): ProbeDefinition[] {
  return [...registry.values()];
}

export function diagnosticNames(): string[] {
  return [...registry.keys()];
}

/** The diagnostic or tracker with this name, or an error listing the names. */
export function getDiagnostic(name: string): ProbeDefinition {
  const d = registry.get(name);
  if (!d) throw new Error(`diagnostics: no diagnostic named '${name}'; known: ${diagnosticNames().join(', ')}`);
  return d;
}

for (const d of [
  deadFraction,
  dormantFraction,
  inactiveFraction,
  linearFraction,
  featureNorm,
  effectiveRank,
  stableRank,
  approxRank,
  weightMagnitude,
  distanceFromInit,
  gradientNorm,
  updateSize,
  plasticityProbe,
  ntkRank,
] as ProbeDefinition[]) {
  registerDiagnostic(d);
}

/**
 * The probes of a run unless it says otherwise: what Dohare et al. and Sokar et al. plot that one evaluation-mode
 * forward pass over the probe batch can tell, plus weight statistics. Left out because they cost: gradientNorm (a
 * forward and backward pass over the probe batch, ~3x the rest on an MLP), updateSize (passes over the weights
 * at every step), plasticity (trains copies of the network), ntkRank (a backward pass per example and output).
 */
export const defaultDiagnostics: readonly string[] = [
  'deadFraction',
  'dormantFraction',
  'inactiveFraction',
  'linearFraction',
  'featureNorm',
  'effectiveRank',
  'stableRank',
  'approxRank',
  'weightMagnitude',
  'distanceFromInit',
];
