import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SliceViews } from './SliceViews.js';

test('SliceViews gives strided slices, the same arrays again for the same array and layout', () => {
  const a = Float32Array.from({ length: 12 }, (_, i) => i);
  const s = new SliceViews();
  const v = s.of(a, 3, 4, 1, 2);
  assert.deepEqual(v.map((x) => [...x]), [[1, 2], [5, 6], [9, 10]]);
  v[1]![0] = -1;
  assert.equal(a[5], -1); // views, not copies
  assert.equal(s.of(a, 3, 4, 1, 2), v);
  assert.notEqual(s.of(a, 3, 4, 0, 2), v);
  assert.deepEqual([...s.of(a, 2, 6, 0, 6)[1]!], [6, 7, 8, 9, 10, 11]);
  const b = new Float32Array(12);
  assert.equal(s.of(b, 2, 6, 0, 6)[0]!.buffer, b.buffer);
});
