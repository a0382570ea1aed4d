import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import { Tensor, shapeSize } from '../tensor/Tensor.js';

/**
 * Buffers kept per batch size: training at batch 1 and probing at batch 2000 each reuse their own buffers.
 * The least recently used size is released when more than `capacity` sizes are live.
 */
export class BatchCache<T> {
  private entries: { n: number; value: T }[] = [];

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
    const value = this.make(n);
    e.unshift({ n, value });
    while (e.length > this.capacity) this.release(e.pop()!.value);
    return value;
  }

  /** Release every buffer (the layer is being discarded or resized). */
  clear(): void {
    for (const { value } of this.entries) this.release(value);
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
