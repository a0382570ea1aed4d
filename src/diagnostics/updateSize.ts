import { z } from 'zod';
import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Param } from '../nn/Param.js';
import type { Tracker, TrackerDefinition } from './Diagnostic.js';

const schema = z.strictObject({
  per: z
    .enum(['step', 'update'])
    .default('step')
    .describe("what one update is: 'step' (each optimizer step, supervised) or 'update' (an agent's update of many steps, ended by the loop calling atUpdateEnd: the net |delta w| over it, as Dohare's PPO logs weight_change per learn() call)"),
});

/**
 * The largest total |delta w| of one update in a window (Dohare et al. 2024, Extended Data Fig. 5c: the summed
 * absolute change of the weights over one update, its maximum over a window). Measured, not modelled: the tracker
 * keeps a copy of every weight (not biases) and after each step adds up |w - copy| and refreshes the copy, whether the optimizer
 * ran fused into backward or not. A step's change is everything that moved the weights since the step before:
 * the optimizer's update and the edits of methods (Dohare's measure includes its selective reinitialization),
 * and at a task start the benchmark's head changes.
 *
 * Cost: one SIMD pass over the weights per step that reads two arrays and writes one (the backend's
 * sumAbsDiffAndCopy, which sums in float32 blocks: ~1e-7 relative; see the updateSize row of bench/methods), so
 * it is not in the default probe set; turn it on by listing 'updateSize'. The window is the steps since the last report.
 *
 * With per = 'update' (RL) an update is an agent's whole update (PPO: epochs x minibatches of steps): the loop
 * calls `atUpdateEnd` after each, and the size is the net |w_after - w_before| over it, as lop/algos/rl/ppo.py's
 * learn() returns weight_change (Dohare et al. then plot its maximum over windows of updates).
 */
export const updateSize: TrackerDefinition<typeof schema> = {
  name: 'updateSize',
  description: "largest summed |delta w| of one update since the last report ('diag/updateSize'), and the last update's ('diag/updateSize/last')",
  schema,
  create: (config, ctx) => new UpdateSizeTracker(ctx.model.params.filter((p) => p.role === 'weight'), ctx.backend, config.per),
};

class UpdateSizeTracker implements Tracker {
  readonly name = 'updateSize';
  private readonly copies: FloatArray[];
  private max = 0;
  private last = 0;
  private measured = 0;

  constructor(
    private readonly weights: readonly Param[],
    private readonly backend: Backend,
    private readonly per: 'step' | 'update' = 'step',
  ) {
    this.copies = weights.map((p) => this.snapshot(p.data));
  }

  private snapshot(data: FloatArray): FloatArray {
    const c = this.backend.alloc(data.length);
    this.backend.copy(data, c);
    return c;
  }

  afterStep(): void {
    if (this.per === 'step') this.measure();
  }

  atUpdateEnd(): void {
    if (this.per === 'update') this.measure();
  }

  /** Add up |w - copy| (everything that moved since the last measure) and refresh the copy. */
  private measure(): void {
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
      // One fused backend pass (read w and the copy, add |difference|, refresh the copy).
      total += b.sumAbsDiffAndCopy(w, c);
    }
    if (!complete) return;
    if (total > this.max) this.max = total;
    this.last = total;
    this.measured++;
  }

  report(): Record<string, number> {
    const out: Record<string, number> = this.measured > 0 ? { 'diag/updateSize': this.max, 'diag/updateSize/last': this.last } : {};
    this.max = 0;
    this.measured = 0;
    return out;
  }
}
