import type { Backend } from '../backend/Backend.js';
import { Learner } from '../learn/Learner.js';
import type { Batch, ExampleSource, TaskInfo } from '../learn/Batch.js';
import type { RunMethod } from '../learn/RunMethod.js';
import type { ProbeRunner } from '../learn/ProbeRunner.js';
import { createMethods, methodRegistry, type MethodConfig } from '../methods/index.js';
import type { Registry } from '../config/Registry.js';
import type { Method } from '../learn/Method.js';
import { applyEdits } from '../nn/applyEdits.js';
import type { Edit, EditRecord } from '../nn/Edit.js';
import { Model, type ModelState } from '../nn/Model.js';
import { mlp } from '../nn/models/mlp.js';
import type { WeightInitScheme } from '../nn/init.js';
import { addDecayedWeights, chain, scaleByAdam } from '../optim/transforms.js';
import type { Transform } from '../optim/Transform.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Rng, RngState } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import type { Space } from './envs/Env.js';
import { computeGae, explainedVariance } from './gae.js';
import { orthogonalInit } from './orthogonalInit.js';
import type { PpoConfig } from './ppoConfig.js';
import { jointClipFactor, SplitStep } from './jointStep.js';
import { CategoricalPolicyLoss, GaussianPolicyLoss, ValueLoss } from './ppoLosses.js';

/** The two networks of the agent, as named in unit groups (`policy/h1`), records and checkpoints. */
export const NETS = ['policy', 'value'] as const;
/** 'policy' or 'value': one of {@link NETS}. */
export type NetName = (typeof NETS)[number];

/** The learning rate the optimizers read (set per rollout: annealing) and the gradient scale of the joint clipping. */
interface RateHolder {
  lr: number;
  /** Factor of the global-norm clipping of the current minibatch (1 when the norm is within the limit). */
  clipFactor: number;
  /** The global gradient norm (before clipping) of the current minibatch. */
  gradNorm: number;
}

/** -lr from a holder (CleanRL sets optimizer.param_groups[0]['lr'] each iteration). */
function scaleByHeldRate(h: RateHolder): Transform<Record<string, never>> {
  return {
    name: 'scaleByHeldRate',
    init: () => ({}),
    update(updates, _s, params, ctx) {
      for (let i = 0; i < params.length; i++) if (params[i]!.trainable) ctx.backend.scale(updates[i]!, -h.lr);
    },
  };
}

/**
 * The clipping of clip_grad_norm_ over all the agent's parameters (both nets and the log-std): the factor and
 * norm are computed by the agent from every gradient of the minibatch (`jointClipFactor`) before any net
 * steps; this transform applies the factor to one net's updates and keeps the norm in its state.
 */
function scaleByJointClip(h: RateHolder): Transform<{ lastNorm: number }> {
  return {
    name: 'clipByGlobalNorm(joint)',
    init: () => ({ lastNorm: 0 }),
    update(updates, s, params, ctx) {
      s.lastNorm = h.gradNorm;
      if (h.clipFactor !== 1) for (let i = 0; i < params.length; i++) if (params[i]!.trainable) ctx.backend.scale(updates[i]!, h.clipFactor);
    },
  };
}

/** Adam (torch, with L2 weight decay) on a small float64 vector: the continuous policy's log-std. */
interface VectorAdam {
  m: Float64Array;
  v: Float64Array;
  t: number;
}

/**
 * The observations of the latest rollout as examples, for methods and probes that look at the networks on data
 * of their own (cbp's utility, ReDo's scores, dormant units, stable rank).
 */
