import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { describeSchema, formatOptions } from './describeSchema.js';
import { optimizerSchema } from '../optim/optimizerConfig.js';

test('schemas describe their options: type, default, doc', () => {
  const s = z.strictObject({
    rho: z.number().min(0).max(1).default(1e-4).describe('replacement rate'),
    utility: z.enum(['contribution', 'adaptable']).default('contribution').describe('utility measure'),
    widths: z.array(z.number().int().positive()).default([100]).describe('widths'),
  });
  assert.deepEqual(describeSchema(s), [
    { key: 'rho', type: 'number >= 0 <= 1', default: 1e-4, doc: 'replacement rate' },
    { key: 'utility', type: '"contribution" | "adaptable"', default: 'contribution', doc: 'utility measure' },
    { key: 'widths', type: 'integer > 0[]', default: [100], doc: 'widths' },
  ]);
  const text = formatOptions(describeSchema(optimizerSchema));
  assert.match(text, /lr .*\(default 0.003\)/);
  assert.match(text, /"sgd" \| "adam" \| "adamw"/);
});
