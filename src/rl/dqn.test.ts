import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import type { Model } from '../nn/Model.js';
import { DqnAgent, linearSchedule } from './dqn.js';
import { dqnSchema, type DqnConfig } from './dqnConfig.js';
import { dqnLoop, initialDqnLoopState } from './dqnLoop.js';
import { makeVectorEnv } from './envs/makeVectorEnv.js';
import { cleanrlWrappers } from './envs/wrapperConfig.js';
import type { RlRecord } from './rlLoop.js';
import { NStepAccumulator } from './NStepAccumulator.js';
import { ReplayBuffer } from './ReplayBuffer.js';
import { SpectralLinear } from '../nn/layers/SpectralNorm.js';
import { Tensor } from '../tensor/Tensor.js';

const backend = getBackend('ts');

function agentOf(set: Partial<DqnConfig> = {}, obsSize = 2, actions = 2): DqnAgent {
  const config = dqnSchema.parse({ hidden: [4], batchSize: 4, bufferSize: 8, ...set });
  return new DqnAgent({ config, obsSize, actions, numEnvs: 1, backend, rng: Rng.seeded(5) });
}

/** Every weight 0 and the output bias = `bias`: Q(s, a) = bias[a] whatever s is. */
function constantQ(m: Model, bias: number[]): void {
  for (const p of m.params) p.data.fill(0);
  const last = m.params[m.params.length - 1]!;
  assert.equal(last.data.length, bias.length, 'the last parameter is the output bias');
  last.data.set(bias);
}

test('linear epsilon schedule: CleanRL linear_schedule (slope, floor at end_e)', () => {
  assert.equal(linearSchedule(1, 0.05, 100, 0), 1);
  assert.ok(Math.abs(linearSchedule(1, 0.05, 100, 50) - 0.525) < 1e-15);
  // At t = duration the line is at end_e up to rounding (numpy's float64 gives the same 0.05 + 4e-17).
  assert.ok(Math.abs(linearSchedule(1, 0.05, 100, 100) - 0.05) < 1e-15);
  assert.equal(linearSchedule(1, 0.05, 100, 1000), 0.05);
});

test('TD targets by hand: y = r + gamma max_a Q_target(s\', a) (1 - done); double DQN values the online argmax with the target net', () => {
  const a = agentOf({ gamma: 0.9 });
  const b = agentOf({ gamma: 0.9, doubleDqn: true });
  for (const ag of [a, b]) {
    constantQ(ag.target, [1, 3]);
    constantQ(ag.q.model, [5, 0]);
    ag.buffer.add([0, 0], 0, [1, 1], 0, 1, 2, false);
    ag.buffer.add([0, 0], 0, [1, 1], 0, 0, -1, true);
  }
  // Row 0: 2 + 0.9 * 3; row 1 terminal: -1.
  const ta = a.targetsFor([0, 1]);
  assert.deepEqual(Array.from(ta).map((v) => Math.round(v * 1e6) / 1e6), [1, 4.7, 0, -1]);
  // Double DQN: the online net prefers action 0 (5 > 0); the target values it at 1: 2 + 0.9 * 1.
  const tb = b.targetsFor([0, 1]);
  assert.deepEqual(Array.from(tb).map((v) => Math.round(v * 1e6) / 1e6), [1, 2.9, 0, -1]);
  // An n-step row (horizon 3) bootstraps with gamma^3.
  const c = agentOf({ gamma: 0.5 });
  constantQ(c.target, [1, 4]);
  c.buffer.add([0, 0], 0, [0, 0], 0, 0, 1.5, false, 3);
  assert.ok(Math.abs(c.targetsFor([0])[1]! - (1.5 + 0.125 * 4)) < 1e-6);
});

