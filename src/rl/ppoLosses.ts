import type { Loss, LossValue } from '../losses/Loss.js';
import type { FloatArray } from '../tensor/FloatArray.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** What the last policy minibatch measured (CleanRL's logged quantities), read after `trainStep`. */
export interface PolicyStats {
  policyLoss: number;
  entropy: number;
  approxKl: number;
  oldApproxKl: number;
  clipFraction: number;
}

/** The settings of PPO's policy objective. */
export interface PolicyLossOptions {
  readonly clip: number;
  readonly entCoef: number;
  /** Normalize advantages over each minibatch (CleanRL's norm_adv, default true). */
  readonly normAdv: boolean;
}

/**
 * Mean and standard deviation (unbiased, as torch.Tensor.std) of the advantages of a minibatch, for CleanRL's
 * per-minibatch normalization: (a - mean) / (std + 1e-8).
 */
export function advantageMoments(target: FloatArray, n: number, stride: number, col: number): { mean: number; std: number } {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += target[i * stride + col]!;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = target[i * stride + col]! - mean;
    ss += d * d;
  }
  // torch's std of one element is NaN; CleanRL's minibatches are never that small. Keep it finite.
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  return { mean, std };
}

/**
 * PPO's clipped surrogate with entropy bonus for a categorical policy (CleanRL ppo.py): the model outputs
 * logits [n, A]; target row i = [action, old log-prob, advantage]. The loss is
 * mean_i max(-A_i r_i, -A_i clip(r_i, 1-c, 1+c)) - entCoef * mean_i H_i with r_i = exp(logp_i - oldlogp_i).
 */
export class CategoricalPolicyLoss implements Loss {
  readonly name = 'ppo-policy';
  readonly classification = false;
  readonly stats: PolicyStats = { policyLoss: 0, entropy: 0, approxKl: 0, oldApproxKl: 0, clipFraction: 0 };
  private probs = new Float64Array(0);

  constructor(
    readonly actions: number,
    public options: PolicyLossOptions,
  ) {}

  /** Row layout of the targets: [action, oldLogProb, advantage]. */
  get targetWidth(): number {
    return 3;
  }

  compute(_backend: unknown, out: { data: FloatArray; shape: readonly number[] }, target: FloatArray, dOut: FloatArray, into: LossValue): LossValue {
    const n = out.shape[0]!;
    const A = this.actions;
    const { clip, entCoef, normAdv } = this.options;
    if (out.data.length !== n * A) throw new Error(`ppo-policy: an output of ${out.data.length} values for ${n} rows of ${A} logits`);
    if (target.length < n * 3) throw new Error(`ppo-policy: ${target.length} target values for ${n} rows of 3 (action, old log-prob, advantage)`);
    if (this.probs.length < A) this.probs = new Float64Array(A);
    const p = this.probs;
    const { mean, std } = normAdv ? advantageMoments(target, n, 3, 2) : { mean: 0, std: 1 };
    const advScale = normAdv ? 1 / (std + 1e-8) : 1;
    let pg = 0, ent = 0, kl = 0, oldKl = 0, clipped = 0;
    const z = out.data;
    for (let i = 0; i < n; i++) {
      const o = i * A;
      let max = -Infinity;
      for (let j = 0; j < A; j++) max = Math.max(max, z[o + j]!);
      let sum = 0;
      for (let j = 0; j < A; j++) sum += p[j] = Math.exp(z[o + j]! - max);
      const logSum = Math.log(sum) + max;
      let h = 0;
      for (let j = 0; j < A; j++) {
        p[j]! /= sum;
        // p log p -> 0 as p -> 0 (torch's Categorical entropy clamps the logits the same way).
        if (p[j]! > 0) h -= p[j]! * (z[o + j]! - logSum);
      }
      const a = target[i * 3]!;
      if (!(Number.isInteger(a) && a >= 0 && a < A)) throw new Error(`ppo-policy: action ${a} in row ${i} is not allowed: an integer in [0, ${A})`);
      const logp = z[o + a]! - logSum;
      const logRatio = logp - target[i * 3 + 1]!;
      const ratio = Math.exp(logRatio);
      const adv = (target[i * 3 + 2]! - mean) * advScale;
      const pg1 = -adv * ratio;
      const rc = Math.min(Math.max(ratio, 1 - clip), 1 + clip);
      const pg2 = -adv * rc;
      pg += Math.max(pg1, pg2);
      ent += h;
      kl += ratio - 1 - logRatio;
      oldKl -= logRatio;
      if (Math.abs(ratio - 1) > clip) clipped++;
      // d/dlogp of the surrogate: -adv * ratio where the unclipped term is the max (equal when not clipped), else 0.
      const dLogp = pg1 >= pg2 ? (-adv * ratio) / n : 0;
      // d logp / dz_j = 1[j = a] - p_j; d H / dz_j = -p_j (log p_j + H).
      for (let j = 0; j < A; j++) {
        const pj = p[j]!;
        const logpj = z[o + j]! - logSum;
        const dH = pj > 0 ? -pj * (logpj + h) : 0;
        dOut[o + j] = dLogp * ((j === a ? 1 : 0) - pj) - (entCoef / n) * dH;
      }
    }
    const s = this.stats;
    s.policyLoss = pg / n;
    s.entropy = ent / n;
    s.approxKl = kl / n;
    s.oldApproxKl = oldKl / n;
    s.clipFraction = clipped / n;
    into.sum = (s.policyLoss - entCoef * s.entropy) * n;
    into.correct = 0;
    into.count = n;
    return into;
  }
}

