import type { Backend } from '../backend/Backend.js';
import type { Registry } from '../config/Registry.js';
import type { Batch, TaskInfo } from '../learn/Batch.js';
import { Learner } from '../learn/Learner.js';
import type { Method } from '../learn/Method.js';
import type { ProbeRunner } from '../learn/ProbeRunner.js';
import type { RunMethod } from '../learn/RunMethod.js';
import { ValueHead } from '../losses/valueHead.js';
import { createMethods, methodRegistry, type MethodConfig } from '../methods/index.js';
import { applyEdits } from '../nn/applyEdits.js';
import type { Edit, EditRecord } from '../nn/Edit.js';
import { Model, type ModelState } from '../nn/Model.js';
import { mlp } from '../nn/models/mlp.js';
import type { Transform } from '../optim/Transform.js';
import { addDecayedWeights, chain, clipByGlobalNorm, scaleByAdam, scaleByLearningRate } from '../optim/transforms.js';
import type { Rng, RngState } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import type { DqnConfig } from './dqnConfig.js';
import { DqnLoss } from './dqnLoss.js';
import { NStepAccumulator, type NStepAccumulatorState } from './NStepAccumulator.js';
import { ReplayBuffer, type ReplayBufferState } from './ReplayBuffer.js';

/** CleanRL's linear_schedule: from start to end over `duration` steps, then end. */
export function linearSchedule(start: number, end: number, duration: number, t: number): number {
  const slope = (end - start) / duration;
  return Math.max(slope * t + start, end);
}

/**
 * Observations of the replay buffer as examples, for methods and probes that look at the Q-network on data of
 * their own (ReDo's scores, cbp's utility, dormant units): rows drawn uniformly from the filled buffer.
 */
export class ReplayExamples implements TaskInfo {
  index = 0;
  label = 'start';
  private x: Tensor | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly buffer: ReplayBuffer,
    readonly batchSize: number,
  ) {}

  probe(n: number, rng: Rng): Batch {
    const size = this.buffer.size;
    const k = Math.min(n, size);
    if (k < 1) throw new Error('replay examples: the buffer is empty');
    const rows = rng.sample(size, k);
    const S = this.buffer.obsSize;
    if (!this.x || this.x.shape[0] !== k) {
      if (this.x) this.backend.free(this.x.data);
      this.x = new Tensor(this.backend.alloc(k * S), [k, S]);
    }
    const d = this.x.data;
    for (let i = 0; i < k; i++) d.set(this.buffer.obs.subarray(rows[i]! * S, rows[i]! * S + S), i * S);
    return { x: this.x, y: d.subarray(0, 0) };
  }
}

/** The Q-network with what trains and edits it (unit groups `q/h1`, `q/h2`, ...). */
export interface DqnNet {
  readonly name: 'q';
  readonly model: Model;
  readonly learner: Learner;
  readonly methods: readonly RunMethod[];
  probes: ProbeRunner | null;
}

/** What a DqnAgent is built from. */
export interface DqnAgentOptions {
  readonly config: DqnConfig;
  readonly obsSize: number;
  /** Discrete actions. */
  readonly actions: number;
  readonly numEnvs: number;
  readonly backend: Backend;
  /** Root stream: the net from rng.split('q/model'), methods from rng.split('q'), actions and samples from their own. */
  readonly rng: Rng;
  readonly methods?: readonly MethodConfig[];
  readonly methodRegistry?: Registry<Method>;
  /** Receives every applied edit of the Q-network's methods. */
  readonly onEdits?: (net: 'q', records: readonly EditRecord[]) => void;
}

/** The agent's checkpoint: online and target nets, optimizer, methods, replay buffer, pending n-step windows, streams. */
export interface DqnAgentState {
  model: ModelState;
  target: ModelState;
  optimizer: unknown;
  step: number;
  taskStartStep: number;
  methods: { name: string; state: unknown; rng: RngState }[];
  probes: unknown;
  buffer: ReplayBufferState;
  nstep: NStepAccumulatorState;
  actionRng: RngState;
  sampleRng: RngState;
  fitRng: RngState;
}

