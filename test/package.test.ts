// What `npm pack` ships: no test files, and every source map points at a source that ships with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('npm pack ships no test files, and each source map points at shipped sources', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = new Set((JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
  assert.ok(files.has('dist/src/index.js') && files.has('dist/wasm/kernels.wasm') && files.has('data/sklearn-digits/digits.csv.gz'), 'the runtime files ship');
  const tests = [...files].filter((f) => /\.test\.|(^|\/)test\//.test(f));
  assert.deepEqual(tests, [], 'test files ship');
  const maps = [...files].filter((f) => f.endsWith('.map'));
  assert.ok(maps.length > 50, 'source maps ship');
  const missing: string[] = [];
  for (const m of maps) {
    const { sources } = JSON.parse(readFileSync(join(root, m), 'utf8')) as { sources: string[] };
    for (const s of sources) {
      const path = normalize(join(dirname(m), s));
      if (!files.has(path)) missing.push(`${m} -> ${path}`);
    }
  }
  assert.deepEqual(missing, [], 'source maps point at sources that do not ship');
});
