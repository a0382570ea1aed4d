// Browser stand-in for src/backend/wasm/kernels.ts (swapped in by scripts/build-web.mjs): the worker fetches and
// compiles kernels.wasm itself and hands the module over here; nothing reads the file system.
import type { Kernels } from '../../../backend/wasm/kernels.js';

export type { Kernels };

/** Where the worker fetched the kernels from (for error messages). */
export let wasmPath = 'kernels.wasm';
let compiled: WebAssembly.Module | null = null;

/** Hands over the compiled kernels (the worker fetches kernels.wasm beside itself). */
export function setKernelModule(module: WebAssembly.Module, from: string): void {
  compiled = module;
  wasmPath = from;
}

/** Whether a module was handed over. */
export function wasmAvailable(): boolean {
  return compiled !== null;
}

/** The module handed over by setKernelModule. */
export function kernelModule(): WebAssembly.Module {
  if (!compiled) throw new Error('wasm backend: kernels.wasm was not loaded (setKernelModule first)');
  return compiled;
}

/** Instantiates the kernels on a memory, as src/backend/wasm/kernels.ts does. */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => {
        throw new Error('wasm kernel aborted');
      },
    },
  });
  return instance.exports as unknown as Kernels;
}

/** The browser worker loads the plain SIMD build (kernels.wasm), never the FMA one. */
export function kernelsUseFma(): boolean {
  return false;
}
