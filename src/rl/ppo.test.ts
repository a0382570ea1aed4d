import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import type { EditRecord } from '../nn/Edit.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { makeVectorEnv } from './envs/makeVectorEnv.js';
import { cleanrlWrappers } from './envs/wrapperConfig.js';
import { PpoAgent } from './ppo.js';
import { ppoSchema, type PpoConfig } from './ppoConfig.js';
import { initialRlLoopState, rlLoop, TIMING_KEYS, type RlRecord } from './rlLoop.js';
import type { MethodConfig } from '../methods/index.js';
import { orthogonalInit } from './orthogonalInit.js';
import type { ParamScheduleConfig } from './envs/ParamSchedule.js';

const backend = getBackend('ts');

async function run(seed: number, steps: number, agentSet: Partial<PpoConfig> = {}, methods: MethodConfig[] = [], schedule?: ParamScheduleConfig) {
  const rng = Rng.seeded(seed);
  const env = await makeVectorEnv({ id: 'CartPole-v1', num: 2, wrappers: cleanrlWrappers(false), ...(schedule ? { schedule } : {}) }, rng);
  env.reset(rng.split('reset'));
  const config = ppoSchema.parse({ numSteps: 32, numMinibatches: 2, updateEpochs: 2, hidden: [16, 16], ...agentSet });
  const agent = new PpoAgent({ config, obsSize: env.obsSize, actionSpace: env.singleActionSpace, numEnvs: env.num, backend, rng: rng.split('agent'), methods });
  const records: RlRecord[] = [];
  const edits: EditRecord[] = [];
  const state = initialRlLoopState(env.num);
  await rlLoop({ env, agent, totalSteps: steps, seconds: () => 1, record: (r) => records.push(r), recordEdits: (_s, _t, e) => edits.push(...e) }, state);
  return { agent, records, edits, state };
}

const strip = (rs: RlRecord[]) => rs.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !(TIMING_KEYS as readonly string[]).includes(k))));

test('PPO on CartPole: the same seed gives the same run, another seed another; records per iteration and per episode', async () => {
  const a = await run(1, 640);
  const b = await run(1, 640);
  const c = await run(2, 640);
  assert.deepEqual(strip(a.records), strip(b.records));
  assert.deepEqual(a.agent.policy.model.params.map((p) => Array.from(p.data)), b.agent.policy.model.params.map((p) => Array.from(p.data)));
  assert.notDeepEqual(a.agent.value.model.params.map((p) => Array.from(p.data)), c.agent.value.model.params.map((p) => Array.from(p.data)));
  const its = a.records.filter((r) => r.iteration !== undefined);
  assert.equal(its.length, 10, '640 steps / (32 steps x 2 envs) = 10 iterations');
  assert.deepEqual(its.map((r) => r.step), [64, 128, 192, 256, 320, 384, 448, 512, 576, 640]);
  for (const k of ['ppo/policyLoss', 'ppo/valueLoss', 'ppo/entropy', 'ppo/approxKl', 'ppo/clipFraction', 'ppo/explainedVariance', 'sps']) assert.ok(Number.isFinite(its[0]![k]), `${k} recorded`);
  const eps = a.records.filter((r) => r['episode/return'] !== undefined);
  assert.ok(eps.length > 5, 'finished episodes are recorded');
  // CartPole pays 1 per step: an episode's return equals its length.
  for (const e of eps) assert.equal(e['episode/return'], e['episode/length']);
  // The learning rate anneals linearly from lr at iteration 1 (CleanRL: lr * (1 - (i - 1) / n)).
  assert.ok(Math.abs(its[0]!['ppo/learningRate']! - 2.5e-4) < 1e-15 && Math.abs(its[9]!['ppo/learningRate']! - 2.5e-5) < 1e-15);
  assert.deepEqual(a.agent.policy.model.unitGroups.map((g) => g.name), ['policy/h1', 'policy/h2']);
  assert.deepEqual(a.agent.value.model.unitGroups.map((g) => g.name), ['value/h1', 'value/h2']);
});

