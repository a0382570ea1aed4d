// Cost of the diagnostics: probes at the default cadence on an online permuted-MNIST-shaped run
// (784-100-100-100-10 ReLU, SGD lr 0.003, batch 1, one probe of 2000 examples at each task end), the per-step
// cost of the updateSize tracker, and singular values of a 2000 x 100 feature matrix.
//
//   node dist/bench/diagnostics.js [--backend ts|wasm|native|auto] [--task 60000] [--ab] [--json out.json]
//
// Inputs are random 784-dim vectors (a pool cycled in random order), so the step and probe costs are those of
// the real benchmark without reading MNIST. The overhead is the time of one probe over the training time of one
// task (steps/s from blocks of steps, the median of several probes); --ab also times a whole task with and without
// probes (that difference drowns in noise when other processes share the machine).
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Backend } from '../src/backend/Backend.js';
import { getBackend } from '../src/backend/selectBackend.js';
import type { Batch, BatchCursor, Stream, Task } from '../src/benchmarks/Benchmark.js';
import { parseConfig } from '../src/config/parseConfig.js';
import { createProbeRunner, probeSchema } from '../src/diagnostics/ProbeRunner.js';
import { singularValues, symmetricEigenvalues } from '../src/diagnostics/singularValues.js';
import { Learner } from '../src/learn/Learner.js';
import { trainLoop } from '../src/experiment/trainLoop.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { Model } from '../src/nn/Model.js';
import { mlp } from '../src/nn/models/mlp.js';
import { sgd } from '../src/optim/optimizers.js';
import { Rng } from '../src/tensor/Rng.js';
import { Tensor } from '../src/tensor/Tensor.js';

/** One task of `steps` batch-1 steps over a pool of random 784-dim inputs with random labels. */
function randomStream(backend: Backend, steps: number, pool = 4000): Stream {
  const per = 784;
  const rng = Rng.seeded(1);
  const inputs = new Float32Array(pool * per);
  rng.split('x').fillUniform(inputs, 0, 1);
  const labels = Float32Array.from({ length: pool }, () => rng.int(10));
  const one: Batch = { x: new Tensor(backend.alloc(per), [1, per]), y: backend.alloc(1) };
  const probes = new Map<number, Batch>();
  const task: Task = {
    index: 0,
    label: 'random permuted-MNIST-shaped task',
    size: steps,
    batchSize: 1,
    schedule: { kind: 'epochs', epochs: 1 },
    start: {},
    evalSets: [],
    epoch(e): BatchCursor {
      const order = rng.split(`epoch${e}`).permutation(pool);
      let position = 0;
      return {
        get position() {
          return position;
        },
        next() {
          if (position >= steps) return null;
          const i = order[position % pool]!;
          one.x.data.set(inputs.subarray(i * per, (i + 1) * per));
          one.y[0] = labels[i]!;
          position++;
          return one;
        },
        getState: () => ({ position }),
      };
    },
    probe(n, r) {
      const idx = r.sample(pool, Math.min(n, pool));
      let b = probes.get(idx.length);
      if (!b) probes.set(idx.length, (b = { x: new Tensor(backend.alloc(idx.length * per), [idx.length, per]), y: backend.alloc(idx.length) }));
      idx.forEach((i, k) => {
        b!.x.data.set(inputs.subarray(i * per, (i + 1) * per), k * per);
        b!.y[k] = labels[i]!;
      });
      return b;
    },
  };
  return { inputShape: [per], outputs: 10, loss: 'cross-entropy', numTasks: 1, taskSignal: false, task: () => task, provenance: { kind: 'synthetic' } };
}

interface RunResult {
  seconds: number;
  probeSeconds: number;
  records: number;
}

