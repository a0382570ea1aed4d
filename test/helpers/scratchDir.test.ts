import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const helper = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'scratchDir.js')).href;

/** Runs `body` in a fresh Node process with scratchDir imported; returns the folders it printed, one per line. */
function foldersOf(body: string, env: Record<string, string> = {}): { dirs: string[]; status: number | null } {
  const script = `import { writeFileSync } from 'node:fs'; import { scratchDir, removeScratchDir } from '${helper}'; ${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, SUPPLE_KEEP_SCRATCH: '', ...env } });
  return { dirs: r.stdout.trim().split('\n').filter(Boolean), status: r.status };
}

test('scratch folders (with files in them) are gone when the process ends, also when it ends with an error', () => {
  for (const end of ['', 'process.exitCode = 1;', 'throw new Error("a failing test file");']) {
    const { dirs } = foldersOf(`for (const p of ['a-', 'b-']) { const d = scratchDir(p); writeFileSync(d + '/f', 'x'); console.log(d); } ${end}`);
    assert.equal(dirs.length, 2);
    for (const d of dirs) assert.equal(existsSync(d), false, `${d} left behind (${end || 'normal exit'})`);
  }
});

test('removeScratchDir frees a folder at once', () => {
  const { dirs, status } = foldersOf(`const d = scratchDir('c-'); removeScratchDir(d); console.log(d); console.log(String(await import('node:fs').then((fs) => fs.existsSync(d))));`);
  assert.equal(status, 0);
  assert.equal(dirs[1], 'false');
});

test('SUPPLE_KEEP_SCRATCH=1 keeps every scratch folder, also one removed explicitly', () => {
  const { dirs } = foldersOf(`const a = scratchDir('k-'); const b = scratchDir('k-'); removeScratchDir(b); console.log(a); console.log(b);`, { SUPPLE_KEEP_SCRATCH: '1' });
  assert.equal(dirs.length, 2);
  for (const d of dirs) {
    assert.equal(existsSync(d), true, `${d} was removed`);
    rmSync(d, { recursive: true, force: true });
  }
});
