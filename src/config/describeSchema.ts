import { z } from 'zod';
import { unwrap } from './parseConfig.js';

/** One option of a config schema, for help text, `supple list` and docs. */
export interface OptionDoc {
  readonly key: string;
  /** e.g. 'number >= 0', '"contribution" | "adaptable"', 'boolean', 'number[]'. */
  readonly type: string;
  readonly default: unknown;
  readonly doc: string;
}

/** The options of an object schema (nested objects are listed with dotted keys). */
export function describeSchema(schema: z.ZodType, prefix = ''): OptionDoc[] {
  const obj = unwrap(schema);
  if (!(obj instanceof z.ZodObject)) return [];
  const out: OptionDoc[] = [];
  for (const [key, field] of Object.entries(obj.shape as Record<string, z.ZodType>)) {
    const inner = unwrap(field);
    const doc = field.description ?? inner?.description ?? '';
    if (inner instanceof z.ZodObject && Object.keys(inner.shape).length > 0) {
      out.push(...describeSchema(inner, `${prefix}${key}.`));
      continue;
    }
    out.push({ key: prefix + key, type: typeName(inner), default: defaultOf(field), doc });
  }
  return out;
}

function defaultOf(field: z.ZodType): unknown {
  let cur: z.ZodType | undefined = field;
  while (cur) {
    if (cur instanceof z.ZodDefault) {
      const d = (cur.def as { defaultValue: unknown }).defaultValue;
      return typeof d === 'function' ? (d as () => unknown)() : d;
    }
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) cur = (cur as unknown as { unwrap(): z.ZodType }).unwrap();
    else return undefined;
  }
  return undefined;
}

function typeName(s: z.ZodType | undefined): string {
  if (!s) return 'unknown';
  if (s instanceof z.ZodEnum) return (s.options as unknown[]).map((o) => JSON.stringify(o)).join(' | ');
  if (s instanceof z.ZodLiteral) return JSON.stringify((s.def as { values: unknown[] }).values[0]);
  if (s instanceof z.ZodBoolean) return 'boolean';
  if (s instanceof z.ZodString) return 'string';
  if (s instanceof z.ZodNumber) {
    const parts: string[] = [s.isInt ? 'integer' : 'number'];
    for (const c of (s.def.checks ?? []) as Array<{ _zod: { def: { check: string; value?: number; inclusive?: boolean } } }>) {
      const d = c._zod.def;
      if (d.check === 'greater_than') parts.push(`${d.inclusive ? '>=' : '>'} ${d.value}`);
      if (d.check === 'less_than') parts.push(`${d.inclusive ? '<=' : '<'} ${d.value}`);
    }
    return parts.join(' ');
  }
  if (s instanceof z.ZodArray) return `${typeName(unwrap(s.element as z.ZodType))}[]`;
  if (s instanceof z.ZodUnion) return (s.options as z.ZodType[]).map((o) => typeName(unwrap(o))).join(' | ');
  if (s instanceof z.ZodObject) {
    const kind = unwrap((s.shape as Record<string, z.ZodType>).kind);
    return kind instanceof z.ZodLiteral ? `{kind: ${typeName(kind)}, ...}` : 'object';
  }
  return s.def.type;
}

/** Render option docs as aligned text lines. */
export function formatOptions(docs: readonly OptionDoc[], indent = '  '): string {
  if (docs.length === 0) return `${indent}(no options)`;
  const w = Math.min(28, Math.max(...docs.map((d) => d.key.length)));
  return docs
    .map((d) => {
      const dflt = d.default === undefined ? '' : ` (default ${JSON.stringify(d.default)})`;
      return `${indent}${d.key.padEnd(w)}  ${d.type}${dflt}${d.doc ? `\n${indent}${' '.repeat(w)}  ${d.doc}` : ''}`;
    })
    .join('\n');
}