function trainOneTask(backend: Backend, steps: number, probes: unknown | null): RunResult {
  const stream = randomStream(backend, steps);
  const model = Model.build(mlp({ hidden: [100, 100, 100], outputs: 10 }), { inputShape: [784], backend, rng: Rng.seeded(2) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.003 }), loss: crossEntropy });
  let probeSeconds = 0;
  let records = 0;
  const inner = probes === null ? null : createProbeRunner(parseConfig(probeSchema, probes, 'probes'), { learner, rng: Rng.seeded(3) });
  const timed = inner && {
    afterStep: (s: number, t: Task) => {
      const t0 = performance.now();
      const r = inner.afterStep(s, t);
      probeSeconds += (performance.now() - t0) / 1000;
      return r;
    },
    atTaskEnd: (s: number, t: Task) => {
      const t0 = performance.now();
      const r = inner.atTaskEnd(s, t);
      probeSeconds += (performance.now() - t0) / 1000;
      return r;
    },
  };
  const t0 = performance.now();
  trainLoop({ stream, learner, methods: [], rng: Rng.seeded(4), record: () => records++, ...(timed ? { probes: timed } : {}) });
  return { seconds: (performance.now() - t0) / 1000, probeSeconds, records };
}

/** Median time of one probe at a task end (default diagnostics), after a warm-up probe. */
function probeTime(backend: Backend, diagnostics?: string[], repeats = 5): number {
  const stream = randomStream(backend, 10);
  const model = Model.build(mlp({ hidden: [100, 100, 100], outputs: 10 }), { inputShape: [784], backend, rng: Rng.seeded(2) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.003 }), loss: crossEntropy });
  const runner = createProbeRunner(parseConfig(probeSchema, diagnostics ? { diagnostics } : {}, 'probes'), { learner, rng: Rng.seeded(3) });
  const task = stream.task(0);
  const times: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    const t0 = performance.now();
    runner.runNow(i + 1, task);
    if (i > 0) times.push(performance.now() - t0);
  }
  return median(times) / 1000;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

/** Singular values of a 2000 x 100 ReLU-like feature matrix: the whole call, and its float64 Gram and eigensolver parts. */
function svdTime(backend: Backend): { ms: number; gramMs: number; eigMs: number } {
  const a = backend.alloc(2000 * 100);
  const rng = Rng.seeded(5);
  for (let i = 0; i < a.length; i++) a[i] = Math.max(0, rng.normal());
  const g = new Float64Array(100 * 100);
  const total: number[] = [], gram: number[] = [], eig: number[] = [];
  for (let i = 0; i < 8; i++) {
    let t0 = performance.now();
    singularValues(backend, a, 2000, 100);
    total.push(performance.now() - t0);
    t0 = performance.now();
    backend.gram(a, 2000, 100, g);
    gram.push(performance.now() - t0);
    t0 = performance.now();
    symmetricEigenvalues(g, 100);
    eig.push(performance.now() - t0);
  }
  backend.free(a);
  return { ms: median(total.slice(2)), gramMs: median(gram.slice(2)), eigMs: median(eig.slice(2)) };
}

/** Median seconds per call of `fn` over blocks of `block` calls. */
function perCall(fn: () => void, block: number, blocks: number): number {
  const times: number[] = [];
  for (let b = 0; b <= blocks; b++) {
    const t0 = performance.now();
    for (let i = 0; i < block; i++) fn();
    if (b > 0) times.push((performance.now() - t0) / 1000 / block); // block 0 warms up
  }
  return median(times);
}

/**
 * Seconds per training step, and per updateSize tracker call, measured in alternating blocks on one network: the
 * tracker's accounting runs inside the steps (UpdateLedger), so each tracked block gets a tracker of its own, which
 * is detached after it. (Two networks, one tracked, read between 9% and 28% for the same build in one hour: each
 * network's speed depends on where its arrays lie.)
 */
