import { z } from 'zod';
import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Param } from '../nn/Param.js';
import type { Tracker, TrackerDefinition } from './Diagnostic.js';

const schema = z.strictObject({});

/**
 * The largest total |delta w| of one update in a window (Dohare et al. 2024, Extended Data Fig. 5c: the summed
 * absolute change of the weights over one update, its maximum over a window). Exact: the tracker keeps a copy of
 * every weight (not biases) and after each step adds up |w - copy| and refreshes the copy, whether the optimizer
 * ran fused into backward or not. A step's change is everything that moved the weights since the step before:
 * the optimizer's update and the edits of methods (Dohare's measure includes its selective reinitialization),
 * and at a task start the benchmark's head changes.
 *
 * Cost: one pass over the weights per step that reads two arrays and writes one (about a fifth of a batch-1 step
 * of 784-100-100-100-10 on the current kernels, more against faster ones), so it is not in the default probe
 * set; turn it on by listing 'updateSize'. The window is the steps since the last report.
 */
export const updateSize: TrackerDefinition<typeof schema> = {
  name: 'updateSize',
  description: 'largest summed |delta w| of one update since the last report (exact; costs a pass over the weights per step)',
  schema,
  create: (_config, ctx) => new UpdateSizeTracker(ctx.model.params.filter((p) => p.role === 'weight'), ctx.backend),
};

class UpdateSizeTracker implements Tracker {
  readonly name = 'updateSize';
  private readonly copies: FloatArray[];
  private max = 0;
  private measured = 0;

  constructor(
    private readonly weights: readonly Param[],
    private readonly backend: Backend,
  ) {
    this.copies = weights.map((p) => this.snapshot(p.data));
  }

  private snapshot(data: FloatArray): FloatArray {
    const c = this.backend.alloc(data.length);
    this.backend.copy(data, c);
    return c;
  }

  afterStep(): void {
    const b = this.backend;
    let total = 0;
    let complete = true;
    for (let i = 0; i < this.weights.length; i++) {
      const w = this.weights[i]!.data;
      const c = this.copies[i]!;
      if (c.length !== w.length) {
        // The parameter was resized (a head grew): start its copy over; this step is not measured.
        b.free(c);
        this.copies[i] = this.snapshot(w);
        complete = false;
        continue;
      }
      // One fused pass (read w and the copy, add |difference|, refresh the copy) instead of four kernel passes.
      let s = 0;
      for (let j = 0; j < w.length; j++) {
        const v = w[j]!;
        s += Math.abs(v - c[j]!);
        c[j] = v;
      }
      total += s;
    }
    if (!complete) return;
    if (total > this.max) this.max = total;
    this.measured++;
  }

  report(): Record<string, number> {
    const out: Record<string, number> = this.measured > 0 ? { 'diag/updateSize': this.max } : {};
    this.max = 0;
    this.measured = 0;
    return out;
  }
}
