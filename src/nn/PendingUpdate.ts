import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Param } from './Param.js';

const PENDING = Symbol('pendingUpdate');

/**
 * A first-layer SGD update held back to be applied in the next step's forward pass (Backend.denseReluStepDeferred:
 * one pass over the weights per step instead of two). W = alpha dy x^T + beta W, with x and dy in `pending` (the
 * input, then the output gradient). Containment: once a parameter has one, its `data` property is an accessor that
 * applies a held update before it returns the array (or replaces it), so every reader of `param.data` (evaluation,
 * methods, probes, checkpoints, edits, the layer-by-layer step) sees the updated weights; only the step that holds
 * the update reads the array as it is ({@link rawData}). A reader that kept the array from before a step and reads it
 * after, without `param.data`, would see it stale: nothing in supple keeps a weight array across steps.
 *
 * The same accessor counts every access (`accesses`), which lets a reader keep values derived from the weights
 * between steps: cbp's adaptable utility keeps the first layer's row sums, which the whole step writes as it updates
 * the rows (`rowAbsSums`; no deferral then), and sums them again itself once anything else has touched `param.data`.
 */
export class PendingUpdate {
  /** True while an update is held. */
  held = false;
  /**
   * Accesses of `param.data` (reads and replacements): anything that may have written the weights outside the
   * whole step goes through it, so a cache of values derived from the weights is current while this stays as it was.
   */
  accesses = 0;
  /**
   * Set by a reader that keeps sum |w| per row (cbp's adaptable utility): the whole step then updates the weights at
   * once (no deferral) and writes the sums of the rows it changes here (Backend.denseReluStep's rowAbsSums).
   */
  rowAbsSums: FloatArray | null = null;
  alpha = 0;
  beta = 1;
  /** The input then the output gradient of the held update, in backend memory. */
  pending: FloatArray | null = null;
  private out = 0;
  private inp = 0;
  private px: FloatArray | null = null;
  private pdy: FloatArray | null = null;

  private constructor(
    private readonly backend: Backend,
    /** The parameter's array (what `param.data` returns, without applying). */
    public raw: FloatArray,
  ) {}

  /** The parameter's PendingUpdate, made (and its `data` made an accessor) on first use. */
  static of(p: Param, backend: Backend): PendingUpdate {
    return (p as { [PENDING]?: PendingUpdate })[PENDING] ?? PendingUpdate.attach(p, backend);
  }

  // Apart from `of`: a function that makes closures allocates their context on every call, the early return too
  // (40 bytes a step).
  private static attach(p: Param, backend: Backend): PendingUpdate {
    const u = new PendingUpdate(backend, p.data);
    Object.defineProperty(p, 'data', {
      get(): FloatArray {
        u.accesses++;
        if (u.held) u.apply();
        return u.raw;
      },
      set(v: FloatArray) {
        u.accesses++;
        if (u.held) u.apply();
        u.raw = v;
      },
      enumerable: true,
      configurable: true,
    });
    Object.defineProperty(p, PENDING, { value: u, enumerable: false });
    return u;
  }

  /** Makes room for an update of an [out, inp] weight matrix; only while none is held. */
  prepare(out: number, inp: number): FloatArray {
    if (this.held) throw new Error('PendingUpdate.prepare: an update is held; apply it first');
    if (!this.pending || this.out !== out || this.inp !== inp) {
      if (this.pending) this.backend.free(this.pending);
      this.pending = this.backend.alloc(inp + out);
      this.px = this.pending.subarray(0, inp) as FloatArray;
      this.pdy = this.pending.subarray(inp, inp + out) as FloatArray;
      this.out = out;
      this.inp = inp;
    }
    return this.pending;
  }

  /** Applies the held update (as the undeferred step's backward would have). */
  apply(): void {
    if (!this.held) return;
    const w = this.raw;
    this.backend.linearBackward(1, this.out, this.inp, this.pdy!, this.px!, w, null, this.alpha, this.beta, w, 0, 0, null);
    this.held = false;
  }
}

/** The parameter's array without applying a held update (for the step that applies it itself). */
export function rawData(p: Param): FloatArray {
  const u = (p as { [PENDING]?: PendingUpdate })[PENDING];
  return u ? u.raw : p.data;
}

/** The parameter's PendingUpdate if it has one (made by {@link PendingUpdate.of}). */
export function pendingUpdateOf(p: Param): PendingUpdate | null {
  return (p as { [PENDING]?: PendingUpdate })[PENDING] ?? null;
}
