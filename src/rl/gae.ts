/**
 * Generalized advantage estimation as CleanRL computes it (ppo.py, ppo_continuous_action.py). Arrays are
 * [T x N] row-major (step t, env i). `dones[t, i]` is 1 when obs[t, i] began a new episode (the previous step
 * ended one: CleanRL's `next_done` at the time obs[t] was stored); `nextValue`/`nextDone` are those of the
 * observation after the last stored step. Returns = advantages + values.
 *   delta_t = r_t + gamma * V_{t+1} * (1 - done_{t+1}) - V_t
 *   A_t = delta_t + gamma * lambda * (1 - done_{t+1}) * A_{t+1}
 */
export function computeGae(
  T: number,
  N: number,
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  dones: ArrayLike<number>,
  nextValue: ArrayLike<number>,
  nextDone: ArrayLike<number>,
  gamma: number,
  lambda: number,
  advantages: Float64Array,
  returns: Float64Array,
): void {
  if (advantages.length < T * N || returns.length < T * N) throw new Error(`gae: output arrays of ${advantages.length} and ${returns.length} for ${T} x ${N} steps`);
  for (let i = 0; i < N; i++) {
    let last = 0;
    for (let t = T - 1; t >= 0; t--) {
      const nonTerminal = t === T - 1 ? 1 - nextDone[i]! : 1 - dones[(t + 1) * N + i]!;
      const nextV = t === T - 1 ? nextValue[i]! : values[(t + 1) * N + i]!;
      const k = t * N + i;
      const delta = rewards[k]! + gamma * nextV * nonTerminal - values[k]!;
      last = delta + gamma * lambda * nonTerminal * last;
      advantages[k] = last;
      returns[k] = last + values[k]!;
    }
  }
}

/** 1 - Var(y - x) / Var(y) (CleanRL's explained variance of the value predictions x for the returns y); NaN when Var(y) = 0. */
export function explainedVariance(pred: ArrayLike<number>, target: ArrayLike<number>, n = target.length): number {
  let my = 0, md = 0;
  for (let i = 0; i < n; i++) {
    my += target[i]!;
    md += target[i]! - pred[i]!;
  }
  my /= n;
  md /= n;
  let vy = 0, vd = 0;
  for (let i = 0; i < n; i++) {
    const y = target[i]! - my, d = target[i]! - pred[i]! - md;
    vy += y * y;
    vd += d * d;
  }
  return vy === 0 ? NaN : 1 - vd / vy;
}
