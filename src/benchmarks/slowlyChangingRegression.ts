import { z } from 'zod';
import type { Rng } from '../tensor/Rng.js';
import type { Batch, Benchmark, BatchCursor, CursorState, Stream, Task } from './Benchmark.js';
import { streamPools } from './BatchPool.js';
import { option } from './streamOptions.js';

/**
 * Validates the options of {@link slowlyChangingRegression} (variant, periods, bits, target network, thresholds) and
 * fills defaults; rejects slowBits > inputBits.
 */
export const slowlyChangingRegressionSchema = z.strictObject({
  variant: z.enum(['flip-one', 'redraw']).default('flip-one').describe("'flip-one': one slow bit, chosen uniformly, flips every period (the paper, 3M examples); 'redraw': all slow bits redrawn (the reference code's default config, 1M examples)"),
  tasks: z.number().int().min(0).default(0).describe('number of periods of constant slow bits (0: the paper, 300 for flip-one and 100 for redraw)'),
  examplesPerTask: z.number().int().min(1).default(10000).describe('T: examples between changes of the slow bits'),
  steps: option.steps('total examples (0: tasks x examplesPerTask); overrides tasks'),
  inputBits: z.number().int().min(1).default(20).describe('m: input bits (the bias bit is extra)'),
  slowBits: z.number().int().min(0).default(15).describe('f: slow bits (the first f inputs); the other m - f are drawn fresh for each example'),
  targetUnits: z.number().int().min(1).default(100).describe('LTUs of the target network'),
  beta: z.number().gt(0).lt(1).default(0.7).describe('beta of the LTU thresholds theta_i = (m + 1) beta - S_i'),
  thresholds: z
    .enum(['paper', 'reference-code'])
    .default('reference-code')
    .describe("'reference-code' (default; what generated the paper's figures): S_i = (m - sum of input weights + bias weight) / 2 as lop/nets/fix_ltu_net.py computes it, target variance 3.95; 'paper': S_i = number of -1 weights among the m + 1 (bias included), as the text says, target variance 4.92"),
  biasInput: z.boolean().default(false).describe('append the constant bias bit to the learner input (false: the learner sees the m bits and has its own biases, as the reference code)'),
  bin: z.number().int().min(0).default(40000).describe('online squared error is recorded per this many examples'),
  taskSignal: option.taskSignal(false),
}).refine((c) => c.slowBits <= c.inputBits, { message: 'must be <= inputBits', path: ['slowBits'] });
/** Validated {@link slowlyChangingRegression} options, defaults filled in. */
export type SlowlyChangingRegressionConfig = z.output<typeof slowlyChangingRegressionSchema>;

/** The fixed target network: LTU weights (m + 1 per unit, bias last), thresholds, readout weights and bias. */
export interface LtuTarget {
  readonly inputs: number;
  readonly units: number;
  /** [units, inputs + 1], +-1; column `inputs` is the bias weight. */
  readonly weights: Int8Array;
  readonly thresholds: Float64Array;
  /** [units], +-1. */
  readonly readout: Int8Array;
  /** +-1. */
  readonly readoutBias: number;
}

/** Draw the target network (all weights +-1 with probability 1/2) and its LTU thresholds. */
export function drawLtuTarget(rng: Rng, inputs: number, units: number, beta: number, thresholds: 'paper' | 'reference-code'): LtuTarget {
  const sign = () => (rng.float() < 0.5 ? -1 : 1);
  const weights = new Int8Array(units * (inputs + 1));
  for (let i = 0; i < weights.length; i++) weights[i] = sign();
  const readout = new Int8Array(units);
  for (let i = 0; i < units; i++) readout[i] = sign();
  const readoutBias = sign();
  const th = new Float64Array(units);
  for (let u = 0; u < units; u++) {
    const row = weights.subarray(u * (inputs + 1), (u + 1) * (inputs + 1));
    let s: number;
    if (thresholds === 'paper') {
      s = 0;
      for (let j = 0; j <= inputs; j++) if (row[j]! < 0) s++;
    } else {
      let sum = 0;
      for (let j = 0; j < inputs; j++) sum += row[j]!;
      s = (inputs - sum + row[inputs]!) / 2;
    }
    th[u] = (inputs + 1) * beta - s;
  }
  return { inputs, units, weights, thresholds: th, readout, readoutBias };
}

/** The target of input bits x (length m; the bias bit is implicit): sum_i v_i [w_i . (x, 1) > theta_i] + readout bias. */
export function ltuTargetValue(t: LtuTarget, x: ArrayLike<number>): number {
  let y = t.readoutBias;
  const w = t.weights;
  const m = t.inputs;
  for (let u = 0; u < t.units; u++) {
    const o = u * (m + 1);
    let s = w[o + m]!;
    for (let j = 0; j < m; j++) if (x[j]) s += w[o + j]!;
    if (s > t.thresholds[u]!) y += t.readout[u]!;
  }
  return y;
}

/**
 * Slowly-changing regression (Dohare et al. 2024; the bit-flipping problem): inputs are m bits, the first f
 * of which ("slow bits") stay fixed for T examples, the rest drawn uniformly for every example. After every T
 * examples one slow bit, chosen uniformly, flips ('flip-one'), or all are redrawn ('redraw'). The target is a
 * fixed network of LTUs (see LtuTarget). A task is one period of constant slow bits; the learner gets no task
 * signal and its squared error is binned per 40000 examples.
 */
