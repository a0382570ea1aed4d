import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { checkpointPath, readCheckpoint, writeCheckpoint } from './checkpointFile.js';
import { scratchDir } from '../../test/helpers/scratchDir.js';

test('a checkpoint with one flipped bit anywhere is refused, naming the file; an intact one reads back', () => {
  const dir = scratchDir('supple-ckpt-');
  const tree = { step: 7, w: Float32Array.from([1, 2, 3, 4]), nested: { name: 'x' } };
  writeCheckpoint(dir, tree);
  assert.deepEqual(readCheckpoint(dir), tree);
  const good = readFileSync(checkpointPath(dir));
  for (const at of [good.length - 3, Math.floor(good.length / 2), 70]) {
    const bad = Buffer.from(good);
    bad[at]! ^= 0x10;
    writeFileSync(checkpointPath(dir), bad);
    assert.throws(() => readCheckpoint(dir), new RegExp(`${checkpointPath(dir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged`), `bit flipped at byte ${at}`);
  }
  writeFileSync(checkpointPath(dir), good.subarray(0, good.length - 10));
  assert.throws(() => readCheckpoint(dir), /is damaged/);
});
