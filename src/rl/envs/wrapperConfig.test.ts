import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../tensor/Rng.js';
import { ClipAction } from './ClipAction.js';
import { ClipReward } from './ClipReward.js';
import { makeEnvSync } from './envRegistry.js';
import type { Action, Env, StepResult } from './Env.js';
import { NormalizeObservation } from './NormalizeObservation.js';
import { NormalizeReward } from './NormalizeReward.js';
import { EPISODE_LENGTH, EPISODE_RETURN, RecordEpisodeStatistics } from './RecordEpisodeStatistics.js';
import { boxSpace } from './spaces.js';
import { Wrapper, findWrapper } from './Wrapper.js';
import { applyWrappers, cleanrlWrappers } from './wrapperConfig.js';

test("applyWrappers: CleanRL's continuous stack in order (first innermost), options checked", () => {
  const env = applyWrappers(makeEnvSync('Pendulum-v1'), cleanrlWrappers(true, 0.95));
  const kinds: string[] = [];
  for (let e = env; e instanceof Wrapper; e = e.env) kinds.push(e.kind);
  assert.deepEqual(kinds, ['ClipReward', 'NormalizeReward', 'ClipObservation', 'NormalizeObservation', 'ClipAction', 'RecordEpisodeStatistics', 'TimeLimit']);
  assert.ok(env instanceof ClipReward && env.env instanceof NormalizeReward && env.env.gamma === 0.95);
  assert.deepEqual(cleanrlWrappers(false), [{ kind: 'record-episode-statistics' }]);
  assert.throws(() => applyWrappers(makeEnvSync('CartPole-v1'), [{ kind: 'normalize-reward', gamma: 2 }]), /wrappers\[0\]: gamma = 2 is not allowed: must be <= 1/);
  // The stack checkpoints and continues bit for bit.
  env.reset(Rng.seeded(1));
  const act = Float64Array.of(3);
  for (let i = 0; i < 50; i++) env.step(act);
  const copy = applyWrappers(makeEnvSync('Pendulum-v1'), cleanrlWrappers(true, 0.95));
  copy.setState(JSON.parse(JSON.stringify(env.getState())));
  for (let i = 0; i < 150; i++) {
    const a = env.step(act), b = copy.step(act);
    assert.deepEqual([Array.from(b.obs), b.reward, b.truncated], [Array.from(a.obs), a.reward, a.truncated]);
  }
  assert.equal(findWrapper(env, RecordEpisodeStatistics)?.episodeCount, 1, 'the 200-step episode ended at the last step');
  assert.ok(env instanceof Wrapper && env.unwrapped.id === 'Pendulum-v1' && !(env.unwrapped instanceof ClipAction));
});

/** A scripted env: observation and reward of step k from the script, terminated at `end`; it keeps the actions it got. */
class ScriptedEnv implements Env {
  readonly id = 'Scripted-v0';
  readonly observationSpace = boxSpace([-Infinity], [Infinity]);
  readonly actionSpace = boxSpace([-1], [1]);
  readonly received: number[] = [];
  private k = 0;
  constructor(
    private readonly obs: (k: number) => number,
    private readonly reward: (k: number) => number,
    private readonly end: number,
  ) {}
  reset(): Float64Array {
    this.k = 0;
    return Float64Array.of(this.obs(0));
  }
  step(action: Action): StepResult {
    this.received.push((action as Float64Array)[0]!);
    this.k++;
    return { obs: Float64Array.of(this.obs(this.k)), reward: this.reward(this.k), terminated: this.k === this.end, truncated: false };
  }
  params(): Record<string, number> {
    return {};
  }
  setParams(): void {}
  getState(): unknown {
    return { k: this.k };
  }
  setState(s: unknown): void {
    this.k = (s as { k: number }).k;
  }
}

test("CleanRL's continuous stack on a scripted env: raw returns recorded, actions clipped, observations normalized then clipped, rewards normalized on raw G then clipped", () => {
  // 300 steps of observation 0, then 1e6; reward 1000 at step 1, then 1.
  const inner = new ScriptedEnv((k) => (k > 300 ? 1e6 : 0), (k) => (k === 1 ? 1000 : 1), 310);
  const env = applyWrappers(inner, cleanrlWrappers(true, 0.99));
  env.reset();
  const out: StepResult[] = [];
  const nr = findWrapper(env, NormalizeReward)!;
  let g2 = NaN;
  for (let k = 1; k <= 310; k++) {
    const r = env.step(Float64Array.of(k === 1 ? 5 : -0.5));
    out.push({ ...r, obs: Float64Array.from(r.obs) });
    if (k === 2) g2 = nr.discountedReturn;
  }
  assert.deepEqual(inner.received.slice(0, 2), [1, -0.5], 'ClipAction sits between the policy and the env');
  // RecordEpisodeStatistics is inside the normalizations: the episode's return is the raw sum.
  assert.equal(out[309]!.info?.[EPISODE_RETURN], 1000 + 309);
  assert.equal(out[309]!.info?.[EPISODE_LENGTH], 310);
  // NormalizeReward keeps G of the raw rewards: the first step's 1000 over sqrt(var(G)) is about 100, clipped to 10.
  assert.equal(out[0]!.reward, 10);
  assert.equal(g2, 1000 * 0.99 + 1, 'the discounted return is of raw (unclipped) rewards');
  assert.equal(nr.discountedReturn, 1, 'termination restarts it: G = G gamma (1 - terminated) + r');
  assert.ok(Math.abs(out[309]!.reward - 1 / Math.sqrt(nr.rms.var[0]! + 1e-8)) < 1e-12, 'a later reward: r / sqrt(var(G) + eps), inside [-10, 10]');
  // NormalizeObservation sees the raw observations; after 301 zeros the jump to 1e6 normalizes to about sqrt(302) > 10: clipped.
  const no = findWrapper(env, NormalizeObservation)!;
  assert.ok(Math.abs(no.rms.mean[0]! - (10 * 1e6) / (311 + 1e-4)) < 1e-3, 'the statistics are of raw observations (reset included)');
  assert.equal(out[300]!.obs[0], 10);
  assert.ok(out[309]!.obs[0]! < 10 && out[309]!.obs[0]! > 0, 'unclipped once the statistics have caught up');
});
