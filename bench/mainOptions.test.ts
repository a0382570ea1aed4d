import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), 'main.js');
const bench = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 30_000 });

// A mistyped option used to be ignored, so `--help` started the whole 19-minute bench and rewrote bench/results.json.
test('bench: --help prints the options and runs nothing', () => {
  const r = bench('--help');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /--sections engine,methods/);
  assert.doesNotMatch(r.stdout, /steps per second/);
});

test('bench: an unknown option or a missing value is an error naming it, before anything runs', () => {
  const unknown = bench('--sectons', 'engine');
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /'--sectons' is not an option; options: --sections/);
  const missing = bench('--only');
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /--only: needs a value/);
});