export class RolloutExamples implements TaskInfo {
  index = 0;
  label = 'start';
  /** Rows filled so far. */
  size = 0;
  private x: Tensor | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly obs: FloatArray,
    private readonly obsSize: number,
    readonly batchSize: number,
  ) {}

  probe(n: number, rng: Rng): Batch {
    const k = Math.min(n, this.size);
    if (k < 1) throw new Error('rollout examples: no observation collected yet');
    const rows = rng.sample(this.size, k);
    if (!this.x || this.x.shape[0] !== k) {
      if (this.x) this.backend.free(this.x.data);
      this.x = new Tensor(this.backend.alloc(k * this.obsSize), [k, this.obsSize]);
    }
    const d = this.x.data, s = this.obsSize;
    for (let i = 0; i < k; i++) d.set(this.obs.subarray(rows[i]! * s, rows[i]! * s + s), i * s);
    return { x: this.x, y: d.subarray(0, 0) };
  }
}

/** What one update phase measured (CleanRL's logged values: the last minibatch's losses, clip fraction over all). */
export interface UpdateStats {
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  oldApproxKl: number;
  clipFraction: number;
  explainedVariance: number;
  learningRate: number;
  /** The global gradient norm (both nets and the log-std, before clipping) of the last minibatch: what CleanRL clips. */
  gradNorm: number;
  /** Each net's share of it (the policy's with its log-std), before clipping. */
  policyGradNorm: number;
  valueGradNorm: number;
}

/** A network of the agent with what trains and edits it. */
export interface AgentNet {
  readonly name: NetName;
  readonly model: Model;
  readonly learner: Learner;
  /** The learner's step in two halves (gradients of both nets first, then one joint clip, then each net's optimizer). */
  readonly split: SplitStep;
  readonly methods: readonly RunMethod[];
  probes: ProbeRunner | null;
}

/**
 * What a {@link PpoAgent} is built from: the validated PPO config, observation size and action space, number of
 * vector env copies, backend, random stream, and the plasticity methods applied to both networks.
 */
export interface PpoAgentOptions {
  readonly config: PpoConfig;
  readonly obsSize: number;
  readonly actionSpace: Space;
  /** Vector env copies (rollout rows per step). */
  readonly numEnvs: number;
  readonly backend: Backend;
  /** The agent's root stream: networks from rng.split('<net>/model'), methods from rng.split('<net>'), actions and minibatches from their own. */
  readonly rng: Rng;
  /** The plasticity methods, applied to each network (validated configs as a run config holds them). */
  readonly methods?: readonly MethodConfig[];
  readonly methodRegistry?: Registry<Method>;
  /** Receives every applied edit (net name included in the reason's group). */
  readonly onEdits?: (net: NetName, records: readonly EditRecord[]) => void;
}

/** The agent's checkpoint: both nets, optimizers, log-std, method states, random streams (typed arrays stay binary). */
export interface PpoAgentState {
  nets: Record<NetName, { model: ModelState; optimizer: unknown; step: number; taskStartStep: number; methods: { name: string; state: unknown; rng: RngState }[]; probes: unknown }>;
  logStd: Float64Array | null;
  logStdAdam: VectorAdam | null;
  actionRng: RngState;
  minibatchRng: RngState;
}

/**
 * PPO as CleanRL's ppo.py (categorical actions) and ppo_continuous_action.py (diagonal Gaussian with a
 * state-independent log-std) define it, with the actor and the critic as two supple Models, each trained by
 * its own Learner on a PPO loss (clipped surrogate + entropy; clipped value loss). Plasticity methods are
 * created for each network (their hooks run after each of its updates and at parameter changes of the env),
 * so cbp, ReDo, l2, shrink-perturb act on both unchanged. Unit groups are named `<net>/h<k>`.
 *
 * As CleanRL (one optimizer over actor and critic), each minibatch's gradients of both nets and the log-std are
 * computed first and clipped by their one global norm (maxGradNorm), then each net steps. The networks are
 * float32 (CleanRL's are float32 too); the random draws are supple's.
 */
