import { z } from 'zod';

/**
 * Validate a config object against its schema (defaults filled in) or throw one error that names, for each
 * problem, the key, the value given and what is allowed. `where` says whose config it is
 * ("method cbp", "benchmark permuted-mnist").
 */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  throw new ConfigError(where, formatIssues(r.error.issues, value, schema));
}

/**
 * Thrown by {@link parseConfig} when a config does not validate: `where` names whose config it is, `problems` holds
 * one line per problem (key, value given, what is allowed).
 */
export class ConfigError extends Error {
  constructor(
    readonly where: string,
    readonly problems: string[],
  ) {
    super(`${where}: ${problems.length === 1 ? problems[0] : `\n  - ${problems.join('\n  - ')}`}`);
    this.name = 'ConfigError';
  }
}

/**
 * A wrapper that runs a validation step and, when it throws, adds its problems to `problems` (a ConfigError's
 * lines prefixed by whose config it is) and returns undefined: so that one error can list every problem at once.
 */
export function collectProblems(problems: string[]): <T>(f: () => T) => T | undefined {
  return (f) => {
    try {
      return f();
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems.map((p) => `${e.where}: ${p}`));
      else problems.push((e as Error).message);
      return undefined;
    }
  };
}

function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown, schema: z.ZodType): string[] {
  return issues.map((i) => {
    const key = i.path.join('.');
    if (i.code === 'unrecognized_keys') {
      const known = knownKeys(schema, i.path);
      const at = key ? `${key}.` : '';
      return `${i.keys.map((k) => `'${at}${k}'`).join(', ')} ${i.keys.length === 1 ? 'is not an option' : 'are not options'}; known keys: ${known.join(', ') || '(none)'}`;
    }
    const given = valueAt(input, i.path);
    const shown = given === undefined ? 'missing' : JSON.stringify(given);
    return `${key || '(config)'} = ${shown} is not allowed: ${allowed(i)}`;
  });
}

function allowed(i: z.core.$ZodIssue): string {
  switch (i.code) {
    case 'invalid_value':
      return `allowed: ${i.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_big':
      return `must be ${i.inclusive ? '<=' : '<'} ${String(i.maximum)}`;
    case 'too_small':
      return `must be ${i.inclusive ? '>=' : '>'} ${String(i.minimum)}`;
    case 'invalid_type':
      return `expected ${i.expected}`;
    default:
      return i.message;
  }
}

function valueAt(v: unknown, path: readonly PropertyKey[]): unknown {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** The keys of the object schema at a path (unwrapping defaults and optionals). */
export function knownKeys(schema: z.ZodType, path: readonly PropertyKey[] = []): string[] {
  let s: z.ZodType | undefined = unwrap(schema);
  for (const k of path) {
    if (!(s instanceof z.ZodObject)) return [];
    s = unwrap((s.shape as Record<string, z.ZodType>)[String(k)]);
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** Strip default/optional/nullable wrappers. */
export function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  let cur = s;
  while (cur && (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional || cur instanceof z.ZodNullable || cur instanceof z.ZodPrefault)) {
    cur = (cur as unknown as { unwrap(): z.ZodType }).unwrap();
  }
  return cur;
}
