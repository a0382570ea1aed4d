// Engine workloads of `npm run bench`: training steps per second per backend, and the heap per step.
// Each workload is the same net, loss, optimizer (SGD, no momentum, lr 0.01) and batch size as its PyTorch
// counterpart in bench/torch/engine.py.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import type { Backend } from '../src/backend/Backend.js';
import { Rng } from '../src/tensor/Rng.js';
import { Tensor } from '../src/tensor/Tensor.js';
import { Model } from '../src/nn/Model.js';
import type { LayerSpec } from '../src/nn/LayerSpec.js';
import { mlp } from '../src/nn/models/mlp.js';
import { convNet } from '../src/nn/models/convNet.js';
import { resnet18 } from '../src/nn/models/resnet18.js';
import { vit } from '../src/nn/models/vit.js';
import { Learner } from '../src/learn/Learner.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { sgd } from '../src/optim/optimizers.js';
import { heapPerStep, median } from './heapPerStep.js';

export interface Workload {
  readonly name: string;
  readonly description: string;
  readonly spec: LayerSpec;
  readonly input: number[];
  readonly classes: number;
  readonly batch: number;
  /** Skip on the plain-TypeScript backend (minutes per step). */
  readonly heavy?: boolean;
}

export function engineWorkloads(resnetWidth: number): Workload[] {
  return [
    { name: 'mlp-small-b1', description: '784-100-100-100-10 ReLU, SGD, batch 1', spec: mlp({ hidden: [100, 100, 100], outputs: 10 }), input: [784], classes: 10, batch: 1 },
    { name: 'mlp-large-b1', description: '784-2000-2000-2000-10 ReLU, SGD, batch 1', spec: mlp({ hidden: [2000, 2000, 2000], outputs: 10 }), input: [784], classes: 10, batch: 1 },
    { name: 'mlp-large-b256', description: '784-2000-2000-2000-10 ReLU, SGD, batch 256', spec: mlp({ hidden: [2000, 2000, 2000], outputs: 10 }), input: [784], classes: 10, batch: 256, heavy: true },
    { name: 'conv-b128', description: 'Continual ImageNet conv net on 3x32x32, batch 128', spec: convNet({ outputs: 10 }), input: [3, 32, 32], classes: 10, batch: 128, heavy: true },
    { name: 'resnet18-b64', description: `ResNet-18 (CIFAR variant, width ${resnetWidth}) on 3x32x32, batch 64`, spec: resnet18({ outputs: 10, width: resnetWidth }), input: [3, 32, 32], classes: 10, batch: 64, heavy: true },
    {
      name: 'vit-tiny-b64',
      description: 'ViT (patch 4, width 64, 4 blocks of 4 heads, MLP 128, class token) on 3x32x32: 65 tokens, batch 64',
      spec: vit({ outputs: 10, patch: 4, width: 64, depth: 4, heads: 4, mlpRatio: 2 }),
      input: [3, 32, 32],
      classes: 10,
      batch: 64,
      heavy: true,
    },
  ];
}

