/** A RunningMeanStd's checkpoint (plain JSON). */
export interface RunningMeanStdState {
  readonly mean: number[];
  readonly var: number[];
  readonly count: number;
}

/**
 * Running mean and variance per element (Gymnasium's RunningMeanStd): the parallel update of Chan et al. from
 * a batch's moments, with the same operation order, mean 0, var 1 and count `epsilon` (1e-4) at the start.
 */
export class RunningMeanStd {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count: number;
  private readonly batchMean: Float64Array;
  private readonly batchVar: Float64Array;

  constructor(
    readonly size: number,
    epsilon = 1e-4,
  ) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
    this.batchMean = new Float64Array(size);
    this.batchVar = new Float64Array(size);
  }

  /** Adds one sample of `size` values (a batch of one: its mean is x, its variance 0). */
  updateOne(x: ArrayLike<number>): void {
    const tot = this.count + 1;
    for (let i = 0; i < this.size; i++) {
      const delta = x[i]! - this.mean[i]!;
      this.mean[i] = this.mean[i]! + (delta * 1) / tot;
      const m2 = this.var[i]! * this.count + 0 * 1 + (delta * delta * this.count * 1) / tot;
      this.var[i] = m2 / tot;
    }
    this.count = tot;
  }

  /** Adds `n` samples stored row after row in `x` (n x size). */
  update(x: ArrayLike<number>, n: number): void {
    if (x.length !== n * this.size) throw new Error(`RunningMeanStd.update: ${x.length} values are not ${n} rows of ${this.size}`);
    const bm = this.batchMean, bv = this.batchVar;
    for (let i = 0; i < this.size; i++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += x[r * this.size + i]!;
      const m = s / n;
      let v = 0;
      for (let r = 0; r < n; r++) {
        const d = x[r * this.size + i]! - m;
        v += d * d;
      }
      bm[i] = m;
      bv[i] = v / n;
    }
    this.updateFromMoments(bm, bv, n);
  }

  /** Merges a batch given by its mean, variance and count. */
  updateFromMoments(batchMean: ArrayLike<number>, batchVar: ArrayLike<number>, batchCount: number): void {
    const tot = this.count + batchCount;
    for (let i = 0; i < this.size; i++) {
      const delta = batchMean[i]! - this.mean[i]!;
      this.mean[i] = this.mean[i]! + (delta * batchCount) / tot;
      const m2 = this.var[i]! * this.count + batchVar[i]! * batchCount + (delta * delta * this.count * batchCount) / tot;
      this.var[i] = m2 / tot;
    }
    this.count = tot;
  }

  /** A copy of the running mean, variance and sample count, as plain JSON. */
  getState(): RunningMeanStdState {
    return { mean: [...this.mean], var: [...this.var], count: this.count };
  }

  /** Restores what `getState` returned; throws if it holds a different number of values. */
  setState(s: RunningMeanStdState): void {
    if (s.mean.length !== this.size || s.var.length !== this.size) throw new Error(`RunningMeanStd.setState: the checkpoint has ${s.mean.length} values, this has ${this.size}`);
    this.mean.set(s.mean);
    this.var.set(s.var);
    this.count = s.count;
  }
}
