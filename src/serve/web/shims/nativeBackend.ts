// Browser stand-in for src/backend/native/nativeBackend.ts: no addon in a browser.
import type { Backend } from '../../../backend/Backend.js';

/** No LAPACK in the browser: null, as without the addon (the diagnostics then use their own solver). */
export function symmetricEigenvalues(_a: Float64Array, _n: number): Float64Array | null {
  return null;
}

/** Never: there is no addon in a browser. */
export function nativeAvailable(): boolean {
  return false;
}

/** Throws: there is no addon in a browser. */
export function createNativeBackend(): Backend {
  throw new Error('the native backend is not available in the browser');
}
