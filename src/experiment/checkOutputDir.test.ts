import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkOutputDir } from './checkOutputDir.js';
import { scratchDir } from '../../test/helpers/scratchDir.js';

test('output folders: empty, root, kernel file systems and files are refused before any work', () => {
  const dir = scratchDir('supple-out-');
  assert.throws(() => checkOutputDir(''), /--out "": an empty path/);
  assert.throws(() => checkOutputDir('/'), /file-system root/);
  assert.throws(() => checkOutputDir('/proc/x'), /\/proc is a kernel file system/);
  assert.throws(() => checkOutputDir('/sys/kernel/x'), /\/sys is a kernel file system/);
  writeFileSync(join(dir, 'file'), '');
  assert.throws(() => checkOutputDir(join(dir, 'file')), /it is a file, not a folder/);
  assert.throws(() => checkOutputDir(join(dir, 'file', 'run')), /a part of the path is a file/);
  assert.equal(checkOutputDir(join(dir, 'a', 'b')), join(dir, 'a', 'b'));
  assert.ok(existsSync(join(dir, 'a', 'b')));
});

test('a read-only target says it cannot write there, naming the folder', { skip: process.getuid?.() === 0 ? 'root writes anywhere: permissions cannot be tested' : false }, () => {
  const dir = scratchDir('supple-out-');
  mkdirSync(join(dir, 'ro'));
  chmodSync(join(dir, 'ro'), 0o500);
  assert.throws(() => checkOutputDir(join(dir, 'ro', 'run')), /permission denied \(EACCES\)/);
});
