import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { catalog } from './catalog.js';
import { TIMING_KEYS } from '../rl/rlLoop.js';
import { mujocoUnavailable } from '../rl/envs/mujoco/loadMujoco.js';
import { readCheckpoint } from './checkpointFile.js';
import { resolveRlRunConfig, resumeRlRun, startRlRun } from './runRl.js';
import type { PpoConfig } from '../rl/ppoConfig.js';
import { scratchDir } from '../../test/helpers/scratchDir.js';

const cat = catalog();
const tmp = () => scratchDir('supple-rl-');
const lines = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean);
const metrics = (dir: string) =>
  lines(dir, 'metrics.jsonl').map((l) => {
    const r = JSON.parse(l) as Record<string, number>;
    for (const k of TIMING_KEYS) delete r[k];
    return r;
  });

test('RL config: preset, condition and --set keys routed to benchmark, agent and methods; errors name the key', () => {
  const c = resolveRlRunConfig({ preset: 'dohare-slippery-ant-laptop', condition: 'ppo-cbp-l2', set: { 'agent.lr': 3e-4 } }, cat, '0');
  assert.equal(c.kind, 'rl');
  assert.equal(c.benchmark.name, 'slippery-ant');
  assert.equal(c.benchmark.steps, 2_000_000);
  assert.equal(c.benchmark.every, 200_000);
  assert.deepEqual(c.agent.hidden, [256, 256]);
  assert.equal(c.agent.init, 'lecun-uniform');
  assert.equal(c.agent.lr, 3e-4);
  assert.equal(c.agent.weightDecay, 1e-4);
  assert.equal((c.agent as PpoConfig).numMinibatches, 16);
  assert.deepEqual(c.methods.map((m) => [m.name, m.rate, m.maturity, m.utility]), [['cbp', 1e-4, 10000, 'contribution']]);
  const tuned = resolveRlRunConfig({ preset: 'dohare-slippery-ant', condition: 'ppo-adam-tuned' }, cat, '0');
  assert.deepEqual([tuned.agent.adamB1, tuned.agent.adamB2, tuned.benchmark.steps], [0.99, 0.99, 20_000_000]);
  const cp = resolveRlRunConfig({ preset: 'cleanrl-ppo-cartpole' }, cat, '0');
  const cpa = cp.agent as PpoConfig;
  assert.deepEqual([cp.benchmark.envs, cpa.numSteps, cpa.lr, cpa.annealLr, cpa.numMinibatches, cpa.updateEpochs, cpa.entCoef, cp.benchmark.steps], [4, 128, 2.5e-4, true, 4, 4, 0.01, 500_000]);
  // CleanRL's ppo_continuous_action.py on Ant-v4: no contact forces (Gymnasium's use_contact_forces=False), its Args defaults.
  const ant = resolveRlRunConfig({ preset: 'cleanrl-ppo-ant' }, cat, '0');
  assert.equal(ant.benchmark.useContactForces, false);
  assert.deepEqual(cat.rlBenchmarks.get('ant').env({ ...ant.benchmark }).options, { useContactForces: false });
  const a = ant.agent as PpoConfig;
  assert.deepEqual(
    [a.hidden, a.activation, a.init, a.lr, a.annealLr, a.adamEps, a.numSteps, a.numMinibatches, a.updateEpochs, a.gamma, a.gaeLambda, a.clipCoef, a.clipVloss, a.entCoef, a.vfCoef, a.maxGradNorm, a.normAdv, a.targetKl, a.initialLogStd],
    [[64, 64], 'tanh', 'orthogonal', 3e-4, true, 1e-5, 2048, 32, 10, 0.99, 0.95, 0.2, true, 0, 0.5, 0.5, true, null, 0],
  );
  assert.deepEqual([ant.benchmark.envs, ant.benchmark.steps], [1, 1_000_000]);
  assert.throws(() => resolveRlRunConfig({ benchmark: 'cartpole', set: { 'agent.lr': -1, stpes: 3 } }, cat, '0'), (e: Error) => /agent: lr = -1/.test(e.message) && /'stpes' is not a setting of an RL run/.test(e.message));
});

