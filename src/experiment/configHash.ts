import { createHash } from 'node:crypto';

/**
 * Fields of a resolved run config that say where or how a run executes, not what it computes: the backend
 * that ran (filled in at start; `backendRequested` stays in the hash), the data folder (the same data set
 * sits at different paths on different machines of a cluster) and the provenance (host, command line, times).
 */
const placeOnly = new Set(['backend', 'data', 'provenance']);

/** JSON with object keys sorted at every depth, so equal configs give equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return JSON.stringify(String(value));
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The identity of a run: sha256 (hex) of its resolved config in canonical JSON, without the fields that only
 * say where it runs. Sweeps match run folders by it, queues use it as the job id, checkpoints carry it.
 */
export function configHash(config: object): string {
  const identity = Object.fromEntries(Object.entries(config).filter(([k]) => !placeOnly.has(k)));
  return createHash('sha256').update(canonicalJson(identity)).digest('hex');
}
