#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with node:test. Arguments filter the files by substring:
// `npm test -- nn/Linear backend` runs the files whose path contains either string.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('--'));

function find(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) find(p, out);
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = find(join(root, 'dist'))
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`);
  process.exit(1);
}
const concurrency = Math.max(1, Math.min(availableParallelism(), Number(process.env.SUPPLE_TEST_CONCURRENCY) || availableParallelism()));
// Every temporary folder of the run (tests' own, and those of the CLI processes and browsers they start) lives under
// one root, removed at the end: test/helpers/scratchDir frees most as each file ends, this catches the rest.
// SUPPLE_KEEP_SCRATCH=1 keeps everything (scratchDir honours it too) and says where.
const scratch = mkdtempSync(join(tmpdir(), 'supple-test-'));
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...passthrough, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TMPDIR: scratch },
});
if (process.env.SUPPLE_KEEP_SCRATCH === '1') console.error(`kept the tests' temporary folders under ${scratch}`);
else rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
process.exit(r.status ?? 1);