export interface EngineResult {
  workload: string;
  backend: string;
  stepsPerSecond: number;
  steps: number;
  seconds: number;
  /**
   * Steady-state retained heap growth per step (bytes): the median over `heapWindows` windows of `heapWindowSteps`
   * steps each of (heap after a full GC at the window's end - heap after a full GC at its start) / steps. A one-off
   * (a lazily made buffer, code and feedback as V8 tiers a function up) moves one window; growth every step moves
   * them all. ~0 when steady-state steps keep nothing.
   */
  heapGrowthPerStep: number;
  /** Bytes allocated per step in the young generation in those windows (garbage included), the median: 0 when a step allocates nothing. */
  allocatedPerStep: number;
  heapWindows: number;
  heapWindowSteps: number;
  /** Untimed steps run between the timed phase and the heap windows (see runEngineWorkload). */
  heapWarmupSteps: number;
  /** Garbage collections (minor + major) during the timed steps (the most of any reading). */
  gcCount: number;
  fused: boolean;
  /** Steps/s of each timed reading, in order (each a fresh network from the same seed); stepsPerSecond is the fastest. */
  readings: number[];
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Windows of the heap measurement: enough that the median skips a window or two with a one-off in it. */
const heapWindows = 7;
const heapWindowMin = 4;

/** `pool` batches of a workload's shape taken in turn: uniform inputs in [0, 1), random labels (seed 1). */
export function workloadBatches(w: Workload, backend: Backend, pool: number): { xs: Tensor[]; ys: Float32Array[] } {
  const per = w.input.reduce((a, b) => a * b, 1);
  const rng = Rng.seeded(1);
  const xs: Tensor[] = [];
  const ys: Float32Array[] = [];
  for (let i = 0; i < pool; i++) {
    const x = new Tensor(backend.alloc(w.batch * per), [w.batch, ...w.input]);
    rng.fillUniform(x.data, 0, 1);
    const y = backend.alloc(w.batch) as Float32Array;
    for (let j = 0; j < w.batch; j++) y[j] = rng.int(w.classes);
    xs.push(x);
    ys.push(y);
  }
  return { xs, ys };
}

/**
 * The steady state the heap target speaks of: by default the slow rows (heap windows under
 * {@link slowWindowSteps} steps) get this many untimed steps before their windows. V8 tiers their step functions up
 * for hundreds of steps (they run once or a few times a step): each compile leaves code in code space and its
 * metadata in old space, kilobytes a time, until ~600-1000 steps in (conv-b128 and mlp-large-b256, code space read
 * per window; vit-tiny-b64 still compiled once in 120 steps after 1000); after that a 4-step window holds a few bytes.
 */
export const defaultSlowHeapWarmup = 1000;
const slowWindowSteps = 50;
/**
 * ...but at most this long. ResNet-18 on wasm runs ~1.75 steps/s: 90 s gave it ~150 steps, after which one run's heap
 * windows read 48 B/step and another's 0 (after 300 steps: 0); 180 s gives it ~300.
 */
const heapWarmupCapMs = 180_000;

/**
 * Train a workload for about `seconds` (after a warm-up), `readings` times on fresh networks, and measure steps/s (the
 * fastest reading), then heap growth on the last network, and GCs. `heapWarmup`
 * more steps (at most 180 s of them) run before the heap windows: V8 keeps compiling the step's functions for
 * hundreds of steps, and its code moves the settled heap by kilobytes between windows meanwhile (the slow workloads
 * reach the windows after ~100); 'auto' gives the slow rows {@link defaultSlowHeapWarmup} and the others none (they
 * reach the windows after thousands of steps).
 */
export async function runEngineWorkload(w: Workload, backend: Backend, seconds: number, heapWarmupSteps: number | 'auto' = 0, readings = 1): Promise<EngineResult> {
  if (!(Number.isInteger(readings) && readings >= 1)) throw new Error(`engine: readings = ${readings}; allowed: an integer >= 1`);
  // Each reading trains a fresh network from the same seed; the fastest counts, as PyTorch's fastest reading does.
  const timings: EngineTiming[] = [];
  for (let r = 0; r < readings; r++) timings.push(await timeEngineWorkload(w, backend, seconds));
  const best = timings.reduce((a, b) => (b.stepsPerSecond > a.stepsPerSecond ? b : a));
  const { learner, xs, ys } = timings.at(-1)!;
  const { steps: n, seconds: dt } = best;
  const gcCount = Math.max(...timings.map((t) => t.gcCount));
  // The heap, after the timed steps: windows of about seconds / 2 in all, and at least heapWindowMin steps each (the
  // heap after a full GC moves by tens of bytes between windows even with no steps in them).
  const windowSteps = Math.max(heapWindowMin, Math.round((n / dt) * (seconds / 2 / heapWindows)));
  const heapWarmup = heapWarmupSteps === 'auto' ? (windowSteps < slowWindowSteps ? defaultSlowHeapWarmup : 0) : heapWarmupSteps;
  let s = 0;
  const warmUntil = performance.now() + heapWarmupCapMs;
  for (; s < heapWarmup && performance.now() < warmUntil; s++) learner.trainStep(xs[s % xs.length]!, ys[s % xs.length]!);
  const warmed = s;
  const heap = heapPerStep(() => {
    learner.trainStep(xs[s % xs.length]!, ys[s % xs.length]!);
    s++;
  }, windowSteps, heapWindows);
  // Medians over the windows: a one-off lands in one of them.
  const growth = median(heap.growth);
  const allocated = median(heap.allocated);
  return {
    workload: w.name,
    backend: backend.name,
    stepsPerSecond: n / dt,
    steps: n,
    seconds: dt,
    heapGrowthPerStep: growth,
    allocatedPerStep: allocated,
    heapWindows,
    heapWindowSteps: windowSteps,
    heapWarmupSteps: warmed,
    gcCount,
    fused: learner.fused,
    readings: timings.map((t) => t.stepsPerSecond),
  };
}

/** The timed phase of an engine row, and what it trained: a fresh network warmed up, then trained for `seconds`. */
export interface EngineTiming {
  readonly learner: Learner;
  readonly xs: readonly Tensor[];
  readonly ys: readonly Float32Array[];
  readonly stepsPerSecond: number;
  readonly steps: number;
  readonly seconds: number;
  /** Garbage collections (minor + major) during the timed steps. */
  readonly gcCount: number;
}

/** Build the workload's network, warm it up (about a second), and count its steps over `seconds`. */
export async function timeEngineWorkload(w: Workload, backend: Backend, seconds: number): Promise<EngineTiming> {
  const model = Model.build(w.spec, { inputShape: w.input, backend, rng: Rng.seeded(0) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.01 }), loss: crossEntropy });
  const { xs, ys } = workloadBatches(w, backend, w.batch === 1 ? 64 : 4);
  const pool = xs.length;
  const warm = performance.now();
  let i = 0;
  while (i < 3 || (performance.now() - warm < Math.min(1000, seconds * 250) && i < 1e6)) {
    learner.trainStep(xs[i % pool]!, ys[i % pool]!);
    i++;
  }
  let gcCount = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_WEAKCB) gcCount++;
  });
  gc?.();
  obs.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  let n = 0;
  let dt = 0;
  // Check the clock every few steps only (performance.now() is not free at 100k steps/s).
  const check = w.batch === 1 ? 64 : 1;
  for (;;) {
    learner.trainStep(xs[n % pool]!, ys[n % pool]!);
    n++;
    if (n % check === 0) {
      dt = (performance.now() - t0) / 1000;
      if (dt >= seconds && n >= 3) break;
    }
  }
  // GC entries are delivered asynchronously: let them arrive before counting.
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  return { learner, xs, ys, stepsPerSecond: n / dt, steps: n, seconds: dt, gcCount };
}