test('n-step returns: windows of n discounted rewards; an ended episode flushes its tail (terminal or bootstrapped)', () => {
  const buf = new ReplayBuffer(16, 1);
  const acc = new NStepAccumulator(3, 1, 1, 0.5);
  // Observations 0..4, rewards 1..5; the episode terminates after the fifth step (final obs 5).
  for (let k = 0; k < 5; k++) acc.push(buf, 0, [k], 0, k % 2, k + 1, [k + 1], 0, k === 4, k === 4);
  assert.equal(buf.size, 5);
  const rows = Array.from({ length: 5 }, (_, i) => [buf.obs[i], buf.actions[i], buf.rewards[i], buf.nextObs[i], buf.dones[i], buf.horizons[i]]);
  assert.deepEqual(rows, [
    [0, 0, 1 + 0.5 * 2 + 0.25 * 3, 3, 0, 3],
    [1, 1, 2 + 0.5 * 3 + 0.25 * 4, 4, 0, 3],
    [2, 0, 3 + 0.5 * 4 + 0.25 * 5, 5, 1, 3],
    [3, 1, 4 + 0.5 * 5, 5, 1, 2],
    [4, 0, 5, 5, 1, 1],
  ]);
  // A time limit (truncated) flushes too, but bootstraps (done 0); the next episode starts an empty window.
  acc.push(buf, 0, [10], 0, 0, 1, [11], 0, false, false);
  acc.push(buf, 0, [11], 0, 0, 1, [12], 0, false, true);
  assert.equal(buf.size, 7);
  assert.deepEqual([buf.rewards[5], buf.horizons[5], buf.dones[5], buf.nextObs[5], buf.rewards[6], buf.horizons[6]], [1.5, 2, 0, 12, 1, 1]);
});

test('replay buffer: wraps around at capacity (oldest overwritten), samples only filled rows, round-trips its state', () => {
  const buf = new ReplayBuffer(3, 2);
  for (let k = 0; k < 5; k++) buf.add([k, -k], 0, [k + 1, 0], 0, k, k * 10, k === 4);
  assert.equal(buf.size, 3);
  assert.equal(buf.pos, 2);
  assert.deepEqual(Array.from(buf.actions), [3, 4, 2]);
  assert.deepEqual(Array.from(buf.obs), [3, -3, 4, -4, 2, -2]);
  assert.deepEqual(Array.from(buf.dones), [0, 1, 0]);
  const rng = Rng.seeded(1), out = new Int32Array(200);
  buf.sample(200, rng, out);
  assert.ok(out.every((r) => r >= 0 && r < 3) && new Set(out).size === 3);
  const partial = new ReplayBuffer(10, 1);
  partial.add([1], 0, [1], 0, 0, 0, false);
  partial.add([1], 0, [1], 0, 0, 0, false);
  partial.sample(50, rng, out);
  assert.ok(out.subarray(0, 50).every((r) => r < 2), 'before the ring fills, only written rows are drawn');
  const copy = new ReplayBuffer(3, 2);
  copy.setState(buf.getState());
  assert.deepEqual([Array.from(copy.nextObs), copy.pos, copy.full], [Array.from(buf.nextObs), 2, true]);
  assert.throws(() => new ReplayBuffer(4, 2).setState(buf.getState()), /checkpoint holds 3 rows/);
});

test('Polyak target update: target <- tau q + (1 - tau) target; tau = 1 copies', () => {
  const a = agentOf({ tau: 0.25 });
  constantQ(a.q.model, [4, 8]);
  constantQ(a.target, [0, 4]);
  a.updateTarget();
  assert.deepEqual(Array.from(a.target.params[a.target.params.length - 1]!.data), [1, 5]);
  const b = agentOf();
  constantQ(b.q.model, [4, 8]);
  b.updateTarget();
  assert.deepEqual(Array.from(b.target.params[b.target.params.length - 1]!.data), [4, 8]);
});

test('spectral norm on the Q-network: every layer normalized; a target update hands the target net the online net\'s singular-vector estimates, so both give the same Q-values', () => {
  const a = agentOf({ spectralNorm: 'all', hidden: [6, 5], batchSize: 3, bufferSize: 16 }, 3, 2);
  assert.equal(a.q.model.layers.filter((l) => l instanceof SpectralLinear).length, 3);
  assert.equal(agentOf({}, 3, 2).q.model.layers.filter((l) => l instanceof SpectralLinear).length, 0);
  const rng = Rng.seeded(1);
  for (let i = 0; i < 16; i++) a.buffer.add([rng.normal(), rng.normal(), rng.normal()], 0, [rng.normal(), rng.normal(), rng.normal()], 0, rng.int(2), rng.float(), false);
  // Training moves the weights and refines the online net's estimates (power iteration on every training forward).
  for (let i = 0; i < 20; i++) a.train(0);
  a.updateTarget();
  const x = new Tensor(backend.alloc(6), [2, 3]);
  x.data.set([0.3, -1, 2, 1, 0.5, -0.2]);
  const q = Array.from(a.q.model.forward(x, false).data);
  const t = Array.from(a.target.forward(x, false).data);
  assert.deepEqual(t, q);
  assert.ok(a.q.model.buffers.length > 0 && a.q.model.buffers.every((b, i) => Array.from(b.data).join() === Array.from(a.target.buffers[i]!.data).join()));
});

