import type { RunData } from './RunFolder.js';
import { canonicalJson, flattenConfig, formatValue, methodNames } from './flattenConfig.js';

/** Runs that differ only in their seed: one condition of an experiment. */
export interface Condition {
  /** Canonical JSON of the config without the keys that do not change a run (seed, preset, paths). */
  readonly id: string;
  /** The methods joined with '+' and the config keys that set this condition apart, or the config's `label`. */
  readonly label: string;
  /** Its color in every figure. */
  readonly color: string;
  /** One run per seed, sorted by seed. */
  readonly runs: readonly RunData[];
  /** The config shared by the runs (that of the first, without its seed). */
  readonly config: Record<string, unknown>;
  /** The config keys that differ between conditions, with this condition's value ('—' where it has none). */
  readonly settings: Readonly<Record<string, string>>;
}

/** Top-level config keys that do not change what a run computes: they never split runs into conditions. */
export const NON_SEMANTIC_KEYS: readonly string[] = ['seed', 'preset', 'out', 'outDir', 'dataDir', 'resume', 'quiet', 'provenance'];

/** Colors of conditions, in order (Tableau 10, then Tableau 20's light tones). */
export const CONDITION_COLORS: readonly string[] = [
  '#4c78a8', '#f58518', '#54a24b', '#e45756', '#b279a2', '#72b7b2', '#eeca3b', '#ff9da6', '#9d755d', '#79706e',
  '#9ecae9', '#ffbf79', '#88d27a', '#ff9d98', '#d6a5c9', '#bcdcd8', '#f2cf5b', '#fcbfd2', '#d8b5a5', '#bab0ac',
];

/**
 * Group runs into conditions (same config but for the seed), label them, order them (method names, then the
 * values of the keys that differ, numbers by value) and give each a color. Two runs of one condition with the
 * same seed are one run given twice: the complete or longer one is kept, with a warning.
 */
export function groupConditions(runs: readonly RunData[], warnings: string[] = []): Condition[] {
  const groups = new Map<string, RunData[]>();
  for (const r of runs) {
    const id = canonicalJson(identityOf(r.config));
    const g = groups.get(id);
    if (g) g.push(r);
    else groups.set(id, [r]);
  }
  const raw = [...groups].map(([id, rs]) => ({ id, runs: dedupeSeeds(rs, warnings), config: identityOf(rs[0]!.config) }));
  const flat = raw.map((c) => flattenConfig(c.config));

  // Keys that differ between conditions (the config table; a key a condition lacks counts as a difference).
  const allKeys = [...new Set(flat.flatMap((f) => [...f.keys()]))];
  const isPresenceOnly = (k: string) => k.startsWith('methods.') && !k.slice(8).includes('.');
  const differing = allKeys.filter((k) => !isPresenceOnly(k) && new Set(flat.map((f) => canonicalJson(f.get(k)))).size > 1);
  const methodLists = raw.map((c) => methodNames(c.config).join('+'));
  const tableKeys = [...(new Set(methodLists).size > 1 ? ['methods'] : []), ...differing];
  // Keys in labels: as above, but a method's options only where they differ among the conditions that use the
  // method (its absence is already in the label's method names).
  const labelKeys = differing.filter((k) => {
    if (k === 'label') return false;
    if (!k.startsWith('methods.')) return true;
    return new Set(flat.filter((f) => f.has(k)).map((f) => canonicalJson(f.get(k)))).size > 1;
  });
  const nonMethod = labelKeys.filter((k) => !k.startsWith('methods.'));
  const ordered = [...nonMethod, ...labelKeys.filter((k) => k.startsWith('methods.'))];
  const lastSegment = (k: string) => k.slice(k.lastIndexOf('.') + 1);
  const short = (k: string) => (ordered.filter((o) => lastSegment(o) === lastSegment(k)).length > 1 ? k.replace(/^methods\./, '') : lastSegment(k));

  const labelled = raw.map((c, i) => {
    const f = flat[i]!;
    const names = methodNames(c.config);
    const base = names.length ? names.join('+') : String((c.config.benchmark as { name?: unknown } | undefined)?.name ?? 'run');
    const parts = ordered.filter((k) => f.has(k)).map((k) => `${short(k)}=${formatLike(f.get(k), flat.map((g) => g.get(k)))}`);
    const explicit = typeof c.config.label === 'string' && c.config.label.trim() ? c.config.label.trim() : null;
    const label = explicit ?? (parts.length ? `${base} (${parts.join(', ')})` : base);
    const settings: Record<string, string> = {};
    for (const k of tableKeys) settings[k] = k === 'methods' ? methodLists[i]! : formatValue(f.get(k));
    // The baseline (plain backprop) first, as the papers draw it; then by name and the values that differ.
    const sortKey: unknown[] = [explicit === null && base === 'bp' ? 0 : 1, explicit ?? base, ...ordered.map((k) => f.get(k))];
    return { ...c, label, settings, sortKey };
  });
  labelled.sort((a, b) => compareKeys(a.sortKey, b.sortKey));

  const seen = new Map<string, number>();
  if (labelled.length > CONDITION_COLORS.length) warnings.push(`${labelled.length} conditions but ${CONDITION_COLORS.length} distinct colors: colors repeat`);
  return labelled.map((c, i) => {
    const times = (seen.get(c.label) ?? 0) + 1;
    seen.set(c.label, times);
    let label = c.label;
    if (times > 1) {
      label = `${c.label} #${times}`;
      warnings.push(`two conditions are labelled '${c.label}' but their configs differ; the second is shown as '${label}'`);
    }
    return { id: c.id, label, color: CONDITION_COLORS[i % CONDITION_COLORS.length]!, runs: c.runs, config: c.config, settings: c.settings };
  });
}

/** A value formatted as its siblings are: if one of a key's numbers needs an exponent (1e-4), all get one. */
function formatLike(v: unknown, siblings: readonly unknown[]): string {
  if (typeof v !== 'number' || v === 0) return formatValue(v);
  const exponent = siblings.some((s) => typeof s === 'number' && formatValue(s).includes('e'));
  return exponent ? v.toExponential().replace(/\.?0+e/, 'e').replace('e+', 'e') : formatValue(v);
}

function identityOf(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (!NON_SEMANTIC_KEYS.includes(k)) out[k] = v;
  return out;
}

function dedupeSeeds(runs: readonly RunData[], warnings: string[]): RunData[] {
  const bySeed = new Map<string, RunData>();
  const unseeded: RunData[] = [];
  for (const r of runs) {
    if (r.seed === null) {
      unseeded.push(r);
      continue;
    }
    const key = String(r.seed);
    const prev = bySeed.get(key);
    if (!prev) {
      bySeed.set(key, r);
      continue;
    }
    const better = rank(r) > rank(prev) ? r : prev;
    const dropped = better === r ? prev : r;
    bySeed.set(key, better);
    warnings.push(`${better.path} and ${dropped.path} are the same condition with the same seed ${key}: only ${better.path} is used`);
  }
  return [...[...bySeed.values()].sort((a, b) => a.seed! - b.seed!), ...unseeded];
}

const rank = (r: RunData) => (r.summary?.status === 'complete' ? 1e15 : 0) + r.records.length;

function compareKeys(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return formatValue(a).localeCompare(formatValue(b), 'en', { numeric: true });
}
