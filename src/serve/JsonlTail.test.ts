import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonlTail } from './JsonlTail.js';
import { removeScratchDir, scratchDir } from '../../test/helpers/scratchDir.js';

test('JsonlTail reads only what was appended, holds back a line without its newline, and restarts when the file shrinks', async (t) => {
  const d = scratchDir('supple-tail-');
  t.after(() => removeScratchDir(d));
  const f = join(d, 'metrics.jsonl');
  const tail = new JsonlTail(f);
  assert.deepEqual(await tail.read(), { reset: false, values: [], bad: 0 }, 'a missing file reads as nothing');

  writeFileSync(f, '{"step":1,"task":0}\n{"step":2,');
  assert.deepEqual((await tail.read()).values, [{ step: 1, task: 0 }]);
  assert.equal(tail.pendingBytes, '{"step":2,'.length, 'the unfinished line is held back');
  assert.equal(tail.position, 30);

  appendFileSync(f, '"task":0}\nnot json\n{"step":3,"task":1,"k":"\u00e9');
  const r = await tail.read();
  assert.deepEqual(r.values, [{ step: 2, task: 0 }], 'the held line completes; the new partial one waits');
  assert.equal(r.bad, 1);
  // A multi-byte character split between two writes decodes whole.
  appendFileSync(f, '\u00e9"}\n');
  assert.deepEqual((await tail.read()).values, [{ step: 3, task: 1, k: '\u00e9\u00e9' }]);
  assert.deepEqual(await tail.read(), { reset: false, values: [], bad: 0 }, 'nothing new: nothing read');

  truncateSync(f, 20); // back to the first line, as --resume cuts a run back to its checkpoint
  const again = await tail.read();
  assert.equal(again.reset, true);
  assert.deepEqual(again.values, [{ step: 1, task: 0 }]);
});

test('JsonlTail serializes concurrent reads: every line is delivered once', async (t) => {
  const d = scratchDir('supple-tail-');
  t.after(() => removeScratchDir(d));
  const f = join(d, 'm.jsonl');
  writeFileSync(f, '');
  const tail = new JsonlTail(f);
  const reads: Promise<{ values: readonly unknown[] }>[] = [];
  for (let i = 0; i < 50; i++) {
    appendFileSync(f, `{"step":${i},"task":0}\n`);
    reads.push(tail.read());
  }
  const steps = (await Promise.all(reads)).flatMap((r) => r.values.map((v) => (v as { step: number }).step));
  assert.deepEqual(steps, Array.from({ length: 50 }, (_, i) => i));
});