test('an RL run stopped and resumed continues bit for bit (metrics, edits, both nets, optimizers, env and normalizer state)', async () => {
  const config = () =>
    resolveRlRunConfig({ benchmark: 'cartpole', methods: ['cbp'], seed: 4, backend: 'ts', set: { steps: 1536, 'agent.numSteps': 64, 'agent.hidden': [16, 16], 'cbp.rate': 0.02, 'cbp.maturity': 5, 'probes.everySteps': 32, 'run.checkpointSeconds': 0 } }, cat, '0');
  const a = tmp(), b = tmp();
  const full = await startRlRun(config(), { out: a, catalog: cat });
  assert.equal(full.status, 'complete');
  let polls = 0;
  const stopped = await startRlRun(config(), { out: b, catalog: cat, shouldStop: () => ++polls >= 2 });
  assert.equal(stopped.status, 'stopped');
  assert.ok(stopped.steps < full.steps);
  const resumed = await resumeRlRun({ out: b, catalog: cat });
  assert.equal(resumed.status, 'complete');
  assert.deepEqual(metrics(b), metrics(a));
  assert.deepEqual(lines(b, 'edits.jsonl'), lines(a, 'edits.jsonl'));
  assert.ok(lines(a, 'edits.jsonl').length > 0, 'cbp replaced units (the edits are part of what must match)');
  const ca = readCheckpoint(a) as Record<string, unknown>, cb = readCheckpoint(b) as Record<string, unknown>;
  for (const k of ['agent', 'env', 'loop', 'recent']) assert.deepEqual(cb[k], ca[k], `checkpoint field ${k}`);
});

test('an RL run whose metrics log lost the end of its last line (power loss) resumes with the log rebuilt exactly, and says so', async () => {
  const config = () =>
    resolveRlRunConfig({ benchmark: 'cartpole', seed: 5, backend: 'ts', set: { steps: 1024, 'agent.numSteps': 64, 'agent.hidden': [8, 8], 'run.checkpointSeconds': 0 } }, cat, '0');
  const a = tmp(), b = tmp();
  await startRlRun(config(), { out: a, catalog: cat });
  let polls = 0;
  assert.equal((await startRlRun(config(), { out: b, catalog: cat, shouldStop: () => ++polls >= 3 })).status, 'stopped');
  // The checkpoint carries the log's bytes since the one before (RunBook), from which a resume rebuilds it.
  const m = join(b, 'metrics.jsonl');
  truncateSync(m, readFileSync(m).length - 7);
  const notices: string[] = [];
  assert.equal((await resumeRlRun({ out: b, catalog: cat, onNotice: (n) => notices.push(n) })).status, 'complete');
  assert.ok(notices.some((n) => /repaired: .*metrics\.jsonl/.test(n)), notices.join('; '));
  assert.ok(existsSync(`${m}.torn`));
  assert.deepEqual(metrics(b), metrics(a));
});

test('the slippery Ant stopped and resumed continues bit for bit (MuJoCo state, friction schedule, normalizers)', { skip: await mujocoUnavailable() ?? false }, async () => {
  const config = () =>
    resolveRlRunConfig(
      { preset: 'dohare-slippery-ant-laptop', condition: 'ppo-cbp-l2', seed: 1, backend: 'ts', set: { steps: 768, every: 256, 'agent.numSteps': 128, 'agent.hidden': [8], 'agent.numMinibatches': 4, 'agent.updateEpochs': 1, 'cbp.maturity': 2, 'cbp.rate': 0.05, 'probes.everySteps': 4, 'run.checkpointSeconds': 0 } },
      cat,
      '0',
    );
  const a = tmp(), b = tmp();
  await startRlRun(config(), { out: a, catalog: cat });
  let polls = 0;
  assert.equal((await startRlRun(config(), { out: b, catalog: cat, shouldStop: () => ++polls >= 3 })).status, 'stopped');
  assert.equal((await resumeRlRun({ out: b, catalog: cat })).status, 'complete');
  assert.deepEqual(metrics(b), metrics(a));
  assert.equal(metrics(a).filter((r) => r['env/friction'] !== undefined).length, 2, 'friction changed at 256 and 512 steps');
  const ca = readCheckpoint(a) as Record<string, unknown>, cb = readCheckpoint(b) as Record<string, unknown>;
  for (const k of ['agent', 'env', 'loop']) assert.deepEqual(cb[k], ca[k], `checkpoint field ${k}`);
});

