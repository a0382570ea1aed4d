import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandSetArgs, isCI } from './argvHelpers.js';

test('--set takes several pairs after one flag; other words stay', () => {
  assert.deepEqual(expandSetArgs(['bench', '--set', 'a=1', 'b=2', '--seed', '3']), ['bench', '--set', 'a=1', '--set', 'b=2', '--seed', '3']);
  assert.deepEqual(expandSetArgs(['--set', 'a=1', 'b=2', 'bench']), ['--set', 'a=1', '--set', 'b=2', 'bench']);
  assert.deepEqual(expandSetArgs(['--set', 'a=1', '--set', 'b=2']), ['--set', 'a=1', '--set', 'b=2']);
  assert.deepEqual(expandSetArgs(['--label', 'x=y', 'bench']), ['--label', 'x=y', 'bench']);
  assert.deepEqual(expandSetArgs(['--set=a=1', 'b=2']), ['--set=a=1', '--set', 'b=2']);
});

test('CI=false, CI=0 and an empty CI are not CI', () => {
  for (const v of ['false', 'FALSE', '0', '', 'no']) assert.equal(isCI({ CI: v }), false, v);
  for (const v of ['true', '1', 'yes']) assert.equal(isCI({ CI: v }), true, v);
  assert.equal(isCI({}), false);
});