/**
 * PPO's clipped surrogate for a diagonal Gaussian policy with a state-independent log-std (CleanRL
 * ppo_continuous_action.py: actor_mean outputs the mean, actor_logstd is a parameter of its own). The model
 * outputs the means [n, A]; `logStd` (length A) is held here with its gradient `logStdGrad` (written by
 * `compute`, to be applied by the agent's optimizer). Target row i = [a_1..a_A, old log-prob, advantage].
 */
export class GaussianPolicyLoss implements Loss {
  readonly name = 'ppo-policy';
  readonly classification = false;
  readonly stats: PolicyStats = { policyLoss: 0, entropy: 0, approxKl: 0, oldApproxKl: 0, clipFraction: 0 };
  readonly logStd: Float64Array;
  readonly logStdGrad: Float64Array;

  constructor(
    readonly actions: number,
    public options: PolicyLossOptions,
    initialLogStd = 0,
  ) {
    this.logStd = new Float64Array(actions).fill(initialLogStd);
    this.logStdGrad = new Float64Array(actions);
  }

  /** Row layout of the targets: [a_1..a_A, oldLogProb, advantage]. */
  get targetWidth(): number {
    return this.actions + 2;
  }

  compute(_backend: unknown, out: { data: FloatArray; shape: readonly number[] }, target: FloatArray, dOut: FloatArray, into: LossValue): LossValue {
    const n = out.shape[0]!;
    const A = this.actions;
    const W = A + 2;
    const { clip, entCoef, normAdv } = this.options;
    if (out.data.length !== n * A) throw new Error(`ppo-policy: an output of ${out.data.length} values for ${n} rows of ${A} means`);
    if (target.length < n * W) throw new Error(`ppo-policy: ${target.length} target values for ${n} rows of ${W} (actions, old log-prob, advantage)`);
    const { mean, std } = normAdv ? advantageMoments(target, n, W, A + 1) : { mean: 0, std: 1 };
    const advScale = normAdv ? 1 / (std + 1e-8) : 1;
    const ls = this.logStd, g = this.logStdGrad;
    g.fill(0);
    let sumLogStd = 0;
    for (let j = 0; j < A; j++) sumLogStd += ls[j]!;
    // The entropy of a diagonal Gaussian does not depend on the mean: sum_j (0.5 + 0.5 log 2 pi + log sigma_j).
    const h = A * (0.5 + 0.5 * LOG_2PI) + sumLogStd;
    let pg = 0, kl = 0, oldKl = 0, clipped = 0;
    const mu = out.data;
    for (let i = 0; i < n; i++) {
      const o = i * A, t = i * W;
      let logp = -sumLogStd - 0.5 * A * LOG_2PI;
      for (let j = 0; j < A; j++) {
        const d = (target[t + j]! - mu[o + j]!) * Math.exp(-ls[j]!);
        logp -= 0.5 * d * d;
      }
      const logRatio = logp - target[t + A]!;
      const ratio = Math.exp(logRatio);
      const adv = (target[t + A + 1]! - mean) * advScale;
      const pg1 = -adv * ratio;
      const pg2 = -adv * Math.min(Math.max(ratio, 1 - clip), 1 + clip);
      pg += Math.max(pg1, pg2);
      kl += ratio - 1 - logRatio;
      oldKl -= logRatio;
      if (Math.abs(ratio - 1) > clip) clipped++;
      const dLogp = pg1 >= pg2 ? (-adv * ratio) / n : 0;
      for (let j = 0; j < A; j++) {
        const inv = Math.exp(-2 * ls[j]!);
        const diff = target[t + j]! - mu[o + j]!;
        // d logp / d mu_j = (a_j - mu_j) / sigma_j^2; d logp / d log sigma_j = (a_j - mu_j)^2 / sigma_j^2 - 1.
        dOut[o + j] = dLogp * diff * inv;
        g[j]! += dLogp * (diff * diff * inv - 1);
      }
    }
    // d(-entCoef * mean H) / d log sigma_j = -entCoef.
    for (let j = 0; j < A; j++) g[j]! -= entCoef;
    const s = this.stats;
    s.policyLoss = pg / n;
    s.entropy = h;
    s.approxKl = kl / n;
    s.oldApproxKl = oldKl / n;
    s.clipFraction = clipped / n;
    into.sum = (s.policyLoss - entCoef * h) * n;
    into.correct = 0;
    into.count = n;
    return into;
  }
}

