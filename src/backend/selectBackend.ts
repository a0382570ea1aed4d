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
 * The backend for a choice: a name, or 'auto' (the fastest available: native, then wasm, then ts).
 * Without an argument, SUPPLE_BACKEND decides, else 'auto'. One instance per name per process.
 */
export function getBackend(choice: string = process.env.SUPPLE_BACKEND || 'auto'): Backend {
  if (!(backendChoices as readonly string[]).includes(choice)) {
    throw new Error(`backend: '${choice}' is not a backend; allowed: ${backendChoices.join(', ')}`);
  }
  const name: BackendName = choice === 'auto' ? availableBackends()[0]! : (choice as BackendName);
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
