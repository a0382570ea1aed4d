import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeStaleTemporaries, temporaryOf, writeFileAtomic } from './atomicWrite.js';
import { scratchDir } from '../../test/helpers/scratchDir.js';

const tmp = () => scratchDir('supple-atomic-');
const full = '/dev/full';

test('a write that fails half way (ENOSPC) removes its temporary and names the path', { skip: existsSync(full) ? false : 'no /dev/full on this system' }, () => {
  const dir = tmp();
  const path = join(dir, 'state.ckpt');
  writeFileSync(path, 'old');
  // The temporary is a link to /dev/full: every write to it fails with ENOSPC, as on a full disk.
  symlinkSync(full, temporaryOf(path));
  assert.throws(() => writeFileAtomic(path, Buffer.alloc(1 << 16)), (e: Error) => {
    assert.match(e.message, new RegExp(`cannot write ${temporaryOf(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no space left on the device \\(ENOSPC\\)`));
    return true;
  });
  assert.deepEqual(readdirSync(dir), ['state.ckpt'], 'the temporary is gone');
  assert.equal(readFileSync(path, 'utf8'), 'old', 'the old contents stay');
});

test('temporaries of writers that died are removed at start; those of live processes are kept', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'config.json.tmp-999999999'), 'x'); // no such process
  writeFileSync(join(dir, `summary.json.tmp-${process.ppid}`), 'x'); // alive
  writeFileSync(join(dir, 'metrics.jsonl'), 'x');
  assert.deepEqual(removeStaleTemporaries(dir), [join(dir, 'config.json.tmp-999999999')]);
  assert.deepEqual(readdirSync(dir).sort(), ['metrics.jsonl', `summary.json.tmp-${process.ppid}`]);
});