export class PpoAgent {
  readonly config: PpoConfig;
  readonly discrete: boolean;
  readonly actionSize: number;
  readonly obsSize: number;
  readonly numEnvs: number;
  readonly policy: AgentNet;
  readonly value: AgentNet;
  readonly policyLoss: CategoricalPolicyLoss | GaussianPolicyLoss;
  readonly valueLoss: ValueLoss;
  readonly examples: RolloutExamples;
  readonly actionRng: Rng;
  readonly minibatchRng: Rng;
  private readonly rate: RateHolder;
  private readonly logStdAdam: VectorAdam | null;
  /** Receives every applied edit (settable: the loop routes them to its recorder with the env step). */
  onEdits: PpoAgentOptions['onEdits'];
  // Rollout storage [T x N]: observations (float32, backend memory: minibatches are gathered from it).
  readonly obsBuf: FloatArray;
  readonly actions: Float64Array;
  readonly logProbs: Float64Array;
  readonly rewards: Float64Array;
  readonly dones: Float64Array;
  readonly values: Float64Array;
  readonly advantages: Float64Array;
  readonly returns: Float64Array;
  private readonly stepInput: Tensor;
  private readonly mbInput: Tensor;
  private readonly mbPolicyTarget: FloatArray;
  private readonly mbValueTarget: FloatArray;
  private readonly indices: Int32Array;

  constructor(opts: PpoAgentOptions) {
    const c = (this.config = opts.config);
    this.obsSize = opts.obsSize;
    this.numEnvs = opts.numEnvs;
    this.onEdits = opts.onEdits;
    this.discrete = opts.actionSpace.kind === 'discrete';
    this.actionSize = opts.actionSpace.kind === 'discrete' ? 1 : opts.actionSpace.low.length;
    const outputs = opts.actionSpace.kind === 'discrete' ? opts.actionSpace.n : this.actionSize;
    const batch = c.numSteps * opts.numEnvs;
    if (batch % c.numMinibatches !== 0) throw new Error(`ppo: numSteps x envs = ${batch} is not divisible by numMinibatches = ${c.numMinibatches}`);
    const mb = batch / c.numMinibatches;
    this.rate = { lr: c.lr, clipFactor: 1, gradNorm: 0 };
    const lossOpts = { clip: c.clipCoef, entCoef: c.entCoef, normAdv: c.normAdv };
    this.policyLoss = this.discrete ? new CategoricalPolicyLoss(outputs, lossOpts) : new GaussianPolicyLoss(outputs, lossOpts, c.initialLogStd);
    this.valueLoss = new ValueLoss({ clip: c.clipVloss ? c.clipCoef : null, vfCoef: c.vfCoef });
    const logStdGrad = this.policyLoss instanceof GaussianPolicyLoss ? this.policyLoss.logStdGrad : null;
    this.logStdAdam = logStdGrad ? { m: new Float64Array(outputs), v: new Float64Array(outputs), t: 0 } : null;
    this.actionRng = opts.rng.split('actions');
    this.minibatchRng = opts.rng.split('minibatches');

    const b = opts.backend;
    this.obsBuf = b.alloc(batch * this.obsSize);
    this.examples = new RolloutExamples(b, this.obsBuf, this.obsSize, mb);
    const build = (name: NetName, out: number, headGain: number, loss: CategoricalPolicyLoss | GaussianPolicyLoss | ValueLoss): AgentNet => {
      const orth = c.init === 'orthogonal';
      const spec = mlp({ hidden: c.hidden, outputs: out, activation: c.activation, init: orth ? 'kaiming-uniform' : (c.init as WeightInitScheme), biasInit: 'zero' });
      const model = Model.build(spec, { inputShape: [this.obsSize], backend: b, rng: opts.rng.split(`${name}/model`) });
      if (orth) {
        // CleanRL's layer_init: orthogonal weights (gain sqrt 2; the head's own gain), zero biases.
        const initRng = opts.rng.split(`${name}/orthogonal`);
        const weights = model.params.filter((p) => p.shape.length === 2);
        weights.forEach((p, i) => orthogonalInit(p.data, p.shape[0]!, p.shape[1]!, i === weights.length - 1 ? headGain : Math.SQRT2, initRng.split(p.name)));
      }
      model.unitGroups.splice(0, model.unitGroups.length, ...model.unitGroups.map((g) => ({ ...g, name: `${name}/${g.name}` })));
      // biome-ignore lint/suspicious/noExplicitAny: the parts of a chain have states of different types
      const parts: Transform<any>[] = [scaleByJointClip(this.rate)];
      if (c.weightDecay > 0) parts.push(addDecayedWeights(c.weightDecay));
      parts.push(scaleByAdam({ b1: c.adamB1, b2: c.adamB2, eps: c.adamEps }), scaleByHeldRate(this.rate));
      const learner = new Learner({ model, optimizer: chain(...parts), loss });
      const methods = createMethods(opts.methods ?? [], { model, learner, backend: b, rng: opts.rng.split(name) }, opts.methodRegistry ?? methodRegistry);
      return { name, model, learner, split: new SplitStep(learner), methods, probes: null };
    };
    this.policy = build('policy', outputs, 0.01, this.policyLoss);
    this.value = build('value', 1, 1, this.valueLoss);

    this.actions = new Float64Array(batch * this.actionSize);
    this.logProbs = new Float64Array(batch);
    this.rewards = new Float64Array(batch);
    this.dones = new Float64Array(batch);
    this.values = new Float64Array(batch);
    this.advantages = new Float64Array(batch);
    this.returns = new Float64Array(batch);
    this.stepInput = new Tensor(b.alloc(opts.numEnvs * this.obsSize), [opts.numEnvs, this.obsSize]);
    this.mbInput = new Tensor(b.alloc(mb * this.obsSize), [mb, this.obsSize]);
    this.mbPolicyTarget = b.alloc(mb * this.policyLoss.targetWidth);
    this.mbValueTarget = b.alloc(mb * 2);
    this.indices = new Int32Array(batch);
  }