export const slowlyChangingRegression: Benchmark<typeof slowlyChangingRegressionSchema> = {
  name: 'slowly-changing-regression',
  description: 'Slowly-changing regression (Dohare et al. 2024): 20 bits, 15 of them slow, one flips every 10000 examples; an LTU target network',
  schema: slowlyChangingRegressionSchema,
  defaults: () => ({
    model: { arch: 'mlp', hidden: [5], activation: 'relu' },
    optimizer: { name: 'sgd', lr: 0.01 },
    // A probe per bin of 40000 examples (4 flip periods), not one per period.
    probes: { everyTasks: 4 },
  }),
  async create(config, ctx): Promise<Stream> {
    const m = config.inputBits, f = config.slowBits, T = config.examplesPerTask;
    const target = drawLtuTarget(ctx.rng.split('target'), m, config.targetUnits, config.beta, config.thresholds);
    const tasks = config.tasks || (config.variant === 'flip-one' ? 300 : 100);
    const total = config.steps > 0 ? config.steps : tasks * T;
    const numTasks = Math.ceil(total / T);
    // Slow bits of every period, drawn up front (numTasks * f bits) so that any task can start without replay.
    const slow = new Uint8Array(numTasks * f);
    const slowRng = ctx.rng.split('slow-bits');
    for (let t = 0; t < numTasks; t++) {
      const row = t * f;
      if (t === 0 || config.variant === 'redraw') {
        for (let j = 0; j < f; j++) slow[row + j] = slowRng.float() < 0.5 ? 0 : 1;
      } else {
        slow.copyWithin(row, row - f, row);
        if (f > 0) {
          const j = slowRng.int(f);
          slow[row + j] = 1 - slow[row + j]!;
        }
      }
    }
    const inputWidth = m + (config.biasInput ? 1 : 0);
    const inputShape = [inputWidth];
    const pools = streamPools(ctx.backend, inputShape);
    const fastBits = m - f;
    if (fastBits > 24) throw new Error(`inputBits - slowBits = ${fastBits} is not allowed: at most 24 fast bits`);
    const bits = new Uint8Array(m);
    /** Within a task only the fast bits vary: the target of each of their 2^(m-f) patterns is computed once. */
    const targetTable = (t: number): Float64Array => {
      const table = new Float64Array(1 << fastBits);
      for (let j = 0; j < f; j++) bits[j] = slow[t * f + j]!;
      for (let pattern = 0; pattern < table.length; pattern++) {
        for (let j = 0; j < fastBits; j++) bits[f + j] = (pattern >>> j) & 1;
        table[pattern] = ltuTargetValue(target, bits);
      }
      return table;
    };
    const writeExample = (b: Batch, k: number, t: number, pattern: number, table: Float64Array) => {
      const x = b.x.data;
      const o = k * inputWidth;
      for (let j = 0; j < f; j++) x[o + j] = slow[t * f + j]!;
      for (let j = 0; j < fastBits; j++) x[o + f + j] = (pattern >>> j) & 1;
      if (config.biasInput) x[o + m] = 1;
      b.y[k] = table[pattern]!;
    };
    const drawPattern = (r: Rng) => {
      let p = 0;
      for (let j = 0; j < fastBits; j++) if (r.float() >= 0.5) p |= 1 << j;
      return p;
    };
    let cached: Task | null = null;
    const makeTask = (t: number): Task => {
      const size = Math.min(T, total - t * T);
      const table = targetTable(t);
      // The fast bits of the whole period (one pattern per example), drawn once per task.
      const rng = ctx.rng.split(`task${t}`);
      const fast = new Uint32Array(size);
      for (let i = 0; i < size; i++) fast[i] = drawPattern(rng);
      return {
        index: t,
        label: `slow bits ${Array.from(slow.subarray(t * f, (t + 1) * f)).join('')}`,
        size,
        batchSize: 1,
        schedule: { kind: 'epochs', epochs: 1 },
        start: {},
        evalSets: [],
        epoch(e: number, from?: CursorState): BatchCursor {
          if (e !== 0) throw new Error('slowly-changing-regression: a task is a single pass');
          let position = from?.position ?? 0;
          return {
            get position() {
              return position;
            },
            next() {
              if (position >= size) return null;
              const b = pools.train.get(1);
              writeExample(b, 0, t, fast[position]!, table);
              position++;
              return b;
            },
            getState: () => ({ position }),
          };
        },
        probe(n: number, r: Rng): Batch {
          const b = pools.probe.get(n);
          for (let k = 0; k < n; k++) writeExample(b, k, t, drawPattern(r), table);
          return b;
        },
      };
    };
    return {
      inputShape,
      outputs: 1,
      loss: 'mse',
      numTasks,
      taskSignal: config.taskSignal,
      ...(config.bin > 0 ? { bin: config.bin } : {}),
      task(t) {
        if (!Number.isInteger(t) || t < 0 || t >= numTasks) throw new Error(`task ${t} is outside 0..${numTasks - 1}`);
        if (cached?.index !== t) cached = makeTask(t);
        return cached;
      },
      provenance: { kind: 'synthetic', variant: config.variant, examples: total, thresholds: config.thresholds },
    };
  },
};
