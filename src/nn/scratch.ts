import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';

interface Slot {
  buf: FloatArray;
  /** Views of `buf` by length: handed out again without allocating a view per call. */
  views: Map<number, FloatArray>;
}

const pools = new WeakMap<Backend, Map<string, Slot>>();

/**
 * A scratch array of `n` values shared by every layer on `backend`, for buffers that live only during one
 * call (a convolution's transposed output, its column gradients): one buffer per `name` of the largest size
 * asked for, instead of one per layer and batch size. The contents are garbage on entry; a caller must not
 * keep the array past its call, nor ask for the same name twice within it.
 */
export function scratch(backend: Backend, name: string, n: number): FloatArray {
  let pool = pools.get(backend);
  if (!pool) pools.set(backend, (pool = new Map()));
  let slot = pool.get(name);
  if (!slot || slot.buf.length < n) {
    if (slot) backend.free(slot.buf);
    slot = { buf: backend.alloc(Math.max(n, slot ? Math.min(2 * slot.buf.length, n * 2) : n)), views: new Map() };
    pool.set(name, slot);
  }
  let v = slot.views.get(n);
  if (!v) slot.views.set(n, (v = slot.buf.subarray(0, n) as FloatArray));
  return v;
}
