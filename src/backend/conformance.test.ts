import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend, availableBackends } from './selectBackend.js';

test('the wasm axpy and fill match the reference', () => {
  if (!availableBackends().includes('wasm')) return;
  const w = getBackend('wasm');
  const x = w.alloc(7), y = w.alloc(7);
  for (let i = 0; i < 7; i++) { x[i] = i; y[i] = 1; }
  w.axpy(2, x, y);
  assert.deepEqual([...y], [1, 3, 5, 7, 9, 11, 13]);
  w.fill(y, 0.5);
  assert.deepEqual([...y], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
});
