import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../tensor/Rng.js';
import { ClipAction } from './ClipAction.js';
import { ClipReward } from './ClipReward.js';
import { makeEnvSync } from './envRegistry.js';
import { NormalizeReward } from './NormalizeReward.js';
import { RecordEpisodeStatistics } from './RecordEpisodeStatistics.js';
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