test('methods act on both networks: cbp replaces units in policy and value groups; a parameter change is a task boundary', async () => {
  const r = await run(3, 1280, {}, [{ name: 'cbp', rate: 0.05, maturity: 5, decay: 0.99, utility: 'contribution', compensateBias: false, groups: [] }], {
    every: 320,
    changes: [{ params: 'gravity', draw: { kind: 'uniform', low: 5, high: 15 } }],
  });
  const groups = new Set(r.edits.map((e) => (e as { group?: string }).group));
  for (const g of ['policy/h1', 'policy/h2', 'value/h1', 'value/h2']) assert.ok(groups.has(g), `cbp replaced units in ${g} (groups edited: ${[...groups].join(', ')})`);
  const changes = r.records.filter((x) => x['env/gravity'] !== undefined);
  assert.equal(changes.length, 3, 'changes at 320, 640, 960 steps (1280 is the end)');
  assert.deepEqual(changes.map((x) => x.task), [1, 2, 3]);
  assert.equal(r.state.task, 3);
  assert.ok(r.agent.policy.learner.taskStartStep > 0, "the nets' learners saw the task boundaries");
});

test('a continuous policy keeps a state-independent log-std, trained with the policy', async () => {
  const rng = Rng.seeded(5);
  const env = await makeVectorEnv({ id: 'Pendulum-v1', num: 1, wrappers: cleanrlWrappers(true) }, rng);
  env.reset(rng.split('reset'));
  const config = ppoSchema.parse({ numSteps: 64, numMinibatches: 2, updateEpochs: 2, hidden: [8], entCoef: 0.01 });
  const agent = new PpoAgent({ config, obsSize: env.obsSize, actionSpace: env.singleActionSpace, numEnvs: 1, backend, rng });
  await rlLoop({ env, agent, totalSteps: 128, seconds: () => 1, record: () => {} }, initialRlLoopState(1));
  assert.equal(agent.logStd!.length, 1);
  assert.notEqual(agent.logStd![0], 0, 'the log-std moved');
  const s = agent.getState();
  assert.ok(s.logStd && s.logStdAdam && s.logStdAdam.t === 8, '2 epochs x 2 minibatches x 2 iterations = 8 Adam steps of the log-std');
});

test('orthogonal init: rows (wide) or columns (tall) orthonormal, times the gain', () => {
  for (const [r, c] of [[6, 3], [3, 6]] as const) {
    const w = new Float64Array(r * c);
    orthogonalInit(w, r, c, 2, Rng.seeded(1));
    const k = Math.min(r, c);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        let d = 0;
        for (let i = 0; i < Math.max(r, c); i++) d += r >= c ? w[i * c + a]! * w[i * c + b]! : w[a * c + i]! * w[b * c + i]!;
        assert.ok(Math.abs(d - (a === b ? 4 : 0)) < 1e-9, `${r}x${c}: <${a}, ${b}> = ${d}`);
      }
    }
  }
});

/** A continuous agent on a hand-filled rollout of `T` steps (one env, 3 observations, 2 actions). */
function handRollout(config: PpoConfig, T: number, seed: number): { agent: PpoAgent; obs: Float64Array[] } {
  const box = { kind: 'box' as const, shape: [2], low: Float64Array.of(-1, -1), high: Float64Array.of(1, 1) };
  const agent = new PpoAgent({ config, obsSize: 3, actionSpace: box, numEnvs: 1, backend, rng: Rng.seeded(seed) });
  const r = Rng.seeded(seed + 100);
  const obs: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const o = Float64Array.from({ length: 3 }, () => r.normal());
    obs.push(o);
    agent.setDones(t, [0]);
    agent.act(t, o);
    agent.record(t, [5 * r.normal()]);
  }
  return { agent, obs };
}

type AdamParts = { parts: [unknown, { m: { arrays: Float32Array[] } }] };
const moment = (net: { learner: { optState: unknown } }) => (net.learner.optState as AdamParts).parts[1].m.arrays.reduce((s, a) => s + a.reduce((t, x) => t + x * x, 0), 0);

