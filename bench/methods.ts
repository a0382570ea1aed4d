// What plasticity methods cost per step: steps/s of plain backprop and of each method on the online permuted-MNIST
// workload (784-100-100-100-10 ReLU MLP, batch 1, SGD lr 0.003), random 784-dim inputs, the wasm backend, driven
// by the real training loop. The number that matters is the ratio to bp on the same network state (`sameStateRatio`:
// plain SGD steps of a twin of the case's network against the case's steps; targets in bench/benchTargets.ts).
// Run: node dist/bench/methods.js [--seconds 2] [--chunk 250] [--backend wasm] [--clock cpu] [--only bp,cbp]
// (--clock cpu: process CPU time instead of wall-clock, for a shared machine; --only: the cases whose label starts
// with one of the prefixes, bp always included).
import { pathToFileURL } from 'node:url';
import { getBackend } from '../src/backend/selectBackend.js';
import type { Backend } from '../src/backend/Backend.js';
import type { Batch, Stream, Task } from '../src/benchmarks/Benchmark.js';
import { Learner } from '../src/learn/Learner.js';
import { trainLoop } from '../src/experiment/trainLoop.js';
import type { RunMethod } from '../src/learn/RunMethod.js';
import { applyEdits } from '../src/nn/applyEdits.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { createMethods } from '../src/methods/index.js';
import { resolveMethodSettings } from '../src/experiment/methodSettings.js';
import { mlp } from '../src/nn/models/mlp.js';
import { Model } from '../src/nn/Model.js';
import { sgd } from '../src/optim/optimizers.js';
import { Rng } from '../src/tensor/Rng.js';
import { Tensor } from '../src/tensor/Tensor.js';
import { updateSize } from '../src/diagnostics/updateSize.js';

export interface MethodsBenchCase {
  readonly label: string;
  readonly methods: string;
  readonly config: Record<string, unknown>;
  /** A tracker measured as a per-step hook instead of a method (its afterStep after every update). */
  readonly tracker?: 'updateSize';
}

export const methodsBenchCases: readonly MethodsBenchCase[] = [
  { label: 'bp', methods: 'bp', config: {} },
  { label: 'cbp (contribution, rho 1e-4, m 100)', methods: 'cbp', config: {} },
  { label: 'cbp (adaptable)', methods: 'cbp', config: { utility: 'adaptable' } },
  { label: 'redo (period 1000, 256 examples)', methods: 'redo', config: {} },
  { label: 'l2 (1e-4)', methods: 'l2', config: {} },
  { label: 'shrink-perturb every step', methods: 'shrink-perturb', config: { schedule: 'every-step', shrink: 0.9999997, noise: 1e-5 } },
  { label: 'updateSize tracker (every step)', methods: 'bp', config: {}, tracker: 'updateSize' },
  // A second plain run: its ratio shows the measurement noise.
  { label: 'bp again (noise control)', methods: 'bp', config: {} },
];

/** The network and learning rate of every case. */
const benchSpec = mlp({ hidden: [100, 100, 100], outputs: 10 });
const benchLr = 0.003;

interface MethodsRun {
  readonly learner: Learner;
  readonly methods: RunMethod[];
  steps: number;
  seconds: number;
  /** Milliseconds in the training step, in the method's hooks and edits, and in the twin's plain steps (`overhead`). */
  stepTime: number;
  methodTime: number;
  twinTime: number;
}

/** A pool of random examples in backend memory, shared by every case. */
export interface Pool {
  readonly inputs: Float32Array;
  readonly labels: Int32Array;
  readonly batch: Batch;
  /** Probe batches by size, reused as the benchmarks' streams reuse theirs (imageTask, slowlyChangingRegression). */
  readonly probes: Map<number, Batch>;
}

export function makePool(backend: Backend, seed: number, size = 512): Pool {
  const rng = Rng.seeded(seed);
  const inputs = new Float32Array(size * 784);
  rng.fillUniform(inputs, 0, 1);
  const labels = Int32Array.from({ length: size }, () => rng.int(10));
  return { inputs, labels, batch: { x: new Tensor(backend.alloc(784), [1, 784]), y: backend.alloc(1) }, probes: new Map() };
}

