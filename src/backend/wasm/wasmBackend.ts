import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../Backend.js';
import { createTsBackend } from '../ts/tsBackend.js';
import { checkLength } from '../checks.js';
import { WasmMemory } from './WasmMemory.js';

/** Where `npm run build` writes the compiled kernels. */
export const wasmPath = fileURLToPath(new URL('../../../wasm/kernels.wasm', import.meta.url));

interface Kernels {
  fill(y: number, n: number, value: number): void;
  axpy(n: number, alpha: number, x: number, y: number): void;
  [name: string]: unknown;
}

/** Is the compiled module present? */
export function wasmAvailable(): boolean {
  return existsSync(wasmPath);
}

/**
 * The default backend: AssemblyScript kernels compiled to WebAssembly with SIMD, on a shared memory.
 * Kernels not yet ported to WASM run the reference loops on the same memory (they are correct, only slower).
 */
export function createWasmBackend(): Backend & { readonly memory: WasmMemory } {
  if (!wasmAvailable()) throw new Error(`wasm backend: ${wasmPath} is missing; run \`npm run build\``);
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const mem = new WasmMemory(4096, 65536, 0);
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory: mem.memory,
      abort: () => {
        throw new Error('wasm kernel aborted');
      },
    },
  });
  const k = instance.exports as unknown as Kernels;
  const ts = createTsBackend(32);
  const p = (a: Float32Array | Float64Array) => mem.ptr(a);
  return {
    ...ts,
    name: 'wasm',
    description: 'WebAssembly SIMD (AssemblyScript)',
    memory: mem,
    alloc: (n) => mem.alloc(n),
    free: (a) => mem.free(a),
    fill(y, value) {
      k.fill(p(y), y.length, value);
    },
    axpy(alpha, x, y) {
      checkLength('axpy', 'y', y, x.length);
      k.axpy(x.length, alpha, p(x), p(y));
    },
  };
}
