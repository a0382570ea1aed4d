import { z } from 'zod';
import { Registry } from '../config/Registry.js';
import type { Diagnostic, TrackerDefinition } from './Diagnostic.js';
import { approxRank, effectiveRank, stableRank } from './featureRank.js';
import { gradientCovariance } from './gradientCovariance.js';
import { gradientNorm, ntkRank } from './gradientStats.js';
import { hessianMaxEigenvalue } from './hessianMaxEigenvalue.js';
import { hessianTrace } from './hessianTrace.js';
import { plasticityProbe } from './plasticityProbe.js';
import { deadFraction, dormantFraction, featureNorm, inactiveFraction, linearFraction } from './unitActivity.js';
import { updateSize } from './updateSize.js';
import { distanceFromInit, weightMagnitude } from './weightStats.js';

/** A registered probe: a diagnostic computed at the cadence, or a tracker that watches every step. */
export type ProbeDefinition = Diagnostic | TrackerDefinition;

/** True for a tracker (it watches every step) rather than a diagnostic computed at the cadence. */
export function isTracker(d: ProbeDefinition): d is TrackerDefinition {
  return 'create' in d;
}

/** Keys of the probe config that are not diagnostic names. */
export const reservedProbeKeys: readonly string[] = ['diagnostics', 'everySteps', 'everyTasks', 'at', 'batchSize', 'chunk'];
/** Options that every diagnostic's config gets (its own cadence and timing). */
export const cadenceKeys: readonly string[] = ['everySteps', 'everyTasks', 'at'];

/**
 * The diagnostics and trackers. A schema is a strict zod object whose fields all have defaults (its fields
 * become `probes.<name>.<field>`) and cannot use the cadence keys.
 */
export const diagnosticRegistry = new Registry<ProbeDefinition>('diagnostic', {
  namePattern: { pattern: /^[a-zA-Z][a-zA-Z0-9]*$/, description: 'letters and digits, starting with a letter' },
  check(d) {
    if (reservedProbeKeys.includes(d.name)) throw new Error(`diagnostics: '${d.name}' is a probe config key and cannot name a diagnostic`);
    if (!(d.schema instanceof z.ZodObject)) throw new Error(`diagnostics: the schema of '${d.name}' must be a zod object`);
    const keys = Object.keys(d.schema.shape);
    const clash = keys.filter((k) => cadenceKeys.includes(k));
    if (clash.length) throw new Error(`diagnostics: '${d.name}' has options named ${clash.join(', ')}, which are the cadence keys every probe gets`);
    const defaults = d.schema.safeParse({});
    if (!defaults.success) throw new Error(`diagnostics: every option of '${d.name}' needs a default (${defaults.error.issues.map((i) => i.path.join('.')).join(', ')})`);
  },
});

/** Adds a diagnostic or tracker to the registry (see diagnosticRegistry for what its schema must be). */
export function registerDiagnostic(d: ProbeDefinition): void {
  diagnosticRegistry.register(d);
}

/** Every registered diagnostic and tracker, in registration order. */
export function registeredDiagnostics(): ProbeDefinition[] {
  return diagnosticRegistry.all();
}

/** The names of the registered diagnostics and trackers. */
export function diagnosticNames(): string[] {
  return diagnosticRegistry.names();
}

/** The diagnostic or tracker with this name, or an error listing the names. */
export function getDiagnostic(name: string): ProbeDefinition {
  return diagnosticRegistry.get(name);
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
  hessianMaxEigenvalue,
  hessianTrace,
  gradientCovariance,
] as ProbeDefinition[]) {
  registerDiagnostic(d);
}

/**
 * The probes of a run unless it says otherwise: what Dohare et al. and Sokar et al. plot that one evaluation-mode
 * forward pass over the probe batch can tell, plus weight statistics. Left out because they cost: gradientNorm (a
 * forward and backward pass over the probe batch, ~3x the rest on an MLP), updateSize (its accounting in every
 * step's update, ~10-20% of an online MLP step), plasticity (trains copies of the network), ntkRank (a backward pass per example and output), hessianMaxEigenvalue
 * and hessianTrace (2 gradient evaluations per Hessian-vector product, tens of products), gradientCovariance (a
 * backward pass per example).
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
