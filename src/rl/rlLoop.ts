import type { EditRecord } from '../nn/Edit.js';
import type { SyncVectorEnv } from './envs/SyncVectorEnv.js';
import { EPISODE_LENGTH, EPISODE_RETURN } from './envs/RecordEpisodeStatistics.js';
import type { NetName, PpoAgent } from './ppo.js';

/** One metrics record of an RL run: `step` counts environment steps (all copies), `task` the parameter changes so far. */
export type RlRecord = { step: number; task: number } & Record<string, number>;

/** Where the loop stands, at an iteration boundary (JSON; the rollout buffer is refilled from scratch each iteration). */
export interface RlLoopState {
  /** Iterations (rollout + update) done. */
  iteration: number;
  /** Environment steps taken by all copies together (CleanRL's global_step). */
  globalStep: number;
  /** CleanRL's next_done: 1 where the current observation of copy i began an episode. */
  nextDone: number[];
  /** Parameter changes of the environment so far. */
  task: number;
  done: boolean;
}

/** The state of an RL loop that has not started, for `numEnvs` env copies: no iteration or step taken, task 0. */
export function initialRlLoopState(numEnvs: number): RlLoopState {
  return { iteration: 0, globalStep: 0, nextDone: new Array<number>(numEnvs).fill(0), task: 0, done: false };
}

/** Keys of the timing records (wall-clock dependent: not part of a run's deterministic output). */
export const TIMING_KEYS = ['sps', 'time/env', 'time/inference', 'time/update', 'time/iteration'] as const;

/**
 * Everything {@link rlLoop} drives: the vector env, the PPO agent, the step budget, where records, edits and
 * checkpoints go, the clock, and the stop and progress callbacks.
 */
export interface RlLoopParts {
  readonly env: SyncVectorEnv;
  readonly agent: PpoAgent;
  /** Total environment steps; iterations = floor(steps / (numSteps x envs)), as CleanRL. */
  readonly totalSteps: number;
  /**
   * Receives every metrics record, in order: parameter changes and finished episodes as they happen, probe
   * results, and one record of update statistics per iteration.
   */
  record(r: RlRecord): void;
  /** Receives every edit the methods applied, with the env step and task count at which they were applied. */
  recordEdits?(step: number, task: number, records: readonly EditRecord[]): void;
  /** Seconds of training so far (a resumed run counts those before); SPS is env steps over it. */
  seconds(): number;
  /** Called at the end of each iteration with the state; the runner decides whether to write a checkpoint. */
  checkpoint?(state: RlLoopState, force: boolean): void;
  /** Polled at iteration boundaries: true stops cleanly (after a checkpoint). */
  shouldStop?(): boolean;
  /** After each iteration (progress displays). */
  onIteration?(state: RlLoopState, numIterations: number): void;
}

/** Records of a probe for one net: keys that do not name the net get it appended ('diag/weightMagnitude/policy'). */
export function netKeys(net: NetName, r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(r)) out[k.includes(`${net}/`) ? k : `${k}/${net}`] = v;
  return out;
}

/**
 * The RL loop, CleanRL-style top to bottom: per iteration, anneal the learning rate, collect numSteps steps
 * from every env copy (acting, storing, recording finished episodes and parameter changes: each change is a
 * task boundary for the methods of both nets), bootstrap, then the PPO update (GAE, epochs of minibatches,
 * method hooks and probes after each update) and one record of losses, KL, clip fraction, explained variance,
 * SPS and the time split. Resolves true when all iterations are done, false when stopped.
 */
