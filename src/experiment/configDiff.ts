import { canonicalJson } from './configHash.js';

/** Fields that do not change what a run computes (see configHash). */
const placeOnly = new Set(['backend', 'data']);

function flatten(v: unknown, prefix: string, out: Map<string, string>): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (prefix === '' && placeOnly.has(k)) continue;
      flatten(x, prefix ? `${prefix}.${k}` : k, out);
    }
  } else if (Array.isArray(v) && v.every((x) => x !== null && typeof x === 'object' && 'name' in x)) {
    // Methods: by name, so that a reordering reads as such.
    out.set(`${prefix}`, canonicalJson(v.map((x) => (x as { name: unknown }).name)));
    for (const x of v) flatten(x, `${prefix}.${String((x as { name: unknown }).name)}`, out);
  } else if (v !== undefined) out.set(prefix, canonicalJson(v));
}

/**
 * The settings in which two run configs differ, as `key: a -> b` lines (at most `max`, then a count): what a
 * checkpoint or a sweep reports when a folder holds another run than expected.
 */
export function configDiff(a: unknown, b: unknown, max = 8): string[] {
  const fa = new Map<string, string>(), fb = new Map<string, string>();
  flatten(a, '', fa);
  flatten(b, '', fb);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  const lines = keys.filter((k) => fa.get(k) !== fb.get(k)).map((k) => `${k}: ${fa.get(k) ?? '(absent)'} -> ${fb.get(k) ?? '(absent)'}`);
  return lines.length > max ? [...lines.slice(0, max), `... and ${lines.length - max} more`] : lines;
}
