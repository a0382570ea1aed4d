/**
 * The shared linear memory of the WASM backend and a simple allocator over it. Every tensor of the backend
 * is a Float32Array view into this memory, so kernels get plain pointers (the view's byteOffset) and worker
 * threads see the same data. The memory is shared, so growing it never detaches existing views.
 */
export class WasmMemory {
  readonly memory: WebAssembly.Memory;
  private top: number;
  private readonly freeLists = new Map<number, number[]>();
  private readonly live = new Map<number, number>();
  private current: SharedArrayBuffer;
  private readonly known = new Set<ArrayBufferLike>();

  static readonly PAGE = 65536;
  static readonly ALIGN = 64;

  constructor(initialPages: number, maximumPages: number, heapBase: number) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: maximumPages, shared: true });
    this.current = this.memory.buffer as unknown as SharedArrayBuffer;
    this.known.add(this.current);
    this.size = this.current.byteLength;
    this.top = align(Math.max(heapBase, 1024));
  }

  /** The memory's current size in bytes (it only grows, in place: a shared memory never moves). */
  get byteLength(): number {
    return this.size;
  }
  private size: number;

  /** Bytes handed out so far (high-water mark). */
  get used(): number {
    return this.top;
  }

  // The offset first: allocating may grow the memory and replace `current`.
  alloc(n: number): Float32Array {
    const at = this.allocRaw(n, 4);
    return new Float32Array(this.current, at, n);
  }

  /** n bytes (pixel data the kernels read). */
  allocBytes(n: number): Uint8Array {
    const at = this.allocRaw(n, 1);
    return new Uint8Array(this.current, at, n);
  }

  /** n 32-bit integers (permutations the kernels read). */
  allocInt32(n: number): Int32Array {
    const at = this.allocRaw(n, 4);
    return new Int32Array(this.current, at, n);
  }

  /** The offset of n zeroed elements of `size` bytes. */
  private allocRaw(n: number, size: number): number {
    if (!Number.isInteger(n) || n < 0) throw new Error(`alloc: n = ${n} is not a non-negative integer`);
    const bytes = align(Math.max(n * size, 1));
    const list = this.freeLists.get(bytes);
    let offset: number;
    if (list && list.length > 0) {
      offset = list.pop()!;
      new Uint8Array(this.current, offset, bytes).fill(0);
    } else {
      offset = this.top;
      this.top += bytes;
      this.ensure(this.top);
    }
    this.live.set(offset, bytes);
    return offset;
  }

  free(a: Float32Array | Float64Array | Uint8Array | Int32Array): void {
    const bytes = this.live.get(a.byteOffset);
    if (bytes === undefined || !this.owns(a)) throw new Error('free: this array was not allocated by the wasm backend, or was freed already');
    this.live.delete(a.byteOffset);
    let list = this.freeLists.get(bytes);
    if (!list) this.freeLists.set(bytes, (list = []));
    list.push(a.byteOffset);
  }

  /** True if the array is a view of this memory. */
  owns(a: Float32Array | Float64Array | Uint8Array | Int32Array): boolean {
    return a.buffer === this.current || this.known.has(a.buffer);
  }

  /**
   * The pointer of a view. Reading `a.buffer` costs ~20 ns in V8 (60 kernel calls per online step: 10% of it),
   * so by default only the type is checked here and ownership is checked where arrays enter from outside
   * (model inputs, targets: `owns`). SUPPLE_CHECKS=1 (or `strict`) checks every pointer.
   */
  ptr(a: Float32Array | Float64Array): number {
    if (this.strict) return this.checkedPtr(a);
    if (!(a instanceof Float32Array)) throw new Error('wasm backend: arrays are float32; allocate them with backend.alloc');
    return a.byteOffset;
  }

  /** The pointer of a byte or integer view (allocBytes, allocInt32), after checking that it lives in this memory. */
  rawPtr(a: Uint8Array | Int32Array): number {
    if (!this.owns(a)) throw new Error(`wasm backend: an array of ${a.length} values is not in wasm memory; allocate it with backend.allocBytes / allocInt32`);
    return a.byteOffset;
  }

  /** The pointer of a view, after checking that it lives in this memory. */
  checkedPtr(a: Float32Array | Float64Array): number {
    if (!(a instanceof Float32Array)) throw new Error('wasm backend: arrays are float32; allocate them with backend.alloc');
    if (a.buffer !== this.current && !this.known.has(a.buffer)) {
      throw new Error(`wasm backend: an array of ${a.length} values is not in wasm memory; allocate tensors with backend.alloc`);
    }
    return a.byteOffset;
  }

  /** Check every pointer (slower): on with SUPPLE_CHECKS=1. */
  strict = process.env.SUPPLE_CHECKS === '1';

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / WasmMemory.PAGE);
    // Grow by at least a quarter to keep the number of growths small.
    const grow = Math.max(pages, Math.ceil(have / WasmMemory.PAGE / 4));
    try {
      this.memory.grow(grow);
    } catch {
      this.memory.grow(pages);
    }
    this.current = this.memory.buffer as unknown as SharedArrayBuffer;
    this.known.add(this.current);
    this.size = this.current.byteLength;
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / WasmMemory.ALIGN) * WasmMemory.ALIGN;
}
