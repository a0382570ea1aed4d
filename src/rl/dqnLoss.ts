import type { FloatArray } from '../tensor/FloatArray.js';
import type { Loss, LossValue } from '../losses/Loss.js';
import { ValueHead } from '../losses/valueHead.js';

/** What the last batch of a TD loss measured. */
export interface TdStats {
  /** Mean TD loss over the batch (MSE, Huber or cross-entropy). */
  tdLoss: number;
  /** Mean Q-value of the taken actions (decoded for a categorical head). */
  qMean: number;
}

/**
 * The TD loss of DQN on a Q-network with `actions` x head-width outputs per row; each target row is
 * [action taken, TD target y]. Only the taken action's output gets a gradient. Scalar heads: torch's
 * F.mse_loss(y, q) (mean of squared errors, gradient 2 (q - y) / n: CleanRL dqn.py) or F.smooth_l1_loss (Huber
 * with delta 1); categorical heads: cross-entropy against the encoding of y (two-hot or HL-Gauss).
 */
export class DqnLoss implements Loss {
  readonly name = 'dqn-td';
  readonly classification = false;
  readonly targetWidth = 2;
  readonly stats: TdStats = { tdLoss: 0, qMean: 0 };
  private readonly probs: Float64Array;

  constructor(
    readonly actions: number,
    readonly head: ValueHead,
    readonly kind: 'mse' | 'huber',
  ) {
    this.probs = new Float64Array(head.width);
  }

  compute(_backend: unknown, out: { data: FloatArray; shape: readonly number[] }, target: FloatArray, dOut: FloatArray, into: LossValue): LossValue {
    const n = out.shape[0]!, A = this.actions, W = this.head.width;
    if (out.data.length !== n * A * W) throw new Error(`dqn-td: ${out.data.length} outputs for ${n} rows; expected ${A} actions x ${W} per row`);
    if (target.length < n * 2) throw new Error(`dqn-td: ${target.length} target values for ${n} rows of 2 (action, TD target)`);
    dOut.fill(0, 0, n * A * W);
    const o = out.data;
    let sum = 0, qSum = 0;
    const inv = 1 / n;
    for (let i = 0; i < n; i++) {
      const a = target[i * 2]!, y = target[i * 2 + 1]!;
      if (!(a >= 0 && a < A && Number.isInteger(a))) throw new Error(`dqn-td: action = ${a} in row ${i} is not allowed: an integer in [0, ${A - 1}]`);
      const at = (i * A + a) * W;
      if (!this.head.categorical) {
        const q = o[at]!, d = q - y;
        qSum += q;
        if (this.kind === 'mse') {
          sum += d * d;
          dOut[at] = 2 * d * inv;
        } else if (Math.abs(d) < 1) {
          sum += 0.5 * d * d;
          dOut[at] = d * inv;
        } else {
          sum += Math.abs(d) - 0.5;
          dOut[at] = (d > 0 ? 1 : -1) * inv;
        }
      } else {
        this.head.encode(y, this.probs);
        sum += ValueHead.crossEntropy(o, this.probs, W, at, dOut, inv);
        qSum += this.head.decode(o, at);
      }
    }
    this.stats.tdLoss = sum * inv;
    this.stats.qMean = qSum * inv;
    into.sum = sum;
    into.correct = 0;
    into.count = n;
    return into;
  }
}