/** What the last value minibatch measured. */
export interface ValueStats {
  valueLoss: number;
}

/**
 * PPO's value loss (CleanRL): the model outputs v [n, 1]; target row i = [return, old value]. With `clip`
 * (clip_vloss, default on) it is 0.5 mean max((v - R)^2, (v_old + clamp(v - v_old, -c, c) - R)^2), else
 * 0.5 mean (v - R)^2; the network is trained on vfCoef times it (as in CleanRL's total loss).
 */
export class ValueLoss implements Loss {
  readonly name = 'ppo-value';
  readonly classification = false;
  readonly stats: ValueStats = { valueLoss: 0 };

  constructor(public options: { readonly clip: number | null; readonly vfCoef: number }) {}

  get targetWidth(): number {
    return 2;
  }

  compute(_backend: unknown, out: { data: FloatArray; shape: readonly number[] }, target: FloatArray, dOut: FloatArray, into: LossValue): LossValue {
    const n = out.shape[0]!;
    if (out.data.length !== n) throw new Error(`ppo-value: an output of ${out.data.length} values for ${n} rows (one value each)`);
    if (target.length < n * 2) throw new Error(`ppo-value: ${target.length} target values for ${n} rows of 2 (return, old value)`);
    const { clip, vfCoef } = this.options;
    const v = out.data;
    let sum = 0;
    const k = vfCoef / n;
    for (let i = 0; i < n; i++) {
      const ret = target[i * 2]!, old = target[i * 2 + 1]!, x = v[i]!;
      const un = (x - ret) * (x - ret);
      if (clip === null) {
        sum += un;
        dOut[i] = k * (x - ret);
        continue;
      }
      const delta = x - old;
      const dc = Math.min(Math.max(delta, -clip), clip);
      const vc = old + dc;
      const cl = (vc - ret) * (vc - ret);
      if (un >= cl) {
        sum += un;
        dOut[i] = k * (x - ret);
      } else {
        sum += cl;
        // The clipped branch moves with v only while v - v_old is inside [-c, c].
        dOut[i] = delta > -clip && delta < clip ? k * (vc - ret) : 0;
      }
    }
    this.stats.valueLoss = (0.5 * sum) / n;
    into.sum = vfCoef * 0.5 * sum;
    into.correct = 0;
    into.count = n;
    return into;
  }
}
