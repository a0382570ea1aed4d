import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptedEnv } from '../../../test/helpers/scriptedEnv.js';
import { TimeLimit } from './TimeLimit.js';

test('TimeLimit: truncated on step maxEpisodeSteps, counter restarts at reset and is checkpointed', () => {
  const env = new TimeLimit(new ScriptedEnv([0], [{ obs: [1], reward: 1 }]), 3);
  env.reset();
  assert.deepEqual([1, 2, 3].map(() => env.step(0).truncated), [false, false, true]);
  env.reset();
  env.step(0);
  const saved = JSON.parse(JSON.stringify(env.getState())) as unknown;
  const other = new TimeLimit(new ScriptedEnv([0], [{ obs: [1], reward: 1 }]), 3);
  other.setState(saved);
  assert.deepEqual([other.step(0).truncated, other.step(0).truncated], [false, true]);
  assert.throws(() => new TimeLimit(env, 0), /maxEpisodeSteps = 0 is not allowed/);
});
