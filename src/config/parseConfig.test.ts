import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { parseConfig, ConfigError } from './parseConfig.js';

const schema = z.strictObject({
  rho: z.number().min(0).max(1).default(1e-4).describe('replacement rate'),
  utility: z.enum(['contribution', 'adaptable']).default('contribution').describe('utility'),
});

test('defaults fill in', () => {
  assert.deepEqual(parseConfig(schema, {}, 'method cbp'), { rho: 1e-4, utility: 'contribution' });
});

test('errors name the key, the value and what is allowed', () => {
  assert.throws(
    () => parseConfig(schema, { rho: 2, utility: 'x', rate: 1 }, 'method cbp'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const m = e.message;
      assert.match(m, /method cbp/);
      assert.match(m, /rho = 2 is not allowed: must be <= 1/);
      assert.match(m, /utility = "x" is not allowed: allowed: "contribution", "adaptable"/);
      assert.match(m, /'rate' is not an option; known keys: rho, utility/);
      return true;
    },
  );
});