/** TD loss on one batch against the target net before and after a target update (Lyle et al.'s target-fitting loss). */
export interface TargetFit {
  /** Against the old target: how well the net fit the target it was chasing (final loss). */
  final: number;
  /** Against the new target: the loss the next round starts from (initial loss). */
  initial: number;
}

/**
 * DQN as CleanRL's dqn.py defines it: a Q-network (supple MLP) trained by Adam on the TD error of minibatches
 * drawn from a replay buffer, TD targets from a target network that is copied (tau = 1) or Polyak-averaged
 * (tau < 1) every so many steps; options for double DQN, n-step returns, Huber loss and categorical value heads
 * (two-hot, HL-Gauss). Plasticity methods act on the online Q-network after each update, as in PpoAgent; the
 * target network follows at its next update (as in the ReDo code, which edits only the online network).
 */
export class DqnAgent {
  readonly config: DqnConfig;
  readonly obsSize: number;
  readonly actions: number;
  readonly numEnvs: number;
  readonly head: ValueHead;
  readonly loss: DqnLoss;
  readonly q: DqnNet;
  readonly target: Model;
  readonly buffer: ReplayBuffer;
  readonly nstep: NStepAccumulator;
  readonly examples: ReplayExamples;
  readonly actionRng: Rng;
  readonly sampleRng: Rng;
  readonly fitRng: Rng;
  /** Receives every applied edit (settable: the loop routes them to its recorder with the env step). */
  onEdits: DqnAgentOptions['onEdits'];
  private readonly stepInput: Tensor;
  private readonly mbInput: Tensor;
  private readonly nextInput: Tensor;
  private readonly mbTarget: Float32Array | Float64Array;
  private readonly rows: Int32Array;
  private readonly nextAction: Int32Array;
  private readonly actionOut: Float64Array;

  constructor(opts: DqnAgentOptions) {
    const c = (this.config = opts.config);
    this.obsSize = opts.obsSize;
    this.actions = opts.actions;
    this.numEnvs = opts.numEnvs;
    this.onEdits = opts.onEdits;
    if (c.endE > c.startE) throw new Error(`dqn: endE = ${c.endE} is above startE = ${c.startE}; epsilon decays from startE to endE`);
    this.head = new ValueHead(c.valueHead);
    this.loss = new DqnLoss(opts.actions, this.head, c.loss);
    const spec = mlp({ hidden: c.hidden, outputs: opts.actions * this.head.width, activation: c.activation, init: c.init, biasInit: c.init === 'torch-default' ? 'torch-default' : 'zero', layerNorm: c.layerNorm, spectralNorm: c.spectralNorm });
    const b = opts.backend;
    const model = Model.build(spec, { inputShape: [opts.obsSize], backend: b, rng: opts.rng.split('q/model') });
    model.unitGroups.splice(0, model.unitGroups.length, ...model.unitGroups.map((g) => ({ ...g, name: `q/${g.name}` })));
    this.target = Model.build(spec, { inputShape: [opts.obsSize], backend: b, rng: opts.rng.split('q/target') });
    this.target.setState(model.getState());
    // biome-ignore lint/suspicious/noExplicitAny: the chain's parts have different states
    const parts: Transform<any>[] = [];
    if (c.maxGradNorm !== null) parts.push(clipByGlobalNorm(c.maxGradNorm));
    if (c.weightDecay > 0) parts.push(addDecayedWeights(c.weightDecay));
    parts.push(scaleByAdam({ b1: c.adamB1, b2: c.adamB2, eps: c.adamEps }), scaleByLearningRate(c.lr));
    const learner = new Learner({ model, optimizer: chain(...parts), loss: this.loss });
    const methods = createMethods(opts.methods ?? [], { model, learner, backend: b, rng: opts.rng.split('q') }, opts.methodRegistry ?? methodRegistry);
    this.q = { name: 'q', model, learner, methods, probes: null };
    this.buffer = new ReplayBuffer(c.bufferSize, opts.obsSize);
    this.nstep = new NStepAccumulator(c.nSteps, opts.numEnvs, opts.obsSize, c.gamma);
    this.examples = new ReplayExamples(b, this.buffer, c.batchSize);
    this.actionRng = opts.rng.split('actions');
    this.sampleRng = opts.rng.split('samples');
    this.fitRng = opts.rng.split('target-fit');
    this.stepInput = new Tensor(b.alloc(opts.numEnvs * opts.obsSize), [opts.numEnvs, opts.obsSize]);
    this.mbInput = new Tensor(b.alloc(c.batchSize * opts.obsSize), [c.batchSize, opts.obsSize]);
    this.nextInput = new Tensor(b.alloc(c.batchSize * opts.obsSize), [c.batchSize, opts.obsSize]);
    this.mbTarget = b.alloc(c.batchSize * 2);
    this.rows = new Int32Array(c.batchSize);
    this.nextAction = new Int32Array(c.batchSize);
    this.actionOut = new Float64Array(opts.numEnvs);
  }

