import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../tensor/Rng.js';
import { CartPole } from './CartPole.js';
import { ParamSchedule, type ParamChange } from './ParamSchedule.js';
import { SCHEDULE_CHANGE, ScheduledEnv } from './ScheduledEnv.js';
import { TimeLimit } from './TimeLimit.js';

const schedule = (seed: number) => new ParamSchedule({ every: 4, changes: [{ params: 'gravity', draw: { kind: 'uniform', low: 5, high: 15 } }, { params: 'length', draw: { kind: 'cycle', values: [0.3, 0.9] } }] }, Rng.seeded(seed));

test('ScheduledEnv: parameters change every K steps, take effect, are reported and checkpointed', () => {
  const seen: ParamChange[] = [];
  const env = new ScheduledEnv(new TimeLimit(new CartPole(), 500), schedule(1), (c) => seen.push(c));
  env.reset(Rng.seeded(2));
  const marks: (number | undefined)[] = [];
  for (let t = 0; t < 9; t++) marks.push(env.step(t % 2).info?.[SCHEDULE_CHANGE]);
  assert.deepEqual(marks, [undefined, undefined, undefined, undefined, 0, undefined, undefined, undefined, 1]);
  assert.equal(seen.length, 2);
  assert.equal(env.params().length, 0.9);
  assert.equal(env.params().gravity, seen[1]!.values.gravity);
  const saved = JSON.parse(JSON.stringify(env.getState())) as unknown;
  const rest = Array.from({ length: 10 }, (_, t) => [...env.step(t % 2).obs]);
  const other = new ScheduledEnv(new TimeLimit(new CartPole(), 500), schedule(9));
  other.setState(saved);
  assert.deepEqual(Array.from({ length: 10 }, (_, t) => [...other.step(t % 2).obs]), rest);
  assert.throws(() => new ScheduledEnv(new CartPole(), new ParamSchedule({ every: 1, changes: [{ params: 'friction', draw: { kind: 'cycle', values: [1] } }] }, Rng.seeded(1))), /CartPole-v1 has no parameter 'friction'; known: gravity, massCart/);
});