/** One task of `steps` examples from the pool, batch 1 (the online workload without data loading). */
export function poolStream(backend: Backend, pool: Pool, steps: number, offset: number): Stream {
  const size = pool.labels.length;
  const { inputs, labels, batch: b } = pool;
  const task: Task = {
    index: 0,
    label: 'random inputs',
    size: steps,
    batchSize: 1,
    schedule: { kind: 'epochs', epochs: 1 },
    start: {},
    evalSets: [],
    epoch(_e, from) {
      let position = from?.position ?? 0;
      return {
        get position() {
          return position;
        },
        next() {
          if (position >= steps) return null;
          const i = (offset + position++) % size;
          b.x.data.set(inputs.subarray(i * 784, (i + 1) * 784));
          b.y[0] = labels[i]!;
          return b;
        },
        getState: () => ({ position }),
      };
    },
    probe(n, r) {
      let p = pool.probes.get(n);
      if (!p) pool.probes.set(n, (p = { x: new Tensor(backend.alloc(n * 784), [n, 784]), y: backend.alloc(n) }));
      const { x, y } = p;
      for (let k = 0; k < n; k++) {
        const i = r.int(size);
        x.data.set(inputs.subarray(i * 784, (i + 1) * 784), k * 784);
        y[k] = labels[i]!;
      }
      return { x, y };
    },
  };
  return { inputShape: [784], outputs: 10, loss: 'cross-entropy', numTasks: 1, taskSignal: false, task: () => task, provenance: { kind: 'synthetic' } };
}

export interface MethodsBenchResult {
  readonly label: string;
  readonly stepsPerSecond: number;
  readonly ratioToBp: number;
  /** Time in the method's hooks and edits per step, over the time of the training step itself (same network). */
  readonly overhead: number;
  /**
   * Time of a plain SGD step on a twin of the case's network (its weights, so as many units alive) over the time of
   * the case's step with the method's hooks and edits: the method's cost, apart from how much of its network is alive.
   */
  readonly sameStateRatio: number;
}

/**
 * Every case keeps its own network and methods; they run in turns of `chunk` steps for about `seconds` each in
 * total, so that the load of a shared machine falls on all of them alike. Steps/s = steps / time spent in that
 * case's training loop (its method hooks and edits included).
 */
export function runMethodsBench(opts: { backend?: string; seconds?: number; chunk?: number; overheadSteps?: number; cases?: readonly MethodsBenchCase[]; clock?: 'wall' | 'cpu' } = {}): MethodsBenchResult[] {
  const backend = getBackend(opts.backend ?? 'wasm');
  const cases = opts.cases ?? methodsBenchCases;
  const chunk = opts.chunk ?? 250;
  const pool = makePool(backend, 7);
  const runs = cases.map((c) => {
    const model = Model.build(benchSpec, { inputShape: [784], backend, rng: Rng.seeded(1) });
    const learner = new Learner({ model, optimizer: sgd({ lr: benchLr }), loss: crossEntropy });
    const settings = Object.fromEntries(Object.entries(c.config).map(([k, v]) => [`method.${k}`, v]));
    const methods = createMethods(resolveMethodSettings(c.methods.split('+'), settings), { model, learner, backend, rng: Rng.seeded(1).split('methods') });
    if (c.tracker === 'updateSize') {
      // The tracker as the runner calls it, after every step: a hook that edits nothing.
      const tracker = updateSize.create(updateSize.schema.parse({}), { model, learner, backend });
      methods.push({ name: 'updateSize', rng: Rng.seeded(1), instance: { state: {}, afterUpdate: () => {
        tracker.afterStep(learner);
        return [];
      } } });
    }
    const run: MethodsRun = { learner, methods, steps: 0, seconds: 0, stepTime: 0, methodTime: 0, twinTime: 0 };
    return run;
  });
  // Milliseconds; process CPU time counts this (single-threaded) loop's own work only, whatever the neighbours do.
  const now = opts.clock === 'cpu' ? () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  } : () => performance.now();
  const turn = (r: (typeof runs)[number], steps: number, count: boolean) => {
    const t = now();
    trainLoop({ stream: poolStream(backend, pool, steps, r.steps), learner: r.learner, methods: r.methods, rng: Rng.seeded(1), record: () => {} });
    if (count) {
      r.seconds += (now() - t) / 1000;
      r.steps += steps;
    }
  };
  for (const r of runs) turn(r, chunk, false); // warm-up: JIT, buffers
  const budget = (opts.seconds ?? 2) * cases.length;
  const start = now();
  while ((now() - start) / 1000 < budget) for (const r of runs) turn(r, chunk, true);
  const speeds = runs.map((r) => r.steps / r.seconds);
  const bp = speeds[cases.findIndex((c) => c.methods === 'bp' && !c.tracker)] ?? NaN;
  // The cost of the method apart from the step, on the same network: the reference gemm skips zero activations,
  // so networks that trained differently run at different speeds, and the steps/s ratio mixes that in.
  for (const r of runs) overhead(backend, pool, r, opts.overheadSteps ?? 10000);
  return cases.map((c, i) => {
    const r = runs[i]!;
    return { label: c.label, stepsPerSecond: speeds[i]!, ratioToBp: speeds[i]! / bp, overhead: r.methodTime / r.stepTime, sameStateRatio: r.twinTime / (r.stepTime + r.methodTime) };
  });
}