export async function rlLoop(parts: RlLoopParts, state: RlLoopState): Promise<boolean> {
  const { env, agent } = parts;
  const c = agent.config;
  const N = env.num;
  if (N !== agent.numEnvs) throw new Error(`rlLoop: the env has ${N} copies, the agent was built for ${agent.numEnvs}`);
  const numIterations = Math.floor(parts.totalSteps / agent.batchSize);
  if (numIterations < 1) throw new Error(`rlLoop: steps = ${parts.totalSteps} is less than one rollout (${c.numSteps} steps x ${N} envs = ${agent.batchSize})`);
  const nextValue = new Float64Array(N);
  const nextDone = Float64Array.from(state.nextDone);
  agent.onEdits = (_net, records) => parts.recordEdits?.(state.globalStep, state.task, records);
  const onProbe = (net: NetName, _step: number, r: Record<string, number>) => parts.record({ step: state.globalStep, task: state.task, ...netKeys(net, r) });
  let lastYield = performance.now();
  while (state.iteration < numIterations) {
    const iteration = state.iteration + 1;
    agent.setIteration(iteration, numIterations);
    let tEnv = 0, tAct = 0;
    const t0 = performance.now();
    for (let t = 0; t < c.numSteps; t++) {
      state.globalStep += N;
      agent.setDones(t, nextDone);
      const a0 = performance.now();
      const actions = agent.act(t, env.observations());
      const a1 = performance.now();
      const r = env.step(actions);
      tEnv += performance.now() - a1;
      tAct += a1 - a0;
      agent.record(t, r.rewards);
      for (let i = 0; i < N; i++) nextDone[i] = r.terminated[i]! || r.truncated[i]! ? 1 : 0;
      if (r.change) {
        state.task++;
        const rec: RlRecord = { step: state.globalStep, task: state.task };
        for (const [k, v] of Object.entries(r.change.values)) rec[`env/${k}`] = v;
        parts.record(rec);
        agent.examples.index = state.task;
        agent.examples.label = Object.entries(r.change.values).map(([k, v]) => `${k} ${v.toPrecision(3)}`).join(', ');
        agent.taskBoundary(agent.examples, onProbe);
      }
      for (let i = 0; i < N; i++) {
        const info = r.finalInfo[i];
        if (info && info[EPISODE_RETURN] !== undefined) {
          parts.record({ step: state.globalStep, task: state.task, [EPISODE_RETURN]: info[EPISODE_RETURN], [EPISODE_LENGTH]: info[EPISODE_LENGTH] ?? NaN });
        }
      }
      if ((t & 255) === 255 && performance.now() - lastYield > 100) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    const u0 = performance.now();
    agent.predictValues(env.observations(), nextValue);
    const s = agent.update(nextValue, nextDone, state.task, onProbe);
    const u1 = performance.now();
    state.iteration = iteration;
    state.nextDone = Array.from(nextDone);
    parts.record({
      step: state.globalStep,
      task: state.task,
      iteration,
      'ppo/policyLoss': s.policyLoss,
      'ppo/valueLoss': s.valueLoss,
      'ppo/entropy': s.entropy,
      'ppo/approxKl': s.approxKl,
      'ppo/oldApproxKl': s.oldApproxKl,
      'ppo/clipFraction': s.clipFraction,
      'ppo/explainedVariance': s.explainedVariance,
      'ppo/learningRate': s.learningRate,
      'ppo/gradNorm': s.gradNorm,
      'ppo/policyGradNorm': s.policyGradNorm,
      'ppo/valueGradNorm': s.valueGradNorm,
      ...agent.metrics(),
      sps: state.globalStep / Math.max(parts.seconds(), 1e-9),
      'time/env': tEnv / 1000,
      'time/inference': tAct / 1000,
      'time/update': (u1 - u0) / 1000,
      'time/iteration': (u1 - t0) / 1000,
    });
    if (state.iteration >= numIterations) break;
    parts.checkpoint?.(state, false);
    parts.onIteration?.(state, numIterations);
    if (performance.now() - lastYield > 100) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    if (parts.shouldStop?.()) {
      parts.checkpoint?.(state, true);
      return false;
    }
  }
  state.done = true;
  parts.onIteration?.(state, numIterations);
  parts.checkpoint?.(state, true);
  return true;
}
