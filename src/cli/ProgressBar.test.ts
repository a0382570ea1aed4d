import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressBar } from './ProgressBar.js';

test('the progress bar draws on a terminal that reports 0 or no columns', () => {
  for (const columns of [0, undefined, 1, 40]) {
    const written: string[] = [];
    const out = { columns, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const bar = new ProgressBar(out, true);
    bar.update({ task: 0, numTasks: 2, taskLabel: 't', epoch: 0, step: 64, examples: 64, totalExamples: 128, seconds: 1, onlineAccuracy: 0.5, onlineLoss: 1, latest: {} });
    bar.clear();
    assert.ok(written.length >= 2, `columns ${columns}`);
    assert.ok(written.every((s) => s.length <= 121));
  }
});
