import type { Backend } from '../Backend.js';

/** Is the OpenBLAS addon built and loadable? */
export function nativeAvailable(): boolean {
  return false;
}

export function createNativeBackend(): Backend {
  throw new Error('native backend: the OpenBLAS addon is not built (install libopenblas-dev, then `npm run build:native`)');
}
