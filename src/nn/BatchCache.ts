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
