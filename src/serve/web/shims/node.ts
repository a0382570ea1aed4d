// Browser stand-ins for the few Node built-ins that engine modules touch at load time (scripts/build-web.mjs
// points node:os, node:worker_threads, node:zlib ... here). Nothing here runs in the playground's code paths:
// the wasm backend runs with one thread, and the digits arrive decompressed.

/** node:os: one thread (the playground runs one model per Web Worker). */
export function availableParallelism(): number {
  return 1;
}

/** node:worker_threads: never constructed (threads: 1). */
export class Worker {
  constructor() {
    throw new Error('worker threads are not available in the browser build');
  }
}

/** node:zlib: the page decompresses with DecompressionStream before parsing. */
export function gunzipSync(): never {
  throw new Error('gunzipSync is not available in the browser build: decompress first');
}