  /** The rollout's size (steps x envs) and the minibatch size. */
  get batchSize(): number {
    return this.config.numSteps * this.numEnvs;
  }

  get minibatchSize(): number {
    return this.batchSize / this.config.numMinibatches;
  }

  /** The learning rate of the coming update phase. */
  get learningRate(): number {
    return this.rate.lr;
  }

  /** Sets the learning rate for iteration `iteration` of `total` (1-based; CleanRL: lr * (1 - (it - 1) / total) when annealing). */
  setIteration(iteration: number, total: number): void {
    this.rate.lr = this.config.annealLr ? (1 - (iteration - 1) / total) * this.config.lr : this.config.lr;
  }

  /** The current log-std of a continuous policy (null for a discrete one). */
  get logStd(): Float64Array | null {
    return this.policyLoss instanceof GaussianPolicyLoss ? this.policyLoss.logStd : null;
  }

  /**
   * Acts at rollout step t on observations [N x obsSize]: stores them, samples actions into row t, with their
   * log-probs and the values. Returns the actions [N x actionSize] (a view of the rollout storage).
   */
  act(t: number, obs: Float64Array): Float64Array {
    const N = this.numEnvs, S = this.obsSize, A = this.actionSize;
    const x = this.stepInput.data;
    for (let i = 0; i < N * S; i++) x[i] = obs[i]!;
    this.obsBuf.set(x, t * N * S);
    this.examples.size = Math.max(this.examples.size, (t + 1) * N);
    const out = this.policy.model.forward(this.stepInput, false).data;
    const rng = this.actionRng;
    const acts = this.actions.subarray(t * N * A, (t + 1) * N * A);
    if (this.policyLoss instanceof CategoricalPolicyLoss) {
      const K = this.policyLoss.actions;
      for (let i = 0; i < N; i++) {
        let max = -Infinity;
        for (let j = 0; j < K; j++) max = Math.max(max, out[i * K + j]!);
        let sum = 0;
        for (let j = 0; j < K; j++) sum += Math.exp(out[i * K + j]! - max);
        const u = rng.float() * sum;
        let a = K - 1, acc = 0;
        for (let j = 0; j < K; j++) {
          acc += Math.exp(out[i * K + j]! - max);
          if (u < acc) {
            a = j;
            break;
          }
        }
        acts[i] = a;
        this.logProbs[t * N + i] = out[i * K + a]! - max - Math.log(sum);
      }
    } else {
      const ls = this.policyLoss.logStd;
      let sumLs = 0;
      for (let j = 0; j < A; j++) sumLs += ls[j]!;
      for (let i = 0; i < N; i++) {
        let logp = -sumLs - 0.5 * A * Math.log(2 * Math.PI);
        for (let j = 0; j < A; j++) {
          const z = rng.normal();
          acts[i * A + j] = out[i * A + j]! + Math.exp(ls[j]!) * z;
          logp -= 0.5 * z * z;
        }
        this.logProbs[t * N + i] = logp;
      }
    }
    const v = this.value.model.forward(this.stepInput, false).data;
    for (let i = 0; i < N; i++) this.values[t * N + i] = v[i]!;
    return acts;
  }