test("one gradient-norm clip over the policy, its log-std and the value net (CleanRL's clip_grad_norm_(agent.parameters()))", () => {
  const config = ppoSchema.parse({ numSteps: 16, numMinibatches: 1, updateEpochs: 1, hidden: [4], entCoef: 0, maxGradNorm: 0.05, lr: 1e-3 });
  const { agent } = handRollout(config, 16, 7);
  const s = agent.update(new Float64Array(1), [0], 0);
  assert.ok(Math.abs(s.gradNorm - Math.hypot(s.policyGradNorm, s.valueGradNorm)) < 1e-12 * s.gradNorm, 'the norm is over both nets');
  assert.ok(s.gradNorm > config.maxGradNorm && s.valueGradNorm / s.gradNorm < 0.99 && s.policyGradNorm / s.gradNorm < 0.99, 'a case where clipping acts and both nets count');
  // Adam's first moment after one step is (1 - beta1) times the clipped gradient: its norm shows the factor applied to each net.
  const factor = config.maxGradNorm / (s.gradNorm + 1e-6);
  const v = Math.sqrt(moment(agent.value));
  const st = agent.getState().logStdAdam!;
  const p = Math.sqrt(moment(agent.policy) + st.m.reduce((a, x) => a + x * x, 0));
  assert.ok(Math.abs(v - 0.1 * factor * s.valueGradNorm) < 1e-4 * v, `value net: |m| = ${v}, expected ${0.1 * factor * s.valueGradNorm}`);
  assert.ok(Math.abs(p - 0.1 * factor * s.policyGradNorm) < 1e-4 * p, `policy and log-std: |m| = ${p}, expected ${0.1 * factor * s.policyGradNorm}`);
  // Per-net clipping (each to 0.05) would give |m| = 0.1 * 0.05 for each net: not what CleanRL does.
  assert.ok(Math.abs(v - 0.1 * config.maxGradNorm) > 0.01 * v && Math.abs(p - 0.1 * config.maxGradNorm) > 0.01 * p);
});

test('continuous actions: sampled N(mean, exp(logStd)), stored unclipped, log-prob summed over the action dims; CleanRL layer_init', () => {
  const config = ppoSchema.parse({ numSteps: 64, numMinibatches: 1, updateEpochs: 1, hidden: [64, 64], entCoef: 0 });
  const { agent, obs } = handRollout(config, 64, 11);
  // act() left each mean in the policy's output for that observation: recompute it, then the Normal's log-density.
  let outside = 0;
  for (let t = 0; t < 64; t++) {
    agent.act(t, obs[t]!);
    const x = new Tensor(backend.alloc(3), [1, 3]);
    x.data.set(obs[t]!);
    const mu = agent.policy.model.forward(x, false).data;
    let logp = 0;
    for (let j = 0; j < 2; j++) {
      const a = agent.actions[t * 2 + j]!, sd = Math.exp(agent.logStd![j]!);
      if (Math.abs(a) > 1) outside++;
      logp += -0.5 * ((a - mu[j]!) / sd) ** 2 - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
    }
    assert.ok(Math.abs(agent.logProbs[t]! - logp) < 1e-9, `step ${t}: log-prob ${agent.logProbs[t]} vs ${logp}`);
  }
  assert.ok(outside > 0, 'actions outside [-1, 1] are kept as sampled (the env clips them: ClipAction)');
  assert.deepEqual(Array.from(agent.logStd!), [0, 0], 'log-std starts at 0');
  // Orthogonal weights: hidden gain sqrt 2, policy head 0.01, value head 1 (Frobenius norm^2 = gain^2 x min(rows, cols)); zero biases.
  for (const [net, head] of [[agent.policy, 0.01], [agent.value, 1]] as const) {
    const ws = net.model.params.filter((q) => q.shape.length === 2);
    ws.forEach((w, i) => {
      const g = i === ws.length - 1 ? head : Math.SQRT2;
      const f = Array.from(w.data).reduce((s, x) => s + x * x, 0);
      assert.ok(Math.abs(f - g * g * Math.min(w.shape[0]!, w.shape[1]!)) < 1e-4 * f, `${net.name} layer ${i}: |W|^2 = ${f}`);
    });
    for (const b of net.model.params.filter((q) => q.shape.length === 1)) assert.ok(b.data.every((x) => x === 0));
  }
});
