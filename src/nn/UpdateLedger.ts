import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Param } from './Param.js';

/**
 * The summed |delta w| of each optimizer step, accounted by the writers of the weights instead of diffed against a
 * copy of every weight (the updateSize tracker's per-step measure; its copy-based measure is the oracle).
 *
 * One interval runs from the end of one optimizer step (Learner.trainStep) to the end of the next, so it holds the
 * edits made between them (methods' reactions, a task start's head change) and then the step's update. Writers:
 * - the whole-step kernel (Backend.denseReluStep with `changes`) adds the exact |w_new - w_old| of every weight it
 *   writes, summed from the values it holds in registers (`add`);
 * - every other writer calls `willWrite` / `willWriteAll` before it writes (applyEdits, Model.setState, the
 *   layer-by-layer optimizer path, anchored regularizers): the parameter is copied then (unless its copy is still
 *   current) and its change over the interval is the copy-based diff at `close`, what the writers accounted for it
 *   ignored. An element written twice in one interval (an edit, then the step) thus counts its net change, as the
 *   copy-based measure counts it.
 * Edits come before the update in an interval because they are the only writers other than the update: when they
 * copy a parameter it still holds its value from the interval's start.
 */
export class UpdateLedger {
  /** By the model's parameter index: the tracked weight, or null. */
  private readonly tracked: (Param | null)[] = [];
  private readonly copies: (FloatArray | null)[] = [];
  /** The copy equals the weight as it was at the start of the current interval. */
  private readonly current: boolean[] = [];
  /** This interval's change of the weight is the diff against its copy (an unaccounted writer wrote it). */
  private readonly copied: boolean[] = [];
  private readonly accounted: number[] = [];
  private maxSinceTake = 0;
  private lastClosed = 0;
  private closedSinceTake = 0;
  /** How many (weight, step) pairs were measured by the copy-based diff (tests: the accounted path is taken). */
  diffedIntervals = 0;

  constructor(
    weights: readonly Param[],
    private readonly backend: Backend,
  ) {
    for (const p of weights) {
      const i = p.index;
      while (this.tracked.length <= i) {
        this.tracked.push(null);
        this.copies.push(null);
        this.current.push(false);
        this.copied.push(false);
        this.accounted.push(0);
      }
      this.tracked[i] = p;
    }
  }

  /** Whether `p` is a tracked weight whose writes are accounted this interval (not diffed against a copy). */
  accounts(p: Param): boolean {
    const i = p.index;
    return this.tracked[i] === p && !this.copied[i];
  }

  /** A writer changed `p` by `amount` = sum |w_new - w_old| over the elements it wrote. */
  add(p: Param, amount: number): void {
    const i = p.index;
    if (this.tracked[i] === p && !this.copied[i]) this.accounted[i]! += amount;
  }

  /** An unaccounted writer is about to write `p`: its change this interval is diffed against a copy. */
  willWrite(p: Param): void {
    const i = p.index;
    if (this.tracked[i] !== p || this.copied[i]) return;
    this.copied[i] = true;
    if (this.current[i] && this.accounted[i] === 0) return;
    // Written by an accounted writer since the copy was taken (or never copied): copy now. The accounted part is
    // then lost, so an accounted write must not precede this in an interval (see the class comment).
    let c = this.copies[i]!;
    if (!c || c.length !== p.data.length) {
      if (c) this.backend.free(c);
      c = this.backend.alloc(p.data.length);
      this.copies[i] = c;
    }
    this.backend.copy(p.data, c);
    this.accounted[i] = 0;
  }

  /** willWrite for every tracked weight. */
  willWriteAll(): void {
    for (let i = 0; i < this.tracked.length; i++) {
      const p = this.tracked[i];
      if (p) this.willWrite(p);
    }
  }

  /** Whether every tracked weight is diffed against its copy this interval (accounting would be wasted). */
  get allCopied(): boolean {
    for (let i = 0; i < this.tracked.length; i++) if (this.tracked[i] && !this.copied[i]) return false;
    return true;
  }

  /** Ends the interval (after an optimizer step): its total change joins the window; the next interval begins. */
  close(): void {
    const b = this.backend;
    let total = 0;
    let complete = true;
    for (let i = 0; i < this.tracked.length; i++) {
      const p = this.tracked[i];
      if (!p) continue;
      if (this.copied[i]) {
        const c = this.copies[i]!;
        this.copied[i] = false;
        if (c.length !== p.data.length) {
          // Resized (a head grew): this interval is not measured; the copy is taken again when next needed.
          complete = false;
          this.current[i] = false;
        } else {
          total += b.sumAbsDiffAndCopy(p.data, c);
          this.diffedIntervals++;
          this.current[i] = true;
        }
      } else {
        const a = this.accounted[i]!;
        total += a;
        // A weight no writer changed keeps its copy current (NaN compares unequal: changed).
        if (!(a === 0)) this.current[i] = false;
      }
      this.accounted[i] = 0;
    }
    if (!complete) return;
    if (total > this.maxSinceTake) this.maxSinceTake = total;
    this.lastClosed = total;
    this.closedSinceTake++;
  }

  /** The steps closed since the last take: their count, largest and last total change; then starts over. */
  take(into: { count: number; max: number; last: number }): void {
    into.count = this.closedSinceTake;
    into.max = this.maxSinceTake;
    into.last = this.lastClosed;
    this.closedSinceTake = 0;
    this.maxSinceTake = 0;
  }

  /** Frees the copies. */
  dispose(): void {
    for (let i = 0; i < this.copies.length; i++) {
      const c = this.copies[i];
      if (c) this.backend.free(c);
      this.copies[i] = null;
      this.current[i] = false;
    }
  }
}