  /** Values of observations [N x obsSize] into `out` (the bootstrap after the last rollout step). */
  predictValues(obs: Float64Array, out: Float64Array): void {
    const x = this.stepInput.data;
    for (let i = 0; i < x.length; i++) x[i] = obs[i]!;
    const v = this.value.model.forward(this.stepInput, false).data;
    for (let i = 0; i < this.numEnvs; i++) out[i] = v[i]!;
  }

  /** Stores the outcome of rollout step t: rewards and the done flags of the observations that come next. */
  record(t: number, rewards: ArrayLike<number>): void {
    const N = this.numEnvs;
    for (let i = 0; i < N; i++) this.rewards[t * N + i] = rewards[i]!;
  }

  /** Marks obs[t] of each env as the first of an episode (1) or not (0): CleanRL's dones[step] = next_done. */
  setDones(t: number, dones: ArrayLike<number>): void {
    const N = this.numEnvs;
    for (let i = 0; i < N; i++) this.dones[t * N + i] = dones[i]!;
  }

  /**
   * The update phase of one iteration: GAE from the stored rollout, then `updateEpochs` epochs of shuffled
   * minibatches; after each minibatch both nets take an optimizer step, then each net's methods act
   * (afterUpdate) and its probes run on their cadence (`onProbe`).
   */
  update(nextValue: Float64Array, nextDone: ArrayLike<number>, task: number, onProbe?: (net: NetName, step: number, r: Record<string, number>) => void): UpdateStats {
    const c = this.config;
    const T = c.numSteps, N = this.numEnvs, S = this.obsSize, A = this.actionSize;
    computeGae(T, N, this.rewards, this.values, this.dones, nextValue, nextDone, c.gamma, c.gaeLambda, this.advantages, this.returns);
    const B = T * N, M = this.minibatchSize;
    const idx = this.indices;
    const pt = this.mbPolicyTarget, vt = this.mbValueTarget, W = this.policyLoss.targetWidth;
    const x = this.mbInput.data;
    let clipSum = 0, clipCount = 0, policyNorm = 0, valueNorm = 0;
    const ps = this.policyLoss.stats;
    const batch: Batch = { x: this.mbInput, y: pt };
    const vBatch: Batch = { x: this.mbInput, y: vt };
    const rng = this.minibatchRng;
    for (let epoch = 0; epoch < c.updateEpochs; epoch++) {
      for (let i = 0; i < B; i++) idx[i] = i;
      rng.shuffle(idx);
      for (let start = 0; start < B; start += M) {
        for (let k = 0; k < M; k++) {
          const r = idx[start + k]!;
          x.set(this.obsBuf.subarray(r * S, r * S + S), k * S);
          if (this.discrete) pt[k * W] = this.actions[r]!;
          else for (let j = 0; j < A; j++) pt[k * W + j] = this.actions[r * A + j]!;
          pt[k * W + W - 2] = this.logProbs[r]!;
          pt[k * W + W - 1] = this.advantages[r]!;
          vt[k * 2] = this.returns[r]!;
          vt[k * 2 + 1] = this.values[r]!;
        }
        this.policy.learner.epoch = epoch;
        this.value.learner.epoch = epoch;
        // CleanRL: loss = pg + vf * v over one agent, backward, clip_grad_norm_(all parameters), step.
        const pl = this.policy.split.gradients(this.mbInput, pt);
        const vl = this.value.split.gradients(this.mbInput, vt);
        const ls = this.logStdGradSumSquares();
        const pss = this.policy.split.gradSumSquares() + ls, vss = this.value.split.gradSumSquares();
        const clip = jointClipFactor([pss, vss], c.maxGradNorm);
        this.rate.clipFactor = clip.factor;
        this.rate.gradNorm = clip.norm;
        policyNorm = Math.sqrt(pss);
        valueNorm = Math.sqrt(vss);
        this.policy.split.apply();
        this.stepLogStd(clip.factor);
        this.afterUpdate(this.policy, batch, pl, task, onProbe);
        this.value.split.apply();
        this.afterUpdate(this.value, vBatch, vl, task, onProbe);
        clipSum += ps.clipFraction;
        clipCount++;
      }
      if (c.targetKl !== null && ps.approxKl > c.targetKl) break;
    }
    return {
      policyLoss: ps.policyLoss,
      valueLoss: this.valueLoss.stats.valueLoss,
      entropy: ps.entropy,
      approxKl: ps.approxKl,
      oldApproxKl: ps.oldApproxKl,
      clipFraction: clipCount ? clipSum / clipCount : 0,
      explainedVariance: explainedVariance(this.values, this.returns, B),
      learningRate: this.rate.lr,
      gradNorm: this.rate.gradNorm,
      policyGradNorm: policyNorm,
      valueGradNorm: valueNorm,
    };
  }

