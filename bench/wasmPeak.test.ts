import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { instantiateKernels, kernelModule, wasmAvailable, wasmPath } from '../src/backend/wasm/kernels.js';
import { createWasmBackend } from '../src/backend/wasm/wasmBackend.js';
import { gemmRate, multiplyAddRate, peakKernels } from './wasmPeak.js';

const skip = wasmAvailable() ? false : 'kernels.wasm is not built (npm run build)';

test('multiplyAddPeak runs every round of all ten chains on both builds (the closed form of its sum)', { skip }, () => {
  const plain = instantiateKernels(new WebAssembly.Module(readFileSync(wasmPath)), new WebAssembly.Memory({ initial: 32, maximum: 65536, shared: true }));
  for (const k of [plain, peakKernels()]) {
    // Lane values of chain c end at c + rounds x: 4 lanes x sum over c = 0..9 of (c + 500).
    assert.equal(k.multiplyAddPeak(1000, 0.5), 4 * (45 + 10 * 500));
    assert.equal(k.multiplyAddPeak(0, 0.5), 4 * 45);
  }
  assert.ok(kernelModule());
});

test('multiplyAddRate and gemmRate read positive, finite rates', { skip }, async () => {
  const rate = multiplyAddRate(peakKernels(), 10_000, 2);
  assert.ok(Number.isFinite(rate) && rate > 0, `multiply-add rate ${rate}`);
  const backend = createWasmBackend({ threads: 1 });
  const g = gemmRate(backend, { label: 'small', transA: false, transB: true, m: 32, n: 64, k: 48 }, 2);
  assert.ok(Number.isFinite(g) && g > 0, `gemm rate ${g}`);
  await backend.close();
});