test('a DQN run stopped and resumed continues bit for bit (replay buffer, n-step windows, target net, ReDo, physics schedule)', async () => {
  const config = () =>
    resolveRlRunConfig(
      {
        preset: 'sokar-redo-dqn-laptop',
        condition: 'dqn-redo',
        seed: 2,
        backend: 'ts',
        set: {
          steps: 4000, every: 1500, 'agent.hidden': [16, 16], 'agent.learningStarts': 300, 'agent.trainFrequency': 2, 'agent.targetNetworkFrequency': 100, 'agent.bufferSize': 1000,
          'agent.batchSize': 32, 'agent.nSteps': 3, 'agent.doubleDqn': true, 'redo.period': 50, 'redo.tau': 0.5, 'probes.everySteps': 40, 'run.checkpointSeconds': 0,
        },
      },
      cat,
      '0',
    );
  const c = config();
  assert.equal(c.algorithm, 'dqn');
  const a = tmp(), b = tmp();
  const full = await startRlRun(c, { out: a, catalog: cat });
  assert.equal(full.status, 'complete');
  let polls = 0;
  const stopped = await startRlRun(config(), { out: b, catalog: cat, shouldStop: () => ++polls >= 2 });
  assert.equal(stopped.status, 'stopped');
  assert.equal(stopped.steps, 2000);
  assert.equal((await resumeRlRun({ out: b, catalog: cat })).status, 'complete');
  const ma = metrics(a);
  assert.deepEqual(metrics(b), ma);
  assert.deepEqual(lines(b, 'edits.jsonl'), lines(a, 'edits.jsonl'));
  assert.ok(lines(a, 'edits.jsonl').length > 0, 'ReDo reset units (the edits are part of what must match)');
  assert.equal(ma.filter((r) => r['env/gravity'] !== undefined && r['env/length'] !== undefined).length, 2, 'physics changed at 1500 and 3000 steps');
  assert.ok(ma.some((r) => r['diag/dormantFraction/q'] !== undefined), 'the dormant fraction is recorded');
  const ca = readCheckpoint(a) as Record<string, unknown>, cb = readCheckpoint(b) as Record<string, unknown>;
  for (const k of ['agent', 'env', 'loop', 'recent']) assert.deepEqual(cb[k], ca[k], `checkpoint field ${k}`);
});

test('every RL preset and condition resolves; each condition of the DQN presets runs cut down to a sliver', async () => {
  const { rlPresetList } = await import('./rlPresets.js');
  for (const p of rlPresetList) {
    const base = resolveRlRunConfig({ preset: p.name }, cat, '0');
    assert.equal(base.benchmark.name, p.benchmark);
    assert.equal(base.algorithm, cat.rlBenchmarks.get(p.benchmark).algorithm ?? 'ppo');
    for (const c of p.conditions ?? []) assert.equal(resolveRlRunConfig({ preset: p.name, condition: c.label }, cat, '0').label, c.label);
  }
  const lyle = resolveRlRunConfig({ preset: 'lyle-classification-mdp-laptop', condition: 'categorical' }, cat, '0');
  assert.deepEqual((lyle.agent as { valueHead: unknown }).valueHead, { kind: 'hl-gauss', bins: 51, min: -1, max: 11, sigmaRatio: 0.75 });
  for (const p of rlPresetList.filter((x) => x.scale === 'laptop' && cat.rlBenchmarks.get(x.benchmark).algorithm === 'dqn')) {
    for (const c of p.conditions ?? []) {
      const config = resolveRlRunConfig(
        {
          preset: p.name, condition: c.label, seed: 1, backend: 'ts',
          set: { steps: 700, 'agent.learningStarts': 100, 'agent.targetNetworkFrequency': 100, 'agent.batchSize': 16, 'agent.hidden': [8], 'agent.boundaryEveryTargetUpdates': 2, 'probes.batchSize': 16, 'probes.everySteps': 50 },
        },
        cat,
        '0',
      );
      const s = await startRlRun(config, { out: tmp(), catalog: cat });
      assert.equal(s.status, 'complete', `${p.name} / ${c.label}`);
      assert.ok(Number.isFinite(s.final['dqn/targetFitFinal']), `${p.name} / ${c.label}: target-fitting loss recorded`);
    }
  }
});
