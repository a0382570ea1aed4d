import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instantiateKernels, kernelModule, wasmAvailable } from './kernels.js';

// Workers instantiate the module on the live shared memory: instantiation must not write to it (no data
// segment, no start function touching memory), and the kernels must keep no state in memory.

test('instantiating the kernels writes nothing to the shared memory', { skip: !wasmAvailable() }, () => {
  const memory = new WebAssembly.Memory({ initial: 32, maximum: 65536, shared: true });
  const bytes = new Uint8Array(memory.buffer);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 255;
  const k = instantiateKernels(kernelModule(), memory);
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== ((i * 131 + 7) & 255)) assert.fail(`byte ${i} changed on instantiation`);
  assert.ok(k.heapBase() <= 1024, 'the module has static data');
});

test('the module imports only its memory and abort, and exports only functions', { skip: !wasmAvailable() }, () => {
  const module = kernelModule();
  const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`).sort();
  assert.ok(imports.every((i) => i === 'env.memory:memory' || i === 'env.abort:function'), imports.join(', '));
  assert.ok(WebAssembly.Module.exports(module).every((e) => e.kind === 'function' || e.name === 'memory'));
});
