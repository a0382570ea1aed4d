import type { EditRecord } from '../nn/Edit.js';
import type { Env } from './envs/Env.js';
import { EPISODE_LENGTH, EPISODE_RETURN } from './envs/RecordEpisodeStatistics.js';
import type { SyncVectorEnv } from './envs/SyncVectorEnv.js';
import { Wrapper } from './envs/Wrapper.js';
import { ClassificationMdp } from './envs/ClassificationMdp.js';
import { linearSchedule, type DqnAgent } from './dqn.js';
import { netKeys, type RlRecord } from './rlLoop.js';

/** Where the DQN loop stands after a whole vector step (JSON; the buffer and the observations are in the agent's and env's state). */
export interface DqnLoopState {
  /** Vector steps done (CleanRL's global_step with one env). */
  t: number;
  /** Environment steps of all copies together. */
  globalStep: number;
  /** Target network updates so far. */
  targetUpdates: number;
  task: number;
  done: boolean;
}

/** The state of a DQN run before its first step. */
export function initialDqnLoopState(): DqnLoopState {
  return { t: 0, globalStep: 0, targetUpdates: 0, task: 0, done: false };
}

/** Keys of the DQN loop's timing records (wall-clock dependent). */
export const DQN_TIMING_KEYS = ['sps'] as const;

/** Vector steps between training records (CleanRL logs losses every 100 steps) and between checkpoint polls. */
const RECORD_EVERY = 100;
const POLL_EVERY = 1000;

/** What the DQN loop runs on and reports to. */
export interface DqnLoopParts {
  readonly env: SyncVectorEnv;
  readonly agent: DqnAgent;
  /** Environment steps of the run, all copies together (vector steps = floor(totalSteps / copies)). */
  readonly totalSteps: number;
  /** Receives every metrics record. */
  record(r: RlRecord): void;
  /** Receives the methods' edits with the env step. */
  recordEdits?(step: number, task: number, records: readonly EditRecord[]): void;
  /** Seconds of training so far (a resumed run counts those before). */
  seconds(): number;
  /** Polled every 1000 vector steps and at the end; the runner decides whether to write a checkpoint. */
  checkpoint?(state: DqnLoopState, force: boolean): void;
  /** Polled every 1000 vector steps: true stops cleanly (after a checkpoint). */
  shouldStop?(): boolean;
  /** After each poll and at the end (progress displays). */
  onProgress?(state: DqnLoopState, vectorSteps: number): void;
}

/** The expert action of an env (classification-mdp's right class), through wrappers; null when it has none. */
function expertOf(e: Env): (() => number) | null {
  const inner = e instanceof Wrapper ? e.unwrapped : e;
  return inner.expertAction ? () => inner.expertAction!() : null;
}

/** Accuracy of the greedy policy over all states of a classification MDP that pay (null for other envs). */
function greedyAccuracy(env: SyncVectorEnv, agent: DqnAgent, scratch: { out: Int32Array | null }): number | null {
  const e = env.envs[0]!;
  const inner = e instanceof Wrapper ? e.unwrapped : e;
  if (!(inner instanceof ClassificationMdp)) return null;
  const t = inner.table;
  if (!scratch.out || scratch.out.length !== t.count) scratch.out = new Int32Array(t.count);
  const g = agent.greedyMany(t.obs, t.count, scratch.out);
  let right = 0, paying = 0;
  for (let i = 0; i < t.count; i++) {
    if (t.target[i]! < 0) continue;
    paying++;
    if (g[i] === t.target[i]) right++;
  }
  return paying ? right / paying : NaN;
}

/**
 * The DQN loop of CleanRL's dqn.py, per vector step t: epsilon from the linear schedule, act, step the envs,
 * record finished episodes and parameter changes (a task boundary for the Q-network's methods), store the
 * transitions (each ended episode's last observation as its next observation), then once t > learningStarts
 * a train step every trainFrequency steps and a target update every targetNetworkFrequency steps, each
 * update recording the TD loss against the old and the new target (Lyle et al.'s target-fitting loss) and, on a
 * classification MDP, the accuracy of the greedy policy over its states.
 * Resolves true when all steps are done, false when stopped (after a checkpoint).
 */
