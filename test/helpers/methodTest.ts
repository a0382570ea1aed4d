// Small helpers for hand-computed method tests: a model with a learner, a method instance, fixed batches.
import { getBackend } from '../../src/backend/selectBackend.js';
import type { Backend } from '../../src/backend/Backend.js';
import type { Batch, EvalSet, Task } from '../../src/benchmarks/Benchmark.js';
import { Learner } from '../../src/learn/Learner.js';
import { crossEntropy } from '../../src/losses/crossEntropy.js';
import type { Loss } from '../../src/losses/Loss.js';
import type { LayerSpec } from '../../src/nn/LayerSpec.js';
import { Model } from '../../src/nn/Model.js';
import { sgd } from '../../src/optim/optimizers.js';
import type { Transform } from '../../src/optim/Transform.js';
import { configureMethod, getMethod } from '../../src/methods/index.js';
import type { MethodInstance, StepInfo } from '../../src/learn/Method.js';
import { Rng } from '../../src/tensor/Rng.js';
import { Tensor } from '../../src/tensor/Tensor.js';

export interface Setup {
  readonly backend: Backend;
  readonly model: Model;
  readonly learner: Learner;
  readonly inst: MethodInstance;
  /** The rng edits of this method draw from. */
  readonly rng: Rng;
}

export function setupMethod(
  name: string,
  config: Record<string, unknown>,
  spec: LayerSpec,
  inputShape: number[],
  opts: { optimizer?: Transform; loss?: Loss; backend?: Backend; seed?: number } = {},
): Setup {
  const backend = opts.backend ?? getBackend('ts64');
  const model = Model.build(spec, { inputShape, backend, rng: Rng.seeded(opts.seed ?? 4) });
  const learner = new Learner({ model, optimizer: opts.optimizer ?? sgd({ lr: 0.1 }), loss: opts.loss ?? crossEntropy });
  const m = getMethod(name);
  const inst = m.create(configureMethod(m, config) as never, { model, learner, backend, rng: Rng.seeded(9) });
  return { backend, model, learner, inst, rng: Rng.seeded(10) };
}

export function batch(backend: Backend, x: number[], shape: number[], y: number[]): Batch {
  const t = new Tensor(backend.alloc(x.length), shape);
  t.data.set(x);
  const labels = backend.alloc(y.length);
  labels.set(y);
  return { x: t, y: labels };
}

/** An evaluation set of fixed batches (DASH's "all data seen"). */
export function evalSet(batches: Batch[]): EvalSet {
  return {
    name: 'seen',
    size: batches.reduce((s, b) => s + b.x.shape[0]!, 0),
    *batches() {
      yield* batches;
    },
  };
}

/** A task whose probe returns a fixed batch (ReDo's score batch); other members are unused by the methods. */
export function fixedTask(probe: Batch, batchSize = 1): Task {
  return {
    index: 1,
    label: 'fixed',
    size: probe ? probe.x.shape[0]! : 0,
    batchSize,
    schedule: { kind: 'epochs', epochs: 1 },
    start: {},
    evalSets: [],
    epoch: () => {
      throw new Error('unused');
    },
    probe: () => probe,
  };
}

export function stepInfo(step: number, taskData: Task = fixedTask(null as never), b: Batch = null as never): StepInfo {
  return { step, task: 0, batch: b, loss: { sum: 0, correct: 0, count: 1 }, taskData };
}
