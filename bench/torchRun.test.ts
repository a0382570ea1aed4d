import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runTorchEngine } from './torchRun.js';
import { scratchDir } from '../test/helpers/scratchDir.js';

// runTorchEngine with node standing in for Python and a script that reports the environment it was started with:
// the thread and malloc settings must reach the PyTorch process (they are read once, as its libraries load).
test('runTorchEngine starts the script with the thread setting, for retain the malloc setting, and for detected no OPENBLAS_CORETYPE in its environment', () => {
  const dir = scratchDir('supple-torchrun-');
  const script = join(dir, 'env.mjs');
  writeFileSync(
    script,
    `const e = process.env;
console.log(JSON.stringify({ workload: 'env', steps_per_s: 1, steps: 1, seconds: 1, threads: Number(process.argv.at(-1)), torch: 'none',
  omp: e.OMP_NUM_THREADS ?? null, openblas: e.OPENBLAS_NUM_THREADS ?? null, mmap: e.MALLOC_MMAP_THRESHOLD_ ?? null, trim: e.MALLOC_TRIM_THRESHOLD_ ?? null,
  core: e.OPENBLAS_CORETYPE ?? null }));`,
  );
  const saved = { mmap: process.env.MALLOC_MMAP_THRESHOLD_, trim: process.env.MALLOC_TRIM_THRESHOLD_, core: process.env.OPENBLAS_CORETYPE };
  delete process.env.MALLOC_MMAP_THRESHOLD_;
  delete process.env.MALLOC_TRIM_THRESHOLD_;
  process.env.OPENBLAS_CORETYPE = 'Haswell';
  try {
    const read = (allocator: 'default' | 'retain', core: 'set' | 'detected' = 'set') => {
      const r = runTorchEngine(process.execPath, [], 2, 30_000, script, allocator, core);
      assert.ok(!('error' in r), 'error' in r ? r.error : '');
      return (r as { lines: unknown[] }).lines[0];
    };
    const common = { workload: 'env', steps_per_s: 1, steps: 1, seconds: 1, threads: 2, torch: 'none', omp: '2', openblas: '2' };
    assert.deepEqual(read('default'), { ...common, mmap: null, trim: null, core: 'Haswell' });
    assert.deepEqual(read('retain'), { ...common, mmap: '33554432', trim: '4294967296', core: 'Haswell' });
    // 'detected': the pinned kernels are unpinned for that run only.
    assert.deepEqual(read('retain', 'detected'), { ...common, mmap: '33554432', trim: '4294967296', core: null });
    assert.equal(process.env.OPENBLAS_CORETYPE, 'Haswell');
  } finally {
    if (saved.mmap !== undefined) process.env.MALLOC_MMAP_THRESHOLD_ = saved.mmap;
    if (saved.trim !== undefined) process.env.MALLOC_TRIM_THRESHOLD_ = saved.trim;
    if (saved.core !== undefined) process.env.OPENBLAS_CORETYPE = saved.core;
    else delete process.env.OPENBLAS_CORETYPE;
  }
});