/**
 * Time the training step and, separately, the method's per-step hooks with their edits (as the loop applies them);
 * and, in alternating blocks on the same examples, plain SGD steps of a twin of the case's network that takes its
 * weights at the start of each block (the step of bp on the same state: how many units are alive decides how many
 * rows the kernels skip).
 */
function overhead(backend: Backend, pool: Pool, r: MethodsRun, steps: number): void {
  const { learner } = r;
  const twinModel = Model.build(benchSpec, { inputShape: [784], backend, rng: Rng.seeded(1) });
  // The twin takes the case's weights again before each block: a method's edits (units reset, weights shrunk)
  // change which units are alive, and a twin that trained on alone would drift to a network of its own.
  const resync = () => learner.model.params.forEach((p, i) => twinModel.params[i]!.data.set(p.data));
  const twin = new Learner({ model: twinModel, optimizer: sgd({ lr: benchLr }), loss: crossEntropy });
  const states = () => [learner.optState, ...r.methods.map((m) => m.instance.state)];
  const block = 50;
  for (let start = 0; start < steps; start += block) {
    const n = Math.min(block, steps - start);
    resync();
    const task = poolStream(backend, pool, n, start).task(0);
    let cursor = task.epoch(0);
    for (let b = cursor.next(); b !== null; b = cursor.next()) {
      const t0 = performance.now();
      const loss = learner.trainStep(b.x, b.y);
      const t1 = performance.now();
      for (const m of r.methods) {
        const edits = m.instance.afterUpdate?.({ step: learner.step, task: 0, batch: b, loss, taskData: task });
        if (edits?.length) applyEdits(edits, { model: learner.model, states: states() }, m.rng);
      }
      const t2 = performance.now();
      r.stepTime += t1 - t0;
      r.methodTime += t2 - t1;
    }
    // Timed step by step as the case's steps are (not the copying of the examples in between).
    cursor = task.epoch(0);
    for (let b = cursor.next(); b !== null; b = cursor.next()) {
      const t3 = performance.now();
      twin.trainStep(b.x, b.y);
      r.twinTime += performance.now() - t3;
    }
  }
}

function main(): void {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const backend = arg('backend') ?? 'wasm';
  const prefixes = arg('only')?.split(',');
  const cases = prefixes ? methodsBenchCases.filter((c) => c.label === 'bp' || prefixes.some((p) => c.label.startsWith(p))) : methodsBenchCases;
  const clock = arg('clock') ?? 'wall';
  if (clock !== 'wall' && clock !== 'cpu') throw new Error(`--clock ${clock}: allowed: wall, cpu`);
  const results = runMethodsBench({ backend, seconds: Number(arg('seconds') ?? 2), chunk: Number(arg('chunk') ?? 250), cases, clock });
  console.log(`methods on the online 784-100-100-100-10 workload (batch 1, SGD), backend ${backend}, ${clock === 'cpu' ? 'CPU time' : 'wall-clock'}`);
  console.log(`  ${'method'.padEnd(40)} ${'steps/s'.padStart(8)}   ratio   same-state ratio   per-step cost of the method (its hooks and edits / the training step)`);
  for (const r of results) console.log(`  ${r.label.padEnd(40)} ${r.stepsPerSecond.toFixed(0).padStart(8)}   ${r.ratioToBp.toFixed(2).padStart(5)}   ${r.sameStateRatio.toFixed(2).padStart(16)}   ${(100 * r.overhead).toFixed(1).padStart(6)} %`);
  const cbp = results.find((r) => r.label.startsWith('cbp (contribution'));
  if (cbp) console.log(`cbp / bp = ${cbp.ratioToBp.toFixed(2)} in steps/s, ${cbp.sameStateRatio.toFixed(2)} on the same state (target >= 0.75)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
