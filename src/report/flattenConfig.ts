/**
 * A config as flat `dot.path -> value` entries. Methods are keyed by name (`methods.cbp.rho`), so that a
 * method's options line up across runs whatever the position of the method in the list; other arrays are
 * leaves (e.g. `model.hidden`).
 */
export function flattenConfig(config: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (v: unknown, path: string) => {
    if (isPlainObject(v)) {
      const entries = Object.entries(v);
      if (entries.length === 0 && path) out.set(path, v);
      for (const [k, x] of entries) walk(x, path ? `${path}.${k}` : k);
    } else out.set(path, v);
  };
  for (const [k, v] of Object.entries(config)) {
    if (k === 'methods' && Array.isArray(v) && v.every((m) => isPlainObject(m) && typeof m.name === 'string')) {
      const seen = new Map<string, number>();
      for (const m of v as Record<string, unknown>[]) {
        const n = m.name as string;
        const times = seen.get(n) ?? 0;
        seen.set(n, times + 1);
        const key = times ? `methods.${n}#${times + 1}` : `methods.${n}`;
        const { name: _name, ...options } = m;
        if (Object.keys(options).length === 0) out.set(key, {});
        else walk(options, key);
      }
    } else walk(v, k);
  }
  return out;
}

/** The method names of a config, in order (`methods[].name`). */
export function methodNames(config: Record<string, unknown>): string[] {
  const m = config.methods;
  if (!Array.isArray(m)) return [];
  return m.map((x) => (isPlainObject(x) && typeof x.name === 'string' ? x.name : '?'));
}

/** A config value as a short string: numbers compact (1e-4, 0.003), strings bare, the rest as JSON. */
export function formatValue(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return v;
  if (v === undefined) return '—';
  return JSON.stringify(v);
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)) return v.toExponential().replace(/\.?0+e/, 'e').replace('e+', 'e');
  return String(Number(v.toPrecision(6)));
}

/** JSON with object keys sorted, so that equal configs give equal strings. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isPlainObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