export async function dqnLoop(parts: DqnLoopParts, state: DqnLoopState): Promise<boolean> {
  const { env, agent } = parts;
  const c = agent.config;
  const N = env.num, S = env.obsSize;
  if (N !== agent.numEnvs) throw new Error(`dqnLoop: the env has ${N} copies, the agent was built for ${agent.numEnvs}`);
  const vectorSteps = Math.floor(parts.totalSteps / N);
  if (vectorSteps < 1) throw new Error(`dqnLoop: steps = ${parts.totalSteps} is less than one step of ${N} env copies`);
  const duration = c.explorationFraction * vectorSteps;
  const experts = c.behavior === 'expert' ? env.envs.map(expertOf) : null;
  if (experts?.some((e) => e === null)) throw new Error(`dqn: behavior = 'expert' but ${env.envs[0]!.id} has no expert actions; allowed with classification-mdp`);
  const expertActions = new Float64Array(N);
  const obs = new Float64Array(N * S);
  agent.onEdits = (_net, records) => parts.recordEdits?.(state.globalStep, state.task, records);
  const onProbe = (_step: number, r: Record<string, number>) => parts.record({ step: state.globalStep, task: state.task, ...netKeys('q', r) });
  let last = { tdLoss: NaN, qMean: NaN };
  const scratch: { out: Int32Array | null } = { out: null };
  let lastYield = performance.now();
  while (state.t < vectorSteps) {
    const t = state.t;
    const epsilon = linearSchedule(c.startE, c.endE, duration, t);
    obs.set(env.observations());
    if (experts) for (let i = 0; i < N; i++) expertActions[i] = experts[i]!();
    const actions = agent.act(obs, epsilon, expertActions);
    const r = env.step(actions);
    state.globalStep += N;
    if (r.change) {
      state.task++;
      const rec: RlRecord = { step: state.globalStep, task: state.task };
      for (const [k, v] of Object.entries(r.change.values)) rec[`env/${k}`] = v;
      parts.record(rec);
      agent.examples.index = state.task;
      agent.examples.label = Object.entries(r.change.values).map(([k, v]) => `${k} ${v.toPrecision(3)}`).join(', ');
      agent.taskBoundary(onProbe);
    }
    for (let i = 0; i < N; i++) {
      const info = r.finalInfo[i];
      if (info && info[EPISODE_RETURN] !== undefined) {
        parts.record({ step: state.globalStep, task: state.task, [EPISODE_RETURN]: info[EPISODE_RETURN], [EPISODE_LENGTH]: info[EPISODE_LENGTH] ?? NaN, 'dqn/epsilon': epsilon });
      }
    }
    agent.store(obs, actions, r.rewards, r.obs, r.terminated, r.truncated, r.finalObs);
    if (t > c.learningStarts) {
      if (t % c.trainFrequency === 0) last = agent.train(state.task, onProbe);
      if (t % c.targetNetworkFrequency === 0) {
        const fit = agent.updateTarget(true)!;
        state.targetUpdates++;
        const acc = greedyAccuracy(env, agent, scratch);
        parts.record({
          step: state.globalStep,
          task: state.task,
          'dqn/targetUpdate': state.targetUpdates,
          'dqn/targetFitFinal': fit.final,
          'dqn/targetFitInitial': fit.initial,
          ...(acc !== null ? { 'dqn/greedyAccuracy': acc } : {}),
        });
        // A new target is a new regression problem (Lyle et al.): methods that act at task boundaries may act here.
        if (c.boundaryEveryTargetUpdates > 0 && state.targetUpdates % c.boundaryEveryTargetUpdates === 0) agent.taskBoundary(onProbe);
      }
      if (t % RECORD_EVERY === 0) {
        parts.record({
          step: state.globalStep,
          task: state.task,
          'dqn/tdLoss': last.tdLoss,
          'dqn/qValues': last.qMean,
          'dqn/epsilon': epsilon,
          'dqn/updates': agent.q.learner.step,
          ...agent.metrics(),
          sps: state.globalStep / Math.max(parts.seconds(), 1e-9),
        });
      }
    }
    state.t = t + 1;
    if (state.t % POLL_EVERY === 0 && state.t < vectorSteps) {
      parts.checkpoint?.(state, false);
      parts.onProgress?.(state, vectorSteps);
      if (performance.now() - lastYield > 100) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      if (parts.shouldStop?.()) {
        parts.checkpoint?.(state, true);
        return false;
      }
    }
  }
  state.done = true;
  parts.onProgress?.(state, vectorSteps);
  parts.checkpoint?.(state, true);
  return true;
}
