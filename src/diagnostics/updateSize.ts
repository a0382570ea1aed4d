import { z } from 'zod';
import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Model } from '../nn/Model.js';
import type { Param } from '../nn/Param.js';
import { UpdateLedger } from '../nn/UpdateLedger.js';
import type { Learner } from '../learn/Learner.js';
import type { Tracker, TrackerDefinition } from './Diagnostic.js';

const schema = z.strictObject({
  per: z
    .enum(['step', 'update'])
    .default('step')
    .describe("what one update is: 'step' (each optimizer step, supervised) or 'update' (an agent's update of many steps, ended by the loop calling atUpdateEnd: the net |delta w| over it, as Dohare's PPO logs weight_change per learn() call)"),
});

/**
 * The largest total |delta w| of one update in a window (Dohare et al. 2024, Extended Data Fig. 5c: the summed
 * absolute change of the weights over one update, its maximum over a window). Measured, not modelled: a step's
 * change is everything that moved the weights (not biases): the optimizer's update and the edits of methods (Dohare's
 * measure includes its selective reinitialization), and at a task start the benchmark's head changes.
 *
 * Two ways to measure, the same values to float32-summation accuracy:
 * - copy-based: a copy of every weight, and after each step one backend pass adding up |w - copy| and refreshing the
 *   copy (sumAbsDiffAndCopy: two arrays read, one written, every step);
 * - accounted (UpdateLedger, per = 'step' once the loop is seen to call afterStep after each single step): the
 *   writers report what they change. The whole-step kernel of online learning (Backend.denseReluStep) sums
 *   |w_new - w_old| of the weights it writes from the values it holds (nothing for the rows of switched-off units);
 *   any other writer (edits, the layer-by-layer optimizer, a restored state) has the weights it writes copied first
 *   and diffed. A step is then measured from the end of one optimizer step to the end of the next: the edits made
 *   in between (methods' reactions after step k, a task start's head change) count with step k + 1, where the
 *   copy-based measure counts them with step k. The first step is measured copy-based.
 * The window is the steps since the last report. Not in the default probe set; turn it on by listing 'updateSize'.
 * A resumed run's tracker starts copy-based for one step, so around the resume a method's edits count with their
 * own step, not the next: the window holding the resume can differ from an uninterrupted run's when a method edited
 * the weights at the step before the checkpoint or the one after it (no tracker state is checkpointed).
 *
 * With per = 'update' (RL) an update is an agent's whole update (PPO: epochs x minibatches of steps): the loop
 * calls `atUpdateEnd` after each, and the size is the net |w_after - w_before| over it, as lop/algos/rl/ppo.py's
 * learn() returns weight_change (Dohare et al. then plot its maximum over windows of updates). A net change over
 * many writes cannot be accounted write by write: it is always copy-based. So is per = 'step' when a loop calls
 * afterStep after several steps (it then measures the net change since the last call).
 */
export const updateSize: TrackerDefinition<typeof schema> = {
  name: 'updateSize',
  description: "largest summed |delta w| of one update since the last report ('diag/updateSize'), and the last update's ('diag/updateSize/last')",
  schema,
  create: (config, ctx) => new UpdateSizeTracker(ctx.model, ctx.model.params.filter((p) => p.role === 'weight'), ctx.backend, config.per, ctx.learner.step),
};

class UpdateSizeTracker implements Tracker {
  readonly name = 'updateSize';
  private copies: FloatArray[] | null;
  private ledger: UpdateLedger | null = null;
  private readonly taken = { count: 0, max: 0, last: 0 };
  private max = 0;
  private last = 0;
  private measured = 0;

  constructor(
    private readonly model: Model,
    private readonly weights: readonly Param[],
    private readonly backend: Backend,
    private readonly per: 'step' | 'update' = 'step',
    private stepSeen = 0,
  ) {
    this.copies = weights.map((p) => this.snapshot(p.data));
  }

  private snapshot(data: FloatArray): FloatArray {
    const c = this.backend.alloc(data.length);
    this.backend.copy(data, c);
    return c;
  }

  afterStep(learner: Learner): void {
    if (this.per !== 'step') return;
    const ledger = this.ledger;
    if (ledger) {
      ledger.take(this.taken);
      const steps = learner.step - this.stepSeen;
      this.stepSeen = learner.step;
      if (this.taken.count === steps) {
        if (steps > 0) this.record(this.taken.max, this.taken.last, steps);
        return;
      }
      // A step the ledger did not see (an optimizer step outside Learner.trainStep that does not report to it): its
      // writes were not accounted. Back to the copy-based measure for good; this call is not measured.
      this.model.updateLedger = null;
      ledger.dispose();
      this.ledger = null;
      this.copies = this.weights.map((p) => this.snapshot(p.data));
      return;
    }
    this.measure();
    // One step since the last call, taken by the whole-step kernel (which accounts what it writes): from now on the
    // writers account (the ledger's first step starts now, after this step's edits, which the measure above counted).
    // Elsewhere (RL's split steps, batches, other optimizers) the ledger would diff the same copies: no gain.
    const single = learner.step === this.stepSeen + 1 && learner.lastStepWhole;
    this.stepSeen = learner.step;
    if (single && this.model.updateLedger === null) {
      this.ledger = new UpdateLedger(this.weights, this.backend);
      this.model.updateLedger = this.ledger;
      for (const c of this.copies!) this.backend.free(c);
      this.copies = null;
    }
  }

  atUpdateEnd(): void {
    if (this.per === 'update') this.measure();
  }

  /** Add up |w - copy| (everything that moved since the last measure) and refresh the copy. */
  private measure(): void {
    const b = this.backend;
    const copies = this.copies!;
    let total = 0;
    let complete = true;
    for (let i = 0; i < this.weights.length; i++) {
      const w = this.weights[i]!.data;
      const c = copies[i]!;
      if (c.length !== w.length) {
        // The parameter was resized (a head grew): start its copy over; this step is not measured.
        b.free(c);
        copies[i] = this.snapshot(w);
        complete = false;
        continue;
      }
      // One fused backend pass (read w and the copy, add |difference|, refresh the copy).
      total += b.sumAbsDiffAndCopy(w, c);
    }
    if (complete) this.record(total, total, 1);
  }

  private record(max: number, last: number, count: number): void {
    if (max > this.max) this.max = max;
    this.last = last;
    this.measured += count;
  }

  report(): Record<string, number> {
    const out: Record<string, number> = this.measured > 0 ? { 'diag/updateSize': this.max, 'diag/updateSize/last': this.last } : {};
    this.max = 0;
    this.measured = 0;
    return out;
  }
}
