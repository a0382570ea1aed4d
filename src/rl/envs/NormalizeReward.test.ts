import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptedEnv } from '../../../test/helpers/scriptedEnv.js';
import { NormalizeReward } from './NormalizeReward.js';

test('NormalizeReward: r / sqrt(var(G) + eps) with G = G gamma (1 - terminated) + r (values from NumPy)', () => {
  const env = new NormalizeReward(new ScriptedEnv([0], [{ obs: [0], reward: 1 }, { obs: [0], reward: 2, terminated: true }, { obs: [0], reward: 3 }]), 0.9);
  env.reset();
  const want = [
    [70.71421321062337, 1.0],
    [3.9988005647001654, 2.0], // terminated: G restarts from this reward
    [1.8652478399348313, 4.8],
  ];
  for (const [r, g] of want) {
    const got = env.step(0).reward;
    assert.ok(Math.abs(got - r!) < 1e-9 * r!, `${got} vs ${r}`);
    assert.ok(Math.abs(env.discountedReturn - g!) < 1e-12);
  }
  assert.throws(() => new NormalizeReward(new ScriptedEnv([0], []), 1.5), /gamma = 1.5 is not allowed: in \[0, 1\]/);
});

test('NormalizeReward: G and the statistics continue from a checkpoint', () => {
  const script = [{ obs: [0], reward: 0.5 }, { obs: [0], reward: -1 }, { obs: [0], reward: 2, truncated: true }];
  const a = new NormalizeReward(new ScriptedEnv([0], script));
  a.reset();
  for (let i = 0; i < 4; i++) a.step(0);
  const b = new NormalizeReward(new ScriptedEnv([0], script));
  b.setState(JSON.parse(JSON.stringify(a.getState())));
  for (let i = 0; i < 6; i++) assert.equal(b.step(0).reward, a.step(0).reward);
  assert.equal(b.discountedReturn, a.discountedReturn);
});