  /** Greedy actions (argmax of the decoded Q-values; the first on ties, as torch.argmax) of observations [N x obsSize] into `out`. */
  greedy(obs: ArrayLike<number>, out: Float64Array): Float64Array {
    const x = this.stepInput.data;
    for (let i = 0; i < x.length; i++) x[i] = obs[i]!;
    const q = this.q.model.forward(this.stepInput, false).data;
    for (let i = 0; i < this.numEnvs; i++) out[i] = this.argmax(q, i);
    return out;
  }

  /** Greedy actions of `count` observations (rows of `obs`) into `out`, in chunks of the batch size. */
  greedyMany(obs: Float64Array, count: number, out: Int32Array): Int32Array {
    const B = this.config.batchSize, S = this.obsSize;
    const x = this.mbInput.data;
    for (let start = 0; start < count; start += B) {
      const n = Math.min(B, count - start);
      for (let i = 0; i < n * S; i++) x[i] = obs[start * S + i]!;
      x.fill(0, n * S);
      const q = this.q.model.forward(this.mbInput, false).data;
      for (let i = 0; i < n; i++) out[start + i] = this.argmax(q, i);
    }
    return out;
  }

  /**
   * The behaviour's actions for observations [N x obsSize]: CleanRL's epsilon-greedy (one draw decides for all
   * copies: random actions with probability epsilon, else greedy), uniform, or the given expert actions.
   */
  act(obs: ArrayLike<number>, epsilon: number, expert?: ArrayLike<number>): Float64Array {
    const out = this.actionOut, rng = this.actionRng, N = this.numEnvs;
    switch (this.config.behavior) {
      case 'uniform':
        for (let i = 0; i < N; i++) out[i] = rng.int(this.actions);
        return out;
      case 'expert':
        if (!expert) throw new Error("dqn: behavior = 'expert' needs an environment with expert actions (classification-mdp)");
        for (let i = 0; i < N; i++) out[i] = expert[i]!;
        return out;
      default:
        if (rng.float() < epsilon) {
          for (let i = 0; i < N; i++) out[i] = rng.int(this.actions);
          return out;
        }
        return this.greedy(obs, out);
    }
  }

  /**
   * Stores one vector step: `obs` [N x obsSize] was acted on with `actions`, giving rewards; `nextObs` is the
   * observation that followed, with each ended episode's last observation in `finalObs[i]`.
   */
  store(obs: ArrayLike<number>, actions: ArrayLike<number>, rewards: ArrayLike<number>, nextObs: ArrayLike<number>, terminated: ArrayLike<number>, truncated: ArrayLike<number>, finalObs: readonly (Float64Array | null)[]): void {
    const S = this.obsSize;
    for (let i = 0; i < this.numEnvs; i++) {
      const ended = terminated[i]! === 1 || truncated[i]! === 1;
      const fin = ended ? finalObs[i] : null;
      this.nstep.push(this.buffer, i, obs, i * S, actions[i]!, rewards[i]!, fin ?? nextObs, fin ? 0 : i * S, terminated[i]! === 1, ended);
    }
  }

  /** One gradient step on a minibatch from the buffer, then the methods' afterUpdate hooks and the probes. */
  train(task: number, onProbe?: (step: number, r: Record<string, number>) => void): { tdLoss: number; qMean: number } {
    this.sampleBatch(this.sampleRng);
    this.computeTargets();
    const net = this.q;
    const loss = net.learner.trainStep(this.mbInput, this.mbTarget);
    const stats = { ...this.loss.stats };
    const step = net.learner.step;
    const batch: Batch = { x: this.mbInput, y: this.mbTarget };
    for (const m of net.methods) this.applyEdits(m, m.instance.afterUpdate?.({ step, task, batch, loss, taskData: this.examples }));
    const probe = net.probes?.afterStep(step, this.examples);
    if (probe) onProbe?.(step, probe);
    return stats;
  }

