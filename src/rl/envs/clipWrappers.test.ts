import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptedEnv } from '../../../test/helpers/scriptedEnv.js';
import { ClipAction } from './ClipAction.js';
import { ClipObservation } from './ClipObservation.js';
import { ClipReward } from './ClipReward.js';
import { TransformObservation } from './TransformObservation.js';

test('ClipObservation: elementwise to [low, high], space narrowed', () => {
  const env = new ClipObservation(new ScriptedEnv([20, -0.5, -30], [{ obs: [1, 12, -10.5], reward: 0 }]), -10, 10);
  assert.deepEqual(Array.from(env.reset()), [10, -0.5, -10]);
  assert.deepEqual(Array.from(env.step(0).obs), [1, 10, -10]);
  assert.deepEqual([...env.observationSpace.low, ...env.observationSpace.high], [-5, -5, -5, 5, 5, 5]);
  assert.throws(() => new ClipObservation(env, 1, 0), /low\[0\] = 1 is above high\[0\] = 0/);
});

test('ClipReward: to [min, max]', () => {
  const env = new ClipReward(new ScriptedEnv([0], [{ obs: [0], reward: 12 }, { obs: [0], reward: -0.25 }, { obs: [0], reward: -11 }]), -10, 10);
  env.reset();
  assert.deepEqual([env.step(0).reward, env.step(0).reward, env.step(0).reward], [10, -0.25, -10]);
});

test("ClipAction: actions clipped to the wrapped env's box, the caller's array untouched, space unbounded", () => {
  const inner = new ScriptedEnv([0], [{ obs: [0], reward: 0 }], true);
  const env = new ClipAction(inner);
  env.reset();
  const a = Float64Array.of(3, -1.5);
  env.step(a);
  assert.deepEqual(Array.from(inner.actions[0] as Float64Array), [1, -1.5]);
  assert.deepEqual(Array.from(a), [3, -1.5]);
  assert.ok(env.actionSpace.kind === 'box' && env.actionSpace.high[0] === Infinity);
  assert.throws(() => new ClipAction(new ScriptedEnv([0], [])), /discrete action space/);
});

test('TransformObservation: the function applies after reset and step', () => {
  const env = new TransformObservation(new ScriptedEnv([1, 2], [{ obs: [3, 4], reward: 0 }]), (o) => o.map((v) => v * 10));
  assert.deepEqual(Array.from(env.reset()), [10, 20]);
  assert.deepEqual(Array.from(env.step(0).obs), [30, 40]);
});
