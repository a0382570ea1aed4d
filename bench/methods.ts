// What plasticity methods cost per step: steps/s of plain backprop and of each method on the online permuted-MNIST
// workload (784-100-100-100-10 ReLU MLP, batch 1, SGD lr 0.003), random 784-dim inputs, the wasm backend, driven
// by the real training loop. The number that matters is the ratio to bp (target: cbp >= 0.7).
// Run: node dist/bench/methods.js [--seconds 1] [--rounds 3] [--backend wasm]
import { pathToFileURL } from 'node:url';
import { getBackend } from '../src/backend/selectBackend.js';
import type { Backend } from '../src/backend/Backend.js';
import type { Batch, Stream, Task } from '../src/benchmarks/Benchmark.js';
import { Learner } from '../src/experiment/Learner.js';
import { trainLoop } from '../src/experiment/trainLoop.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { createMethods } from '../src/methods/index.js';
import { mlp } from '../src/nn/models/mlp.js';
import { Model } from '../src/nn/Model.js';
import { sgd } from '../src/optim/optimizers.js';
import { Rng } from '../src/tensor/Rng.js';
import { Tensor } from '../src/tensor/Tensor.js';

export interface MethodsBenchCase {
  readonly label: string;
  readonly methods: string;
  readonly config: Record<string, unknown>;
}

export const methodsBenchCases: readonly MethodsBenchCase[] = [
  { label: 'bp', methods: 'bp', config: {} },
  { label: 'cbp (contribution, rho 1e-4, m 100)', methods: 'cbp', config: {} },
  { label: 'cbp (adaptable)', methods: 'cbp', config: { utility: 'adaptable' } },
  { label: 'redo (period 1000, 256 examples)', methods: 'redo', config: {} },
  { label: 'l2 (1e-4)', methods: 'l2', config: {} },
  { label: 'shrink-perturb every step', methods: 'shrink-perturb', config: { schedule: 'every-step', shrink: 0.9999997, noise: 1e-5 } },
];

/** One task of `steps` random examples, batch 1 (the online workload without the data loading). */
function randomStream(backend: Backend, steps: number, seed: number): Stream {
  const pool = 512;
  const rng = Rng.seeded(seed);
  const inputs = new Float32Array(pool * 784);
  rng.fillUniform(inputs, 0, 1);
  const labels = Int32Array.from({ length: pool }, () => rng.int(10));
  const b: Batch = { x: new Tensor(backend.alloc(784), [1, 784]), y: backend.alloc(1) };
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
          const i = position++ % pool;
          b.x.data.set(inputs.subarray(i * 784, (i + 1) * 784));
          b.y[0] = labels[i]!;
          return b;
        },
        getState: () => ({ position }),
      };
    },
    probe(n, r) {
      const x = new Tensor(backend.alloc(n * 784), [n, 784]);
      const y = backend.alloc(n);
      for (let k = 0; k < n; k++) {
        const i = r.int(pool);
        x.data.set(inputs.subarray(i * 784, (i + 1) * 784), k * 784);
        y[k] = labels[i]!;
      }
      return { x, y };
    },
  };
  return { inputShape: [784], outputs: 10, loss: 'cross-entropy', numTasks: 1, taskSignal: false, task: () => task, provenance: { kind: 'synthetic' } };
}

/** Steps per second of one case: a warm-up run, then a timed run of about `seconds`. */
function measure(backend: Backend, c: MethodsBenchCase, seconds: number, seed: number): number {
  const model = Model.build(mlp({ hidden: [100, 100, 100], outputs: 10 }), { inputShape: [784], backend, rng: Rng.seeded(seed) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.003 }), loss: crossEntropy });
  const methods = createMethods(c.methods, c.config, { model, learner, backend, rng: Rng.seeded(seed).split('methods') });
  const run = (steps: number) => {
    const t = performance.now();
    trainLoop({ stream: randomStream(backend, steps, seed), learner, methods, rng: Rng.seeded(seed), record: () => {} });
    return (performance.now() - t) / 1000;
  };
  // Warm up (JIT, buffers) and calibrate the number of steps for the timed run.
  const warm = 300;
  const perStep = run(warm) / warm;
  const steps = Math.max(200, Math.round(seconds / Math.max(perStep, 1e-7)));
  return steps / run(steps);
}

export interface MethodsBenchResult {
  readonly label: string;
  /** Median steps/s over the rounds. */
  readonly stepsPerSecond: number;
  readonly ratioToBp: number;
}

/** Run every case `rounds` times, interleaved (machine load affects all alike), and report medians. */
export function runMethodsBench(opts: { backend?: string; seconds?: number; rounds?: number; cases?: readonly MethodsBenchCase[] } = {}): MethodsBenchResult[] {
  const backend = getBackend(opts.backend ?? 'wasm');
  const cases = opts.cases ?? methodsBenchCases;
  const rounds = opts.rounds ?? 3;
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) cases.forEach((c, i) => samples[i]!.push(measure(backend, c, opts.seconds ?? 1, 1 + r)));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const speeds = samples.map(median);
  const bp = speeds[cases.findIndex((c) => c.methods === 'bp')] ?? NaN;
  return cases.map((c, i) => ({ label: c.label, stepsPerSecond: speeds[i]!, ratioToBp: speeds[i]! / bp }));
}

function main(): void {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const backend = arg('backend') ?? 'wasm';
  const results = runMethodsBench({ backend, seconds: Number(arg('seconds') ?? 1), rounds: Number(arg('rounds') ?? 3) });
  console.log(`methods on the online 784-100-100-100-10 workload (batch 1, SGD), backend ${backend}`);
  for (const r of results) console.log(`  ${r.label.padEnd(40)} ${r.stepsPerSecond.toFixed(0).padStart(8)} steps/s   ${r.ratioToBp.toFixed(2)} x bp`);
  const cbp = results.find((r) => r.label.startsWith('cbp (contribution'));
  if (cbp) console.log(`cbp / bp = ${cbp.ratioToBp.toFixed(2)} (target >= 0.70)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
