import type { FloatArray } from '../../tensor/FloatArray.js';
import type { WasmMemory } from './WasmMemory.js';

/**
 * The layer records and coefficients the whole-step kernel (`denseReluStep`) walks, in wasm memory: eight int32 per
 * layer (out, in, and the byte offsets of weights, bias, pre- and post-activations) and four float64 coefficients.
 * Grown to the deepest stack seen and rewritten on each call (a grown head has new arrays). The wasm and the native
 * backends both call their kernel with these offsets.
 */
export class DenseStepRecords {
  private desc: Int32Array | null = null;
  private coefs: Float32Array | null = null;
  private coefs64: Float64Array | null = null;
  /** After the coefficients: one float64 per layer for the update sizes the kernel returns (`changes`). */
  private changes64: Float64Array | null = null;
  /** The arrays and sizes the records were last written for: a step on the same ones rewrites only the coefficients. */
  private readonly seen: (FloatArray | null | number)[] = [];

  constructor(private readonly mem: WasmMemory) {}

  /** Byte offset of the layer records (after `write`). */
  get descOffset(): number {
    return this.desc!.byteOffset;
  }

  /** Byte offset of the float64 per layer that the kernel fills with its update sizes (after `write`). */
  get changesOffset(): number {
    return this.changes64!.byteOffset;
  }

  /** Copies the kernel's update sizes of `layers` layers into `into`. */
  readChanges(into: Float64Array, layers: number): void {
    const c = this.changes64!;
    for (let l = 0; l < layers; l++) into[l] = c[l]!;
  }

  /** Byte offset of the float64 coefficients (after `write`). */
  get coefsOffset(): number {
    return this.coefs64!.byteOffset;
  }

  /**
   * Writes the records of `layers` layers; `at` gives an array's byte offset. No allocation once grown (runs every
   * step). The layer records are rewritten only when an array or a size differs from the last call's (comparing
   * them costs a fraction of reading 4 byte offsets per layer, ~0.6 us a step on a 4-layer stack); an array's
   * offset never changes, so the same array means the same record.
   */
  write(sizes: readonly number[], weights: readonly FloatArray[], biases: readonly (FloatArray | null)[], pre: readonly FloatArray[], post: readonly FloatArray[], coefs: Float64Array, at: (a: FloatArray) => number): void {
    const layers = sizes.length - 1;
    const seen = this.seen;
    let same = this.desc !== null && seen.length === 1 + 5 * layers && seen[0] === sizes[0];
    for (let l = 0; same && l < layers; l++) {
      const o = 1 + 5 * l;
      same = seen[o] === sizes[l + 1] && seen[o + 1] === weights[l] && seen[o + 2] === biases[l] && seen[o + 3] === pre[l] && seen[o + 4] === (l < layers - 1 ? post[l] : null);
    }
    if (same) {
      const c64 = this.coefs64!;
      for (let i = 0; i < 4 * layers; i++) c64[i] = coefs[i]!;
      return;
    }
    if (!this.desc || this.desc.length < 8 * layers) {
      if (this.desc) this.mem.free(this.desc);
      if (this.coefs) this.mem.free(this.coefs);
      this.desc = this.mem.allocInt32(8 * layers);
      const c = this.mem.alloc(10 * layers);
      this.coefs = c;
      this.coefs64 = new Float64Array(c.buffer, c.byteOffset, 4 * layers);
      this.changes64 = new Float64Array(c.buffer, c.byteOffset + 32 * layers, layers);
    }
    const d = this.desc;
    for (let l = 0; l < layers; l++) {
      const o = 8 * l;
      const b = biases[l];
      d[o] = sizes[l + 1]!;
      d[o + 1] = sizes[l]!;
      d[o + 2] = at(weights[l]!);
      d[o + 3] = b ? at(b) : 0;
      d[o + 4] = at(pre[l]!);
      d[o + 5] = l < layers - 1 ? at(post[l]!) : 0;
    }
    const c64 = this.coefs64!;
    for (let i = 0; i < 4 * layers; i++) c64[i] = coefs[i]!;
    seen.length = 1 + 5 * layers;
    seen[0] = sizes[0]!;
    for (let l = 0; l < layers; l++) {
      const o = 1 + 5 * l;
      seen[o] = sizes[l + 1]!;
      seen[o + 1] = weights[l]!;
      seen[o + 2] = biases[l] ?? null;
      seen[o + 3] = pre[l]!;
      seen[o + 4] = l < layers - 1 ? post[l]! : null;
    }
  }
}