  /**
   * The target update (hard copy for tau = 1, else Polyak: target <- tau q + (1 - tau) target). With `fit`, also
   * measures the TD loss on a batch of its own against the old target and against the new one.
   */
  updateTarget(fit = false): TargetFit | null {
    let final = NaN;
    if (fit) {
      this.sampleBatch(this.fitRng);
      this.computeTargets();
      final = this.q.learner.evaluate(this.mbInput, this.mbTarget).sum / this.config.batchSize;
    }
    const tau = this.config.tau;
    const src = this.q.model.params, dst = this.target.params;
    if (src.length !== dst.length) throw new Error(`dqn: the Q-network has ${src.length} parameter arrays, the target network ${dst.length} (a method changed the architecture)`);
    for (let i = 0; i < src.length; i++) {
      const s = src[i]!.data, d = dst[i]!.data;
      if (s.length !== d.length) throw new Error(`dqn: parameter ${src[i]!.name} has ${s.length} values, its target copy ${d.length}`);
      if (tau === 1) d.set(s);
      else for (let j = 0; j < s.length; j++) d[j] = tau * s[j]! + (1 - tau) * d[j]!;
    }
    // Buffers (spectral norm's singular-vector estimates) follow the online net: the target net never trains, so its
    // own estimates would go stale and misjudge its weights' norms.
    const sb = this.q.model.buffers, db = this.target.buffers;
    if (sb.length !== db.length) throw new Error(`dqn: the Q-network has ${sb.length} buffers, the target network ${db.length}`);
    for (let i = 0; i < sb.length; i++) db[i]!.data.set(sb[i]!.data);
    if (!fit) return null;
    this.computeTargets();
    const initial = this.q.learner.evaluate(this.mbInput, this.mbTarget).sum / this.config.batchSize;
    return { final, initial };
  }

  /** A parameter change of the environment: a task boundary for the Q-network's methods, then its probes' task end. */
  taskBoundary(onProbe?: (step: number, r: Record<string, number>) => void): void {
    const net = this.q, step = net.learner.step;
    if (this.buffer.size > 0) {
      const probe = net.probes?.atTaskEnd(step, this.examples);
      if (probe) onProbe?.(step, probe);
    }
    net.learner.startTask();
    for (const m of net.methods) this.applyEdits(m, m.instance.atTaskBoundary?.({ step, task: this.examples }));
  }