  /** Applies method edits of a hook to one net (optimizer state and method states follow unit resets). */
  applyEdits(net: AgentNet, m: RunMethod, edits: readonly Edit[] | undefined): void {
    if (!edits || edits.length === 0) return;
    const states = [net.learner.optState, ...net.methods.map((x) => x.instance.state)];
    const records = applyEdits(edits, { model: net.model, states }, m.rng).filter((r) => !r.routine);
    if (records.length) this.onEdits?.(net.name, records.map((r) => ({ ...r, reason: r.reason ?? m.name })));
  }

  /** A parameter change of the environment: a task boundary for every method of both nets, then the probes' task end. */
  taskBoundary(task: TaskInfo, onProbe?: (net: NetName, step: number, r: Record<string, number>) => void): void {
    for (const net of [this.policy, this.value]) {
      const step = net.learner.step;
      const probe = net.probes?.atTaskEnd(step, this.examples);
      if (probe && this.examples.size > 0) onProbe?.(net.name, step, probe);
      net.learner.startTask();
      for (const m of net.methods) this.applyEdits(net, m, m.instance.atTaskBoundary?.({ step, task }));
    }
  }

  private afterUpdate(net: AgentNet, batch: Batch, loss: { sum: number; correct: number; count: number }, task: number, onProbe?: (net: NetName, step: number, r: Record<string, number>) => void): void {
    const step = net.learner.step;
    for (const m of net.methods) this.applyEdits(net, m, m.instance.afterUpdate?.({ step, task, batch, loss, taskData: this.examples }));
    const probe = net.probes?.afterStep(step, this.examples);
    if (probe) onProbe?.(net.name, step, probe);
  }

  /** Sum of squares of the log-std's gradient of the last policy minibatch (0 for a discrete policy). */
  private logStdGradSumSquares(): number {
    if (!(this.policyLoss instanceof GaussianPolicyLoss)) return 0;
    let ss = 0;
    for (const g of this.policyLoss.logStdGrad) ss += g * g;
    return ss;
  }

