import type { Backend, BackendChoice, BackendName } from './Backend.js';
import { createTsBackend } from './ts/tsBackend.js';
import { createWasmBackend, wasmAvailable } from './wasm/wasmBackend.js';
import { createNativeBackend, nativeAvailable } from './native/nativeBackend.js';

/**
 * Every backend name `getBackend` accepts besides 'auto', whether or not it loads on this machine (see
 * `availableBackends`).
 */
export const backendNames: readonly BackendName[] = ['ts', 'ts64', 'wasm', 'native'];
export const backendChoices: readonly BackendChoice[] = ['auto', ...backendNames];

const instances = new Map<BackendName, Backend>();

/** Which backends load on this machine, fastest first. */
export function availableBackends(): BackendName[] {
  const out: BackendName[] = [];
  if (nativeAvailable()) out.push('native');
  if (wasmAvailable()) out.push('wasm');
  out.push('ts', 'ts64');
  return out;
}

/**
 * What 'auto' picks among the backends that load: native, else wasm, else ts (never ts64, the float64 oracle).
 *
 * Measured rule (bench/crossover.ts: the 784-W-W-W-10 MLP trained by wasm and native in alternating blocks in one
 * process, median of 5 per-round ratios; 2-core EPYC, OpenBLAS 0.3.21, busy machine, 2026-12-06): native / wasm at
 * 1 BLAS thread was 1.57x, 2.37x, 1.36x at width 100 (batch 1, 16, 256), 3.29x, 2.21x, 2.77x at width 1000,
 * 1.69x, 1.81x, 1.94x at width 2000: native wins every shape, so there is no crossover to follow. Choosing
 * per layer shape needs no second backend either: native is wasm's kernels and memory with gemm (from 8192
 * multiply-adds), vector shapes (from 65536) and one example's dense layers (from 4096 weights) sent to the addon,
 * without copies, so a model on native already runs its small batch-1 layers in wasm and its large products in
 * BLAS. What the same run did show is that native's 2 BLAS threads can lose to wasm when the cores are busy
 * (0.51x-0.89x at width 1000-2000, batch 1 and 16; 0.68x at width 100 batch 256) while winning at batch 256 from
 * width 1000 (2.34x, 2.32x); SUPPLE_THREADS=1 is the setting for a shared machine.
 */
export function autoBackend(available: readonly BackendName[]): BackendName {
  for (const name of ['native', 'wasm', 'ts'] as const) if (available.includes(name)) return name;
  throw new Error(`backend: no backend among ${available.join(', ') || 'none'} can serve 'auto'; allowed: native, wasm, ts`);
}

/**
 * The backend for a choice: a name, or 'auto' (the fastest available: native, then wasm, then ts; see autoBackend).
 * Without an argument, SUPPLE_BACKEND decides, else 'auto'. One instance per name per process.
 */
export function getBackend(choice: string = process.env.SUPPLE_BACKEND || 'auto'): Backend {
  if (!(backendChoices as readonly string[]).includes(choice)) {
    throw new Error(`backend: '${choice}' is not a backend; allowed: ${backendChoices.join(', ')}`);
  }
  const name: BackendName = choice === 'auto' ? autoBackend(availableBackends()) : (choice as BackendName);
  let b = instances.get(name);
  if (!b) {
    b = create(name);
    instances.set(name, b);
  }
  return b;
}

function create(name: BackendName): Backend {
  switch (name) {
    case 'ts':
      return createTsBackend(32);
    case 'ts64':
      return createTsBackend(64);
    case 'wasm':
      return createWasmBackend();
    case 'native':
      return createNativeBackend();
  }
}