  /** Method counters ('method/redo/reset/q/h1' ...). */
  metrics(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.q.methods) Object.assign(out, m.instance.metrics?.() ?? {});
    return out;
  }

  private applyEdits(m: RunMethod, edits: readonly Edit[] | undefined): void {
    if (!edits || edits.length === 0) return;
    const net = this.q;
    const states = [net.learner.optState, ...net.methods.map((x) => x.instance.state)];
    const records = applyEdits(edits, { model: net.model, states }, m.rng).filter((r) => !r.routine);
    if (records.length) this.onEdits?.('q', records.map((r) => ({ ...r, reason: r.reason ?? m.name })));
  }

  /**
   * The TD targets of buffer rows (at most batchSize of them): [action, y] per row, as a train step would use
   * them now (for tests and inspection; uses the minibatch buffers).
   */
  targetsFor(rows: ArrayLike<number>): Float64Array {
    const B = this.config.batchSize, S = this.obsSize, n = Math.min(rows.length, B);
    this.rows.fill(0);
    for (let k = 0; k < n; k++) this.rows[k] = rows[k]!;
    const nx = this.nextInput.data;
    for (let k = 0; k < B; k++) nx.set(this.buffer.nextObs.subarray(this.rows[k]! * S, this.rows[k]! * S + S), k * S);
    this.computeTargets();
    return Float64Array.from(this.mbTarget.subarray(0, 2 * n));
  }

  /** Index of the largest decoded Q-value of row i. */
  private argmax(q: ArrayLike<number>, i: number): number {
    const A = this.actions, W = this.head.width;
    let best = 0, bestV = -Infinity;
    for (let a = 0; a < A; a++) {
      const v = this.head.decode(q as { readonly [k: number]: number }, (i * A + a) * W);
      if (v > bestV) {
        bestV = v;
        best = a;
      }
    }
    return best;
  }

  /** Draws a minibatch of rows with `rng` into the batch inputs (observations, next observations). */
  private sampleBatch(rng: Rng): void {
    const B = this.config.batchSize, S = this.obsSize, buf = this.buffer;
    buf.sample(B, rng, this.rows);
    const x = this.mbInput.data, nx = this.nextInput.data;
    for (let k = 0; k < B; k++) {
      const r = this.rows[k]!;
      x.set(buf.obs.subarray(r * S, r * S + S), k * S);
      nx.set(buf.nextObs.subarray(r * S, r * S + S), k * S);
    }
  }

  /** TD targets of the sampled rows: y = r + gamma^k (1 - done) max_a Q_target(s', a) (double DQN: Q_target(s', argmax_a Q(s', a))). */
  private computeTargets(): void {
    const B = this.config.batchSize, A = this.actions, W = this.head.width, buf = this.buffer, gamma = this.config.gamma;
    const t = this.mbTarget;
    if (this.config.doubleDqn) {
      const qn = this.q.model.forward(this.nextInput, false).data;
      for (let k = 0; k < B; k++) this.nextAction[k] = this.argmax(qn, k);
    }
    const qt = this.target.forward(this.nextInput, false).data;
    for (let k = 0; k < B; k++) {
      const r = this.rows[k]!;
      let v: number;
      if (this.config.doubleDqn) v = this.head.decode(qt as { readonly [i: number]: number }, (k * A + this.nextAction[k]!) * W);
      else {
        v = -Infinity;
        for (let a = 0; a < A; a++) v = Math.max(v, this.head.decode(qt as { readonly [i: number]: number }, (k * A + a) * W));
      }
      const bootstrap = buf.dones[r] ? 0 : gamma ** buf.horizons[r]! * v;
      t[k * 2] = buf.actions[r]!;
      t[k * 2 + 1] = buf.rewards[r]! + bootstrap;
    }
  }

  /** Everything needed to continue exactly (typed arrays stay binary in a checkpoint). */
  getState(): DqnAgentState {
    const n = this.q;
    return {
      model: n.model.getState(),
      target: this.target.getState(),
      optimizer: n.learner.optState,
      step: n.learner.step,
      taskStartStep: n.learner.taskStartStep,
      methods: n.methods.map((m) => ({ name: m.name, state: m.instance.state, rng: m.rng.getState() })),
      probes: n.probes?.getState?.() ?? null,
      buffer: this.buffer.getState(),
      nstep: this.nstep.getState(),
      actionRng: this.actionRng.getState(),
      sampleRng: this.sampleRng.getState(),
      fitRng: this.fitRng.getState(),
    };
  }

  /** Restores a getState() of an agent built with the same options; `restore` copies a saved tree into live state (arrays in place). */
  setState(s: DqnAgentState, restore: (live: unknown, saved: unknown, path: string) => void): void {
    const n = this.q;
    n.model.setState(s.model);
    this.target.setState(s.target);
    restore(n.learner.optState, s.optimizer, 'q optimizer');
    n.learner.step = s.step;
    n.learner.taskStartStep = s.taskStartStep;
    s.methods.forEach((ms, i) => {
      const m = n.methods[i];
      if (!m || m.name !== ms.name) throw new Error(`resume: the checkpoint's methods (${s.methods.map((x) => x.name).join(', ')}) differ from the config's`);
      restore(m.instance.state, ms.state, `q method ${ms.name}`);
      m.rng.setState(ms.rng);
    });
    if (s.probes !== null && s.probes !== undefined) n.probes?.setState?.(s.probes);
    this.buffer.setState(s.buffer);
    this.nstep.setState(s.nstep);
    this.actionRng.setState(s.actionRng);
    this.sampleRng.setState(s.sampleRng);
    this.fitRng.setState(s.fitRng);
  }
}
