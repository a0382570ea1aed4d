// PPO speed: env steps per second of whole iterations (rollout + update) on CartPole (CleanRL ppo.py settings) and
// Ant-v3 (CleanRL ppo_continuous_action.py settings), with the split physics / inference / update, beside the raw
// speed of the same vector env stepped with random actions. Wall-clock and CPU-time rates (on a shared machine the
// CPU-time rate says what an idle core would do).
// Run: npm run build && node dist/bench/rl.js [--seconds S]   (also the `rl` section of `npm run bench`)
import { pathToFileURL } from 'node:url';
import { getBackend } from '../src/backend/selectBackend.js';
import { ensureAntRegistered } from '../src/rl/antEnvSpec.js';
import { makeVectorEnv } from '../src/rl/envs/makeVectorEnv.js';
import { PpoAgent } from '../src/rl/ppo.js';
import { DqnAgent } from '../src/rl/dqn.js';
import { dqnSchema } from '../src/rl/dqnConfig.js';
import { dqnLoop, initialDqnLoopState } from '../src/rl/dqnLoop.js';
import { ppoSchema } from '../src/rl/ppoConfig.js';
import { rlBenchmarkRegistry } from '../src/rl/rlBenchmarks.js';
import { initialRlLoopState, rlLoop, type RlRecord } from '../src/rl/rlLoop.js';
import { parseConfig } from '../src/config/parseConfig.js';
import { Rng } from '../src/tensor/Rng.js';

