import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptedEnv } from '../../../test/helpers/scriptedEnv.js';
import { NormalizeObservation } from './NormalizeObservation.js';

test('NormalizeObservation: reset and step observations update the statistics, then come out (x - mean) / sqrt(var + 1e-8)', () => {
  const env = new NormalizeObservation(new ScriptedEnv([2, -1], [{ obs: [4, 0.5], reward: 0 }]));
  const o0 = Array.from(env.reset());
  // After one sample x = (2, -1): mean 1.9998000199980002..., var 0.00049991... (Gymnasium's numbers).
  const m0 = [1.9998000199980002, -0.9999000099990001], v0 = [0.0004999100129983002, 0.00019997000399950008];
  o0.forEach((o, i) => assert.ok(Math.abs(o - ([2, -1][i]! - m0[i]!) / Math.sqrt(v0[i]! + 1e-8)) < 1e-12));
  const o1 = Array.from(env.step(0).obs);
  const m1 = [2.9998500074996253, -0.24998750062496866], v1 = [1.000449955003375, 0.5625249985938282];
  o1.forEach((o, i) => assert.ok(Math.abs(o - ([4, 0.5][i]! - m1[i]!) / Math.sqrt(v1[i]! + 1e-8)) < 1e-12));
  // Frozen statistics: the same observation gives the same output and the count stays.
  env.updateStats = false;
  const count = env.rms.count;
  const a = Array.from(env.step(0).obs), b = Array.from(env.step(0).obs);
  assert.deepEqual(a, b);
  assert.equal(env.rms.count, count);
  assert.ok(env.observationSpace.low.every((v) => v === -Infinity));
});

test('NormalizeObservation: statistics are in the checkpoint and continue bit for bit', () => {
  const script = [{ obs: [1, 2], reward: 0 }, { obs: [3, -2], reward: 0 }, { obs: [0.5, 7], reward: 0 }];
  const a = new NormalizeObservation(new ScriptedEnv([0, 0], script));
  a.reset();
  a.step(0);
  const saved = JSON.parse(JSON.stringify(a.getState())) as unknown;
  const b = new NormalizeObservation(new ScriptedEnv([0, 0], script));
  b.setState(saved);
  for (let i = 0; i < 5; i++) assert.deepEqual(Array.from(b.step(0).obs), Array.from(a.step(0).obs));
  assert.throws(() => b.setState({ wrapper: 'TimeLimit', own: {}, env: {} }), /checkpoint is of "TimeLimit", not NormalizeObservation/);
});