async function runCartpole(seed: number, steps: number, set: Partial<DqnConfig> = {}) {
  const rng = Rng.seeded(seed);
  const env = await makeVectorEnv({ id: 'CartPole-v1', num: 1, wrappers: cleanrlWrappers(false) }, rng);
  env.reset(rng.split('reset'));
  const config = dqnSchema.parse({ hidden: [16, 16], learningStarts: 200, targetNetworkFrequency: 100, bufferSize: 1000, batchSize: 32, trainFrequency: 4, ...set });
  const agent = new DqnAgent({ config, obsSize: env.obsSize, actions: 2, numEnvs: 1, backend, rng: rng.split('agent') });
  const records: RlRecord[] = [];
  await dqnLoop({ env, agent, totalSteps: steps, seconds: () => 1, record: (r) => records.push(r) }, initialDqnLoopState());
  return { agent, records };
}

test('DQN on CartPole: deterministic per seed; records episodes, TD loss and the target-fitting loss at each target update', async () => {
  const a = await runCartpole(1, 1500);
  const b = await runCartpole(1, 1500);
  const c = await runCartpole(2, 1500, { doubleDqn: true, nSteps: 3, loss: 'huber' });
  const strip = (rs: RlRecord[]) => rs.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'sps')));
  assert.deepEqual(strip(a.records), strip(b.records));
  assert.deepEqual(a.agent.q.model.params.map((p) => Array.from(p.data)), b.agent.q.model.params.map((p) => Array.from(p.data)));
  const fits = a.records.filter((r) => r['dqn/targetFitFinal'] !== undefined);
  // Targets update at t = 300, 400, ..., 1400 (t > learningStarts = 200, every 100).
  assert.equal(fits.length, 12);
  for (const f of fits) assert.ok(Number.isFinite(f['dqn/targetFitFinal']) && Number.isFinite(f['dqn/targetFitInitial']));
  // Train steps at t = 204, 208, ..., 1496 (t > learningStarts, t % 4 == 0).
  assert.equal(a.agent.q.learner.step, (1496 - 204) / 4 + 1, 'a train step every 4 steps once t > 200');
  assert.ok(a.records.some((r) => r['episode/return'] !== undefined));
  assert.ok(c.records.some((r) => Number.isFinite(r['dqn/tdLoss'])));
  assert.deepEqual(a.agent.q.model.unitGroups.map((g) => g.name), ['q/h1', 'q/h2']);
});

async function runMdp(behavior: 'uniform' | 'expert', steps: number) {
  const rng = Rng.seeded(3);
  const env = await makeVectorEnv({ id: 'ClassificationMdp-v0', options: { images: 200 }, num: 1, wrappers: cleanrlWrappers(false) }, rng);
  env.reset(rng.split('reset'));
  const config = dqnSchema.parse({ hidden: [32], gamma: 0.9, behavior, lr: 1e-3, learningStarts: 200, trainFrequency: 1, targetNetworkFrequency: 500, batchSize: 32, bufferSize: 2000 });
  const agent = new DqnAgent({ config, obsSize: env.obsSize, actions: 10, numEnvs: 1, backend, rng: rng.split('agent') });
  const records: RlRecord[] = [];
  await dqnLoop({ env, agent, totalSteps: steps, seconds: () => 1, record: (r) => records.push(r) }, initialDqnLoopState());
  return records;
}

test('DQN on the classification MDP: greedy accuracy recorded at each target update, well above chance with uniform data; expert data pays every step', async () => {
  const records = await runMdp('uniform', 3000);
  const acc = records.filter((r) => r['dqn/greedyAccuracy'] !== undefined).map((r) => r['dqn/greedyAccuracy']!);
  assert.equal(acc.length, 5, 'target updates at t = 500, 1000, ..., 2500');
  assert.ok(acc[acc.length - 1]! > 0.5, `greedy accuracy ${acc.join(', ')} (chance: 0.1)`);
  const expert = await runMdp('expert', 400);
  const eps = expert.filter((r) => r['episode/return'] !== undefined);
  assert.ok(eps.length === 4 && eps.every((r) => r['episode/return'] === 100), 'episodes of 100 steps return 100');
});