  /**
   * Adam step of the log-std on its gradient times the joint clipping factor (torch Adam: L2 decay into the
   * gradient after clipping, bias correction, eps outside the sqrt).
   */
  private stepLogStd(clipFactor: number): void {
    const st = this.logStdAdam;
    if (!st || !(this.policyLoss instanceof GaussianPolicyLoss)) return;
    const c = this.config;
    const w = this.policyLoss.logStd, g = this.policyLoss.logStdGrad;
    st.t++;
    const bc1 = 1 - c.adamB1 ** st.t, bc2 = 1 - c.adamB2 ** st.t;
    for (let j = 0; j < w.length; j++) {
      const gj = g[j]! * clipFactor + c.weightDecay * w[j]!;
      st.m[j] = c.adamB1 * st.m[j]! + (1 - c.adamB1) * gj;
      st.v[j] = c.adamB2 * st.v[j]! + (1 - c.adamB2) * gj * gj;
      w[j]! -= (this.rate.lr * (st.m[j]! / bc1)) / (Math.sqrt(st.v[j]! / bc2) + c.adamEps);
    }
  }

  /** Method counters of both nets ('method/cbp/replaced/policy/h1' ...). */
  metrics(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const net of [this.policy, this.value]) for (const m of net.methods) Object.assign(out, m.instance.metrics?.() ?? {});
    return out;
  }

  /**
   * A checkpoint of the agent: both networks with their optimizer, step counts, method states and probes, plus the
   * log-std, its optimizer and the action and minibatch random streams (arrays copied).
   */
  getState(): PpoAgentState {
    const net = (n: AgentNet) => ({
      model: n.model.getState(),
      optimizer: n.learner.optState,
      step: n.learner.step,
      taskStartStep: n.learner.taskStartStep,
      methods: n.methods.map((m) => ({ name: m.name, state: m.instance.state, rng: m.rng.getState() })),
      probes: n.probes?.getState?.() ?? null,
    });
    return {
      nets: { policy: net(this.policy), value: net(this.value) },
      logStd: this.logStd ? this.logStd.slice() : null,
      logStdAdam: this.logStdAdam ? { m: this.logStdAdam.m.slice(), v: this.logStdAdam.v.slice(), t: this.logStdAdam.t } : null,
      actionRng: this.actionRng.getState(),
      minibatchRng: this.minibatchRng.getState(),
    };
  }

  /** Restores a getState() of an agent built with the same options; `restore` copies a saved tree into live state (arrays in place). */
  setState(s: PpoAgentState, restore: (live: unknown, saved: unknown, path: string) => void): void {
    for (const n of [this.policy, this.value]) {
      const saved = s.nets[n.name];
      n.model.setState(saved.model);
      restore(n.learner.optState, saved.optimizer, `${n.name} optimizer`);
      n.learner.step = saved.step;
      n.learner.taskStartStep = saved.taskStartStep;
      saved.methods.forEach((ms, i) => {
        const m = n.methods[i];
        if (!m || m.name !== ms.name) throw new Error(`resume: the checkpoint's ${n.name} methods (${saved.methods.map((x) => x.name).join(', ')}) differ from the config's`);
        restore(m.instance.state, ms.state, `${n.name} method ${ms.name}`);
        m.rng.setState(ms.rng);
      });
      if (saved.probes !== null && saved.probes !== undefined) n.probes?.setState?.(saved.probes);
    }
    if (s.logStd && this.logStd) this.logStd.set(s.logStd);
    if (s.logStdAdam && this.logStdAdam) {
      this.logStdAdam.m.set(s.logStdAdam.m);
      this.logStdAdam.v.set(s.logStdAdam.v);
      this.logStdAdam.t = s.logStdAdam.t;
    }
    this.actionRng.setState(s.actionRng);
    this.minibatchRng.setState(s.minibatchRng);
  }
}

export type { ExampleSource };
