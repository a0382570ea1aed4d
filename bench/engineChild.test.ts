import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineResult } from './engine.js';

const child = join(dirname(fileURLToPath(import.meta.url)), 'engineChild.js');
const run = (...args: string[]) => spawnSync(process.execPath, ['--expose-gc', child, ...args], { encoding: 'utf8', timeout: 60_000 });

// main.ts runs the native rows through this child at each OpenBLAS kernel setting and reads its last line.
test('engineChild prints the row of the workload and backend it was given as one JSON line', () => {
  const r = run('--workload', 'mlp-small-b1', '--backend', 'wasm', '--seconds', '0.2', '--heap-warmup-steps', '0');
  assert.equal(r.status, 0, r.stderr);
  const row = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as EngineResult;
  assert.equal(row.workload, 'mlp-small-b1');
  assert.equal(row.backend, 'wasm');
  assert.ok(row.steps > 0 && row.stepsPerSecond > 0, JSON.stringify(row));
  assert.ok(Number.isFinite(row.heapGrowthPerStep));
});

test('engineChild takes the fastest of --readings timed readings, each of a fresh network, and lists them all', () => {
  const r = run('--workload', 'mlp-small-b1', '--backend', 'wasm', '--seconds', '0.2', '--heap-warmup-steps', '0', '--readings', '3');
  assert.equal(r.status, 0, r.stderr);
  const row = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as EngineResult;
  assert.equal(row.readings.length, 3);
  assert.ok(row.readings.every((v) => v > 0), JSON.stringify(row.readings));
  assert.equal(row.stepsPerSecond, Math.max(...row.readings));
  assert.ok(Math.abs(row.steps / row.seconds - row.stepsPerSecond) < 1e-6 * row.stepsPerSecond, 'steps and seconds are the fastest reading\'s');
});

test('engineChild rejects a --readings that is not a positive integer, naming the allowed values', () => {
  const r = run('--workload', 'mlp-small-b1', '--backend', 'wasm', '--seconds', '0.2', '--readings', '0');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /readings = 0; allowed: an integer >= 1/);
});

test('engineChild names the allowed workloads when given another', () => {
  const r = run('--workload', 'mlp-tiny', '--backend', 'wasm');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--workload 'mlp-tiny' is not an engine workload; allowed: mlp-small-b1, mlp-large-b1/);
});
