import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const helper = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'scratchDir.js')).href;

/** Runs `body` in a fresh Node process with scratchDir imported; returns the folders it printed, one per line. */
function foldersOf(body: string): { dirs: string[]; status: number | null } {
  const script = `import { writeFileSync } from 'node:fs'; import { scratchDir, removeScratchDir } from '${helper}'; ${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
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
