import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoBackend, availableBackends, getBackend } from './selectBackend.js';

test("autoBackend follows the measured order: native, then wasm, then ts; never ts64", () => {
  assert.equal(autoBackend(['native', 'wasm', 'ts', 'ts64']), 'native');
  assert.equal(autoBackend(['ts', 'ts64', 'wasm']), 'wasm');
  assert.equal(autoBackend(['ts64', 'ts']), 'ts');
  assert.throws(() => autoBackend(['ts64']), /no backend among ts64 can serve 'auto'; allowed: native, wasm, ts/);
});

test("getBackend('auto') is autoBackend's pick among the backends that load here", () => {
  assert.equal(getBackend('auto').name, autoBackend(availableBackends()));
  assert.throws(() => getBackend('gpu'), /backend: 'gpu' is not a backend; allowed: auto, ts, ts64, wasm, native/);
});
