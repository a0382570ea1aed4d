import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptedEnv } from '../../../test/helpers/scriptedEnv.js';
import { EPISODE_LENGTH, EPISODE_RETURN, RecordEpisodeStatistics } from './RecordEpisodeStatistics.js';
import { TimeLimit } from './TimeLimit.js';

test('RecordEpisodeStatistics: return and length in the info of the last step, queues of the last episodes', () => {
  const inner = new ScriptedEnv([0], [{ obs: [0], reward: 1.5 }, { obs: [0], reward: -0.5 }, { obs: [0], reward: 2, terminated: true }]);
  const env = new RecordEpisodeStatistics(new TimeLimit(inner, 2), 2);
  env.reset();
  assert.equal(env.step(0).info?.[EPISODE_RETURN], undefined);
  const end = env.step(0); // truncated by the time limit after 2 steps
  assert.deepEqual([end.info?.[EPISODE_RETURN], end.info?.[EPISODE_LENGTH], end.info?.k], [1, 2, 2]);
  env.reset();
  const t = env.step(0); // reward 2, terminated: a one-step episode
  assert.deepEqual([t.terminated, t.info?.[EPISODE_RETURN], t.info?.[EPISODE_LENGTH]], [true, 2, 1]);
  env.reset();
  env.step(0);
  env.step(0); // 1.5 - 0.5 = 1 over 2 steps; the queue keeps the last 2 episodes
  assert.deepEqual([env.returnQueue, env.lengthQueue, env.episodeCount], [[2, 1], [1, 2], 3]);
  const other = new RecordEpisodeStatistics(new TimeLimit(new ScriptedEnv([0], inner.script), 2), 2);
  other.setState(JSON.parse(JSON.stringify(env.getState())));
  assert.deepEqual([other.returnQueue, other.episodeCount], [[2, 1], 3]);
});
