/**
 * `--set key=value` pairs. Values are JSON when they parse as JSON (numbers, booleans, arrays, objects,
 * null), else plain strings: `--set lr=0.01`, `--set model.hidden=[2000,2000]`, `--set utility=adaptable`.
 */
export type Settings = Record<string, unknown>;

export function parseSetting(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`--set ${text}: expected key=value (for example --set tasks=3 or --set method.rate=1e-4)`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  if (!/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(key)) throw new Error(`--set ${text}: '${key}' is not a key (letters, digits, '-', '_', separated by dots)`);
  return [key, parseValue(raw)];
}

export function parseValue(raw: string): unknown {
  if (raw === '') return '';
  try {
    return JSON.parse(raw);
  } catch {
    // 1e-4 and friends are JSON already; anything else is a string.
    return raw;
  }
}

/** Set a dotted path in a nested object, creating objects on the way. */
export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = target;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = cur[k];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}
