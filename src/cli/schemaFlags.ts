import type { z } from 'zod';
import { describeSchema } from '../config/describeSchema.js';
import { parseValue } from '../experiment/settings.js';

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Command-line flags generated from a config schema: `--bin-tasks 10` for `binTasks`, `--png`/`--no-png`
 * for booleans. Returns the options for util.parseArgs, a reader that turns parsed values back into config
 * keys, and help text.
 */
export function schemaFlags(schema: z.ZodType) {
  const docs = describeSchema(schema);
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const d of docs) {
    const flag = kebab(d.key);
    if (d.type === 'boolean') {
      options[flag] = { type: 'boolean' };
      options[`no-${flag}`] = { type: 'boolean' };
    } else options[flag] = { type: 'string' };
  }
  const read = (values: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const d of docs) {
      const flag = kebab(d.key);
      if (d.type === 'boolean') {
        if (values[flag]) out[d.key] = true;
        if (values[`no-${flag}`]) out[d.key] = false;
      } else if (values[flag] !== undefined) out[d.key] = d.type === 'string' ? values[flag] : parseValue(String(values[flag]));
    }
    return out;
  };
  const help = docs
    .map((d) => {
      const flag = d.type === 'boolean' ? `--${kebab(d.key)} / --no-${kebab(d.key)}` : `--${kebab(d.key)} <${d.type}>`;
      return `  ${flag.padEnd(30)} ${d.doc} (default ${JSON.stringify(d.default)})`;
    })
    .join('\n');
  return { options, read, help };
}