/** Microseconds per unit edit (reinitialize one unit: incoming row, bias, outgoing column, Adam slots) on a 784-2000-2000-2000-10 MLP. */
export async function benchUnitEdit(backend: Backend): Promise<{ reinitUnitUs: number; copyLayerUs: number }> {
  const { applyEdits } = await import('../src/nn/applyEdits.js');
  const { adam } = await import('../src/optim/optimizers.js');
  const model = Model.build(mlp({ hidden: [2000, 2000, 2000], outputs: 10 }), { inputShape: [784], backend, rng: Rng.seeded(0) });
  const learner = new Learner({ model, optimizer: adam({ lr: 1e-3 }), loss: crossEntropy });
  const rng = Rng.seeded(1);
  const target = { model, states: [learner.optState] };
  const n = 2000;
  for (let i = 0; i < 50; i++) applyEdits([{ kind: 'reinitUnits', group: 'h2', units: [i] }], target, rng);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) applyEdits([{ kind: 'reinitUnits', group: 'h2', units: [i % 2000] }], target, rng);
  const reinitUnitUs = ((performance.now() - t0) * 1000) / n;
  // For scale: copying the 2000 x 2000 weight once.
  const w = model.param('fc2.weight').data;
  const copy = backend.alloc(w.length);
  const t1 = performance.now();
  for (let i = 0; i < 20; i++) backend.copy(w, copy);
  const copyLayerUs = ((performance.now() - t1) * 1000) / 20;
  return { reinitUnitUs, copyLayerUs };
}