function stepAndTrackerTime(backend: Backend): { step: number; tracker: number } {
  const stream = randomStream(backend, 1 << 30);
  const model = Model.build(mlp({ hidden: [100, 100, 100], outputs: 10 }), { inputShape: [784], backend, rng: Rng.seeded(2) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.003 }), loss: crossEntropy });
  const task = stream.task(0);
  const cursor = task.epoch(0);
  const step = () => {
    const b = cursor.next()!;
    learner.trainStep(b.x, b.y);
  };
  // Adjacent blocks paired, and the median of their ratios: the machine's speed drifts between rounds.
  const steps: number[] = [], ratios: number[] = [];
  for (let r = 0; r < 21; r++) {
    const plain = perCall(step, 1000, 1);
    const runner = createProbeRunner(parseConfig(probeSchema, { diagnostics: ['updateSize'], everyTasks: 0 }, 'probes'), { learner, rng: Rng.seeded(3) });
    const tracked = perCall(() => {
      step();
      runner.afterStep(learner.step, task);
    }, 1000, 1);
    model.updateLedger?.dispose();
    model.updateLedger = null;
    steps.push(plain);
    ratios.push(tracked / plain);
  }
  const s = median(steps);
  return { step: s, tracker: s * (median(ratios) - 1) };
}

export interface DiagnosticsBench {
  backend: string;
  taskSteps: number;
  stepsPerSecond: number;
  /** One probe of the default diagnostics at a task end (N = 2000). */
  probeSeconds: number;
  /** Probe time / training time of one task (default probes, once per task end). */
  overhead: number;
  /** (time with probes - time without) / time without, over one whole task (only with --ab; noisy on a shared machine). */
  overheadAB: number | null;
  /** Per-step cost of the updateSize tracker relative to a training step. */
  updateSizeOverhead: number;
  svd2000x100Ms: number;
  gram2000x100Ms: number;
  eig100Ms: number;
}

export function benchDiagnostics(backendName = 'auto', taskSteps = 60000, ab = false): DiagnosticsBench {
  const backend = getBackend(backendName);
  const { step, tracker } = stepAndTrackerTime(backend);
  const probeSeconds = probeTime(backend);
  let overheadAB: number | null = null;
  if (ab) {
    const plain = trainOneTask(backend, taskSteps, null);
    const probed = trainOneTask(backend, taskSteps, {});
    overheadAB = (probed.seconds - plain.seconds) / plain.seconds;
  }
  return {
    backend: backend.name,
    taskSteps,
    stepsPerSecond: 1 / step,
    probeSeconds,
    overhead: probeSeconds / (taskSteps * step),
    overheadAB,
    updateSizeOverhead: tracker / step,
    ...(({ ms, gramMs, eigMs }) => ({ svd2000x100Ms: ms, gram2000x100Ms: gramMs, eig100Ms: eigMs }))(svdTime(backend)),
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const arg = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const r = benchDiagnostics(arg('backend') ?? 'auto', Number(arg('task') ?? 60000), args.includes('--ab'));
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(`diagnostics bench (${r.backend}; 784-100-100-100-10, SGD, batch 1, a task of ${r.taskSteps} steps)`);
  console.log(`  training:                    ${r.stepsPerSecond.toFixed(0)} steps/s`);
  console.log(`  one default probe (N=2000):  ${(r.probeSeconds * 1000).toFixed(0)} ms`);
  console.log(`  default probes at task ends: ${pct(r.overhead)} of the training time (target < 10%)${r.overheadAB === null ? '' : `; A/B over a whole task: ${pct(r.overheadAB)}`}`);
  console.log(`  updateSize tracker:          ${pct(r.updateSizeOverhead)} per step (opt-in)`);
  console.log(`  singular values 2000 x 100:  ${r.svd2000x100Ms.toFixed(1)} ms (float64 Gram ${r.gram2000x100Ms.toFixed(1)} ms + 100 x 100 eigensolver ${r.eig100Ms.toFixed(1)} ms)`);
  const out = arg('json');
  if (out) writeFileSync(out, JSON.stringify(r, null, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
