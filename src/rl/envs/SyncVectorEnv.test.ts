import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptedEnv } from '../../../test/helpers/scriptedEnv.js';
import { Rng } from '../../tensor/Rng.js';
import { CartPole } from './CartPole.js';
import { ParamSchedule } from './ParamSchedule.js';
import { EPISODE_RETURN, RecordEpisodeStatistics } from './RecordEpisodeStatistics.js';
import { SyncVectorEnv } from './SyncVectorEnv.js';
import { TimeLimit } from './TimeLimit.js';
import { Pendulum } from './Pendulum.js';

test('SyncVectorEnv: same-step autoreset, final observation and info kept, the row is the next episode start', () => {
  const script = [{ obs: [1, 1], reward: 1 }, { obs: [2, 2], reward: 1, terminated: true }];
  const envs = [new RecordEpisodeStatistics(new ScriptedEnv([0, 0], script)), new RecordEpisodeStatistics(new TimeLimit(new ScriptedEnv([5, 5], [{ obs: [6, 6], reward: 3 }]), 1))];
  const v = new SyncVectorEnv(envs);
  assert.deepEqual(Array.from(v.reset(Rng.seeded(1))), [0, 0, 5, 5]);
  const r1 = v.step([0, 1]);
  // Copy 1 truncates at once (limit 1): its row is the reset observation, the final one is kept.
  assert.deepEqual([Array.from(r1.obs), Array.from(r1.terminated), Array.from(r1.truncated)], [[1, 1, 5, 5], [0, 0], [0, 1]]);
  assert.deepEqual([r1.finalObs[0], Array.from(r1.finalObs[1]!)], [null, [6, 6]]);
  assert.equal(r1.finalInfo[1]?.[EPISODE_RETURN], 3);
  const r2 = v.step([1, 0]);
  assert.deepEqual([Array.from(r2.obs), Array.from(r2.terminated), Array.from(r2.rewards)], [[0, 0, 5, 5], [1, 0], [1, 3]]);
  assert.deepEqual(Array.from(r2.finalObs[0]!), [2, 2]);
  assert.equal(r2.finalInfo[0]?.[EPISODE_RETURN], 2);
  assert.equal(v.totalSteps, 4);
  assert.throws(() => v.step([0]), /1 action values given, 2 copies need 2/);
});

test('SyncVectorEnv: copies seeded by rng.split(i); the same seed repeats, a checkpoint continues bit for bit', () => {
  const make = () => SyncVectorEnv.of(3, () => new TimeLimit(new CartPole(), 500));
  const a = make(), b = make();
  const rng = Rng.seeded(4);
  const oa = Array.from(a.reset(rng));
  const single = new CartPole();
  assert.deepEqual(oa.slice(4, 8), Array.from(single.reset(Rng.seeded(4).split(1))));
  assert.deepEqual(Array.from(b.reset(Rng.seeded(4))), oa);
  const act = Rng.seeded(5);
  const actions = Array.from({ length: 300 }, () => [act.int(2), act.int(2), act.int(2)]);
  const run = (v: SyncVectorEnv, as: number[][]) => as.map((x) => { const r = v.step(x); return [...r.obs, ...r.rewards, ...r.terminated]; });
  run(a, actions.slice(0, 100));
  run(b, actions.slice(0, 100));
  const saved = JSON.parse(JSON.stringify(a.getState()));
  const restA = run(a, actions.slice(100));
  assert.deepEqual(run(b, actions.slice(100)), restA);
  const c = make();
  c.setState(saved);
  assert.deepEqual(run(c, actions.slice(100)), restA);
});

test('SyncVectorEnv: a schedule counts all copies\' steps and changes every copy at once', () => {
  const v = SyncVectorEnv.of(2, () => new Pendulum(), new ParamSchedule({ every: 6, changes: [{ params: 'gravity', draw: { kind: 'cycle', values: [3, 4] } }] }, Rng.seeded(1)));
  v.reset(Rng.seeded(2));
  const changes = [];
  for (let t = 0; t < 7; t++) changes.push(v.step([0.5, -0.5]).change?.values.gravity);
  assert.deepEqual(changes, [undefined, undefined, undefined, 3, undefined, undefined, 4]);
  assert.deepEqual(v.envs.map((e) => e.params().gravity), [4, 4]);
  // Box actions: num x actionSize values.
  assert.throws(() => v.step([0.5]), /1 action values given, 2 copies need 2/);
  assert.throws(() => new SyncVectorEnv([new CartPole(), new Pendulum()]), /copy 1 \(Pendulum-v1\) differs from copy 0/);
});