/** One PPO workload: its speed and where the time goes, and the raw env's speed on the same machine. */
export interface PpoBenchResult {
  readonly name: string;
  readonly backend: string;
  /** Env steps per wall-clock second of whole iterations, and per CPU second of this process. */
  readonly stepsPerSecond: number;
  readonly stepsPerCpuSecond: number;
  /** Shares of the iterations' wall time. */
  readonly split: { physics: number; inference: number; update: number };
  /** The vector env alone with random actions (same wrappers). */
  readonly rawStepsPerSecond: number;
  readonly rawStepsPerCpuSecond: number;
  /** PPO's rate over the raw env's (CPU time; wall clock in brackets in the log). */
  readonly ratio: number;
  /** Env steps per second of PPO's own work (rollout inference + update, physics left out): what bench/torch/rl.py's Ant row times. */
  readonly learningStepsPerSecond: number;
}

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function ppoWorkload(benchmark: string, iterations: number, backendName: string): Promise<PpoBenchResult> {
  const b = rlBenchmarkRegistry.get(benchmark);
  const opts = parseConfig(b.schema, {}, benchmark);
  ensureAntRegistered();
  const backend = getBackend(backendName);
  const rng = Rng.seeded(0);
  const env = await makeVectorEnv(b.env(opts), rng);
  env.reset(rng.split('reset'));
  const config = ppoSchema.parse(b.agentDefaults(opts));
  const agent = new PpoAgent({ config, obsSize: env.obsSize, actionSpace: env.singleActionSpace, numEnvs: env.num, backend, rng: rng.split('agent') });
  const records: RlRecord[] = [];
  const state = initialRlLoopState(env.num);
  // One warm-up iteration (JIT, buffers), then the measured ones.
  await rlLoop({ env, agent, totalSteps: agent.batchSize * (1 + iterations), seconds: () => 1, record: () => {}, shouldStop: () => state.iteration >= 1 }, state);
  const w0 = performance.now(), c0 = cpu();
  state.done = false;
  await rlLoop({ env, agent, totalSteps: agent.batchSize * (1 + iterations), seconds: () => 1, record: (r) => r.iteration !== undefined && records.push(r) }, state);
  const wall = (performance.now() - w0) / 1000, cpuS = cpu() - c0;
  const steps = iterations * agent.batchSize;
  const sum = (k: string) => records.reduce((s, r) => s + (r[k] ?? 0), 0);
  const total = sum('time/iteration');
  // The raw env, same wrappers and copies, random actions in the action space's range.
  const raw = await makeVectorEnv(b.env(opts), Rng.seeded(1));
  raw.reset(Rng.seeded(2));
  const arng = Rng.seeded(3);
  const acts = new Float64Array(raw.num * raw.actionSize);
  const space = raw.singleActionSpace;
  const rawStep = () => {
    if (space.kind === 'discrete') for (let i = 0; i < raw.num; i++) acts[i] = arng.int(space.n);
    else arng.fillUniform(acts, -1, 1);
    raw.step(acts);
  };
  for (let i = 0; i < 200; i++) rawStep();
  const rawSteps = Math.min(steps, 50_000);
  const r0 = performance.now(), rc0 = cpu();
  for (let i = 0; i < rawSteps / raw.num; i++) rawStep();
  const rawWall = (performance.now() - r0) / 1000, rawCpu = cpu() - rc0;
  env.close();
  raw.close();
  const res: PpoBenchResult = {
    name: `${benchmark} PPO (${env.num} envs x ${config.numSteps} steps, ${config.hidden.join('-')} ${config.activation}, ${config.updateEpochs} epochs x ${config.numMinibatches} minibatches)`,
    backend: backend.name,
    stepsPerSecond: steps / wall,
    stepsPerCpuSecond: steps / cpuS,
    split: { physics: sum('time/env') / total, inference: sum('time/inference') / total, update: sum('time/update') / total },
    rawStepsPerSecond: rawSteps / rawWall,
    rawStepsPerCpuSecond: rawSteps / rawCpu,
    ratio: steps / cpuS / (rawSteps / rawCpu),
    learningStepsPerSecond: steps / (sum('time/inference') + sum('time/update')),
  };
  return res;
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

/** The rl section's PPO workloads (Ant only where MuJoCo loads). */
export async function benchPpo(log: (line: string) => void = console.log, backendName = 'auto'): Promise<PpoBenchResult[]> {
  const out: PpoBenchResult[] = [];
  const plan: Array<[string, number]> = [['cartpole', 20], ['ant', 2]];
  for (const [name, iterations] of plan) {
    let r: PpoBenchResult;
    try {
      r = await ppoWorkload(name, iterations, backendName);
    } catch (e) {
      log(`${name}: skipped (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    out.push(r);
    log(`${r.name} [${r.backend}]`);
    log(`  PPO ${fmt(r.stepsPerSecond)} env steps/s wall, ${fmt(r.stepsPerCpuSecond)} per CPU second; raw env ${fmt(r.rawStepsPerSecond)} wall, ${fmt(r.rawStepsPerCpuSecond)} per CPU second`);
    log(`  PPO / raw (CPU time): ${(r.ratio * 100).toFixed(1)}%; time split: physics ${(r.split.physics * 100).toFixed(1)}%, inference ${(r.split.inference * 100).toFixed(1)}%, update ${(r.split.update * 100).toFixed(1)}%`);
  }
  return out;
}

/** DQN's speed: env steps per second once training runs (past learningStarts), wall clock and CPU time. */
export interface DqnBenchResult {
  readonly name: string;
  readonly backend: string;
  readonly stepsPerSecond: number;
  readonly stepsPerCpuSecond: number;
}

/**
 * DQN on CartPole-v1 with CleanRL dqn.py's settings (a train step of batch 128 every 10 env steps, target update
 * every 500): the buffer is filled first (learningStarts = 10k steps, untimed), then `steps` training steps are timed.
 */
export async function benchDqn(log: (line: string) => void = console.log, backendName = 'auto', steps = 30_000): Promise<DqnBenchResult> {
  const b = rlBenchmarkRegistry.get('dqn-cartpole');
  const opts = parseConfig(b.schema, {}, 'dqn-cartpole');
  const backend = getBackend(backendName);
  const rng = Rng.seeded(0);
  const env = await makeVectorEnv(b.env(opts), rng);
  env.reset(rng.split('reset'));
  const config = dqnSchema.parse(b.agentDefaults(opts));
  const space = env.singleActionSpace;
  if (space.kind !== 'discrete') throw new Error('dqn bench: CartPole has discrete actions');
  const agent = new DqnAgent({ config, obsSize: env.obsSize, actions: space.n, numEnvs: env.num, backend, rng: rng.split('agent') });
  const total = (opts as { steps: number }).steps;
  const state = initialDqnLoopState();
  const warm = config.learningStarts + 1000;
  // The loop polls shouldStop every 1000 steps: stop after the warm-up, then time the training steps.
  await dqnLoop({ env, agent, totalSteps: total, seconds: () => 1, record: () => {}, shouldStop: () => state.t >= warm }, state);
  const t0 = state.t;
  const w0 = performance.now(), c0 = cpu();
  await dqnLoop({ env, agent, totalSteps: total, seconds: () => 1, record: () => {}, shouldStop: () => state.t >= t0 + steps }, state);
  const wall = (performance.now() - w0) / 1000, cpuS = cpu() - c0;
  const n = state.t - t0;
  env.close();
  const r: DqnBenchResult = {
    name: `dqn-cartpole DQN (CleanRL dqn.py: 1 env, ${config.hidden.join('-')} ${config.activation}, batch ${config.batchSize}, train frequency ${config.trainFrequency})`,
    backend: backend.name,
    stepsPerSecond: n / wall,
    stepsPerCpuSecond: n / cpuS,
  };
  log(`${r.name} [${r.backend}]`);
  log(`  DQN ${fmt(r.stepsPerSecond)} env steps/s wall, ${fmt(r.stepsPerCpuSecond)} per CPU second (${fmt(n)} steps after learning starts)`);
  return r;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--backend');
  await benchPpo(console.log, i > 0 ? process.argv[i + 1] : 'auto');
  await benchDqn(console.log, i > 0 ? process.argv[i + 1] : 'auto');
}
