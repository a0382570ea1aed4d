import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import { Tensor, shapeSize } from '../tensor/Tensor.js';

interface Entry<T> {
  n: number;
  value: T;
  /** A view into a larger batch size's buffers (owns nothing), or null when it owns its buffers. */
  parent: Entry<T> | null;
}

/**
 * The buffers of batch size `n` as prefixes of those of a larger size `big`, when every array in `value` is
 * proportional to the batch size (a Tensor [big, ...] or an array of big * k values); else null.
 */
function viewOf<T>(value: T, big: number, n: number): T | null {
  if (value instanceof Tensor) {
    if (value.shape[0] !== big) return null;
    return new Tensor(value.data.subarray(0, (value.data.length / big) * n) as FloatArray, [n, ...value.shape.slice(1)]) as T;
  }
  if (ArrayBuffer.isView(value)) {
    const a = value as unknown as FloatArray;
    return a.length % big === 0 ? (a.subarray(0, (a.length / big) * n) as T) : null;
  }
  if (value === null || typeof value !== 'object') return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const w = viewOf(v, big, n);
    if (w === null) return null;
    out[k] = w;
  }
  return out as T;
}

/**
 * Buffers kept per batch size: training at batch 1 and probing at batch 2000 each reuse their own buffers.
 * A size smaller than one held gets views into that one's buffers instead of its own (the last partial batch
 * of an epoch, evaluation remainders): a conv net's buffers are GBs, and one set serves every smaller batch.
 * Layers use their buffers within a forward/backward pass only, so the sizes never need them at once.
 * The least recently used size is released when more than `capacity` sizes own buffers.
 */
export class BatchCache<T> {
  private entries: Entry<T>[] = [];

  constructor(
    private readonly make: (n: number) => T,
    private readonly release: (value: T) => void,
    private readonly capacity = 3,
  ) {}

  get(n: number): T {
    const e = this.entries;
    if (e.length > 0 && e[0]!.n === n) return e[0]!.value;
    for (let i = 1; i < e.length; i++) {
      if (e[i]!.n === n) {
        const hit = e[i]!;
        e.splice(i, 1);
        e.unshift(hit);
        return hit.value;
      }
    }
    return this.miss(n);
  }

  // Apart from get: its closures capture n, and a function whose parameter a closure captures allocates a context
  // on every call, hits included (most of a step's garbage on the mini-batch paths).
  private miss(n: number): T {
    const e = this.entries;
    const big = e.reduce<Entry<T> | null>((m, x) => (x.parent === null && x.n > n && (!m || x.n < m.n) ? x : m), null);
    const view = big ? viewOf(big.value, big.n, n) : null;
    if (big && view !== null) {
      e.unshift({ n, value: view, parent: big });
      // Views cost nothing to remake: keep a few.
      const views = e.filter((x) => x.parent !== null);
      if (views.length > 4) e.splice(e.lastIndexOf(views[views.length - 1]!), 1);
      return view;
    }
    const value = this.make(n);
    e.unshift({ n, value, parent: null });
    for (;;) {
      const owners = e.filter((x) => x.parent === null);
      if (owners.length <= this.capacity) break;
      const victim = owners[owners.length - 1]!;
      // Views into the released buffers go with them.
      this.entries = e.filter((x) => x !== victim && x.parent !== victim);
      this.release(victim.value);
      return value;
    }
    return value;
  }

  /** Release every buffer (the layer is being discarded or resized). */
  clear(): void {
    for (const { value, parent } of this.entries) if (parent === null) this.release(value);
    this.entries = [];
  }
}

/**
 * The usual buffers of a layer, per batch size n: a Tensor [n, ...shape] for each named per-example shape,
 * and a plain array of n * size values for each named size (argmax indices, masks, row statistics).
 */
export function batchBuffers<T extends Record<string, readonly number[]>>(backend: Backend, tensors: T): BatchCache<{ [K in keyof T]: Tensor }>;
export function batchBuffers<T extends Record<string, readonly number[]>, A extends Record<string, number>>(
  backend: Backend,
  tensors: T,
  arrays: A,
): BatchCache<{ [K in keyof T]: Tensor } & { [K in keyof A]: FloatArray }>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the overloads above give the precise types
// biome-ignore lint/suspicious/noExplicitAny: buffers of several kinds (tensors and arrays) by name
export function batchBuffers(backend: Backend, tensors: Record<string, readonly number[]>, arrays?: Record<string, number>): BatchCache<any> {
  type Out = Record<string, Tensor | FloatArray>;
  return new BatchCache<Out>(
    (n) => {
      const out: Record<string, Tensor | FloatArray> = {};
      for (const [name, shape] of Object.entries(tensors)) out[name] = new Tensor(backend.alloc(n * shapeSize(shape)), [n, ...shape]);
      for (const [name, size] of Object.entries(arrays ?? {})) out[name] = backend.alloc(n * size);
      return out as Out;
    },
    (b) => {
      for (const v of Object.values(b as Record<string, Tensor | FloatArray>)) backend.free(v instanceof Tensor ? v.data : v);
    },
  );
}
