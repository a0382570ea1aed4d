import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import { Tensor } from '../tensor/Tensor.js';
import type { Batch } from './Benchmark.js';

/**
 * Batches in backend memory, reused per batch size: a stream writes each new batch into the same buffers
 * (valid until the next batch of that pool is taken). Keeps the `capacity` most recently used sizes.
 */
export class BatchPool {
  private readonly entries = new Map<number, Batch>();
  /** The size asked last and its batch: the common case (every training step the same size) skips the map. */
  private lastSize = -1;
  private last: Batch | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly inputShape: readonly number[],
    /** Target values per example (1 for a class index or a scalar target). */
    private readonly targetsPerExample = 1,
    private readonly capacity = 2,
  ) {}

  /**
   * The buffers of a batch of n examples, allocated on first use and reused after: what a stream writes there is
   * valid until the next `get` of the same size from this pool.
   */
  get(n: number): Batch {
    if (n === this.lastSize) return this.last!;
    const b = this.lookup(n);
    this.lastSize = n;
    this.last = b;
    return b;
  }

  private lookup(n: number): Batch {
    const hit = this.entries.get(n);
    if (hit) {
      this.entries.delete(n);
      this.entries.set(n, hit);
      return hit;
    }
    const per = this.inputShape.reduce((a, b) => a * b, 1);
    const b: Batch = { x: new Tensor(this.backend.alloc(n * per), [n, ...this.inputShape]), y: this.backend.alloc(n * this.targetsPerExample) };
    this.entries.set(n, b);
    if (this.entries.size > this.capacity) {
      const [oldest, old] = this.entries.entries().next().value as [number, Batch];
      this.entries.delete(oldest);
      this.free(old);
    }
    return b;
  }

  /** Give every buffer back to the backend. */
  clear(): void {
    for (const b of this.entries.values()) this.free(b);
    this.entries.clear();
    this.lastSize = -1;
    this.last = null;
  }

  private free(b: Batch): void {
    this.backend.free(b.x.data);
    this.backend.free(b.y as FloatArray);
  }
}

/** The pools of one stream: training batches, evaluation batches, probe batches and seen-data batches never share buffers. */
export interface StreamPools {
  readonly train: BatchPool;
  readonly eval: BatchPool;
  readonly probe: BatchPool;
  readonly seen: BatchPool;
}

/**
 * Makes the four pools of one stream (train, eval, probe, seen) for examples of `inputShape` with `targetsPerExample`
 * targets each; the probe pool keeps one size only.
 */
export function streamPools(backend: Backend, inputShape: readonly number[], targetsPerExample = 1): StreamPools {
  return {
    train: new BatchPool(backend, inputShape, targetsPerExample),
    eval: new BatchPool(backend, inputShape, targetsPerExample),
    probe: new BatchPool(backend, inputShape, targetsPerExample, 1),
    seen: new BatchPool(backend, inputShape, targetsPerExample),
  };
}
