import { z } from 'zod';
import type { Backend } from '../backend/Backend.js';
import { Learner } from '../learn/Learner.js';
import { meanSquaredError } from '../losses/meanSquaredError.js';
import { drawInit } from '../nn/init.js';
import { Model } from '../nn/Model.js';
import { collectSlots } from '../nn/Slots.js';
import { buildOptimizer, optimizerSchema } from '../optim/optimizerConfig.js';
import type { Transform } from '../optim/Transform.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Diagnostic } from './Diagnostic.js';
import { matchHead, shadowOf } from './shadowModel.js';

const schema = z.strictObject({
  targets: z.number().int().min(1).default(10).describe('random target functions g_w per probe (Lyle et al.: 10)'),
  steps: z.number().int().min(1).default(2000).describe('optimizer steps on each target (Lyle et al.: 2000)'),
  batchSize: z.number().int().min(1).default(32).describe('examples per step, drawn uniformly with replacement from the probe inputs'),
  examples: z.number().int().min(2).default(512).describe('probe inputs X the targets are fitted on (the first of the probe batch)'),
  optimizer: z.union([z.literal('run'), optimizerSchema]).default('run').describe("'run': the run's own optimizer with fresh state (Lyle et al.); or an optimizer config"),
  frequency: z.number().positive().default(1e5).describe('g_w(x) = a + sin(frequency * f(x; w)) (Lyle et al.: 1e5)'),
  seed: z.number().int().min(0).default(0).describe('seed of the target networks and minibatch draws: the same tasks at every probe'),
});
/**
 * Validated options of {@link plasticityProbe}: number of random targets, fitting steps and batch size, probe inputs
 * used, optimizer ('run' or a config), target frequency and seed.
 */
export type PlasticityProbeConfig = z.output<typeof schema>;

/**
 * The plasticity probe of Lyle et al. 2023 (Understanding plasticity in neural networks, section 3.1):
 * P = b - E[l(O(theta, g_w))]. From a copy of the current parameters, the protocol O (optimizer, steps, batch
 * size, seed) fits each of `targets` regression tasks g_w(x) = a + sin(1e5 f(x; w)) on the probe inputs X, where
 * f(.; w) is a freshly initialized network of the same architecture (a fixed draw per target index and seed,
 * so every probe of a run and every run asks the same questions) and a is the network's own mean prediction
 * (per output); the loss is the mean squared error over outputs, b the variance of the targets (the loss of
 * predicting their mean), both on X. Reports P ('diag/plasticity'), E[final loss], b and the protocol's numbers;
 * the optimizer is in the probe config. The copy is discarded: the run is not touched.
 */
export const plasticityProbe: Diagnostic<typeof schema> = {
  name: 'plasticity',
  description: 'Lyle et al. 2023 plasticity probe: b - E[loss after fitting random targets a + sin(1e5 f_w(x)) from a copy]',
  schema,
  compute(ctx, c) {
    const { backend, probe } = ctx;
    const m = Math.min(c.examples, probe.x.shape[0]!);
    const per = probe.x.perExample;
    const inShape = probe.x.shape.slice(1);
    const outShape = ctx.model.outputShape;
    const outputs = outShape.reduce((a, b) => a * b, 1);
    const X = new Tensor(backend.alloc(m * per), [m, ...inShape]);
    const Y = backend.alloc(m * outputs);
    const xb = new Tensor(backend.alloc(c.batchSize * per), [c.batchSize, ...inShape]);
    const yb = backend.alloc(c.batchSize * outputs);
    try {
      backend.copy(probe.x.data.subarray(0, m * per), X.data);
      const shadow = shadowOf(ctx.model);
      // a: the network's mean prediction per output on X.
      const mean = columnMeans(shadow.forward(X, false).data, m, outputs);
      const trainer = trainerFor(shadow, c.optimizer === 'run' ? ctx.learner.optimizer : null, c.optimizer);
      const target = targetNetworkFor(ctx.model);
      const root = Rng.seeded(c.seed);
      let sumLoss = 0, sumBaseline = 0;
      for (let k = 0; k < c.targets; k++) {
        const rng = root.split(`target${k}`);
        redraw(target, rng.split('init'));
        const f = target.forward(X, false).data;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < outputs; j++) Y[i * outputs + j] = mean[j]! + Math.sin(c.frequency * f[i * outputs + j]!);
        }
        sumBaseline += meanVariance(Y, m, outputs);
        // O: from a copy of the current parameters, fresh optimizer state.
        shadowOf(ctx.model);
        trainer.reset();
        const draw = rng.split('batches');
        for (let s = 0; s < c.steps; s++) {
          for (let r = 0; r < c.batchSize; r++) {
            const i = draw.int(m);
            xb.data.set(X.data.subarray(i * per, (i + 1) * per), r * per);
            yb.set(Y.subarray(i * outputs, (i + 1) * outputs), r * outputs);
          }
          trainer.learner.trainStep(xb, yb);
        }
        sumLoss += squaredError(shadow.forward(X, false).data, Y);
      }
      const finalLoss = sumLoss / c.targets, baseline = sumBaseline / c.targets;
      return {
        'diag/plasticity': baseline - finalLoss,
        'diag/plasticity/finalLoss': finalLoss,
        'diag/plasticity/baseline': baseline,
        'diag/plasticity/targets': c.targets,
        'diag/plasticity/steps': c.steps,
        'diag/plasticity/batchSize': c.batchSize,
        'diag/plasticity/examples': m,
        'diag/plasticity/seed': c.seed,
      };
    } finally {
      for (const a of [X.data, Y, xb.data, yb]) backend.free(a);
    }
  },
};

function columnMeans(a: FloatArray, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j]! += a[i * cols + j]!;
  for (let j = 0; j < cols; j++) out[j]! /= rows;
  return out;
}

/** Mean over outputs of the (population) variance over rows: the MSE of predicting each output's mean. */
function meanVariance(a: FloatArray, rows: number, cols: number): number {
  const mu = columnMeans(a, rows, cols);
  let s = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const d = a[i * cols + j]! - mu[j]!;
      s += d * d;
    }
  }
  return s / (rows * cols);
}

function squaredError(pred: FloatArray, target: FloatArray): number {
  let s = 0;
  for (let i = 0; i < target.length; i++) {
    const d = pred[i]! - target[i]!;
    s += d * d;
  }
  return s / target.length;
}

/** Redraw every parameter from its init distribution and reset the buffers: a fresh network f(.; w). */
function redraw(model: Model, rng: Rng): void {
  for (const p of model.params) drawInit(p.init, rng.split(p.name), p.data);
  for (const b of model.buffers) b.data.fill(b.resetValue);
}

/** One network per live model whose parameters are redrawn for each target (no allocation per probe). */
const targetNets = new WeakMap<Model, Model>();

function targetNetworkFor(model: Model): Model {
  let t = targetNets.get(model);
  if (!t) {
    t = Model.build(model.spec, { inputShape: model.inputShape, backend: model.backend, rng: Rng.seeded(0) });
    targetNets.set(model, t);
  }
  matchHead(model, t);
  return t;
}

/** The probe's learner on a shadow model: built once per shadow and optimizer, its state reset for each target. */
interface Trainer {
  readonly learner: Learner;
  reset(): void;
}

const trainers = new WeakMap<Model, { key: unknown; sizes: string; trainer: Trainer }>();

function trainerFor(shadow: Model, runOptimizer: Transform | null, config: PlasticityProbeConfig['optimizer']): Trainer {
  const key = runOptimizer ?? JSON.stringify(config);
  const sizes = shadow.params.map((p) => p.data.length).join(',');
  const hit = trainers.get(shadow);
  if (hit && hit.key === key && hit.sizes === sizes) return hit.trainer;
  const optimizer = runOptimizer ?? buildOptimizer(config as Exclude<PlasticityProbeConfig['optimizer'], 'run'>);
  const learner = new Learner({ model: shadow, optimizer, loss: meanSquaredError });
  const trainer: Trainer = { learner, reset: () => resetOptimizer(learner, shadow.backend) };
  trainers.set(shadow, { key, sizes, trainer });
  return trainer;
}

/** Fresh optimizer state: every parameter-shaped slot back to its reset value, the update count to 0. */
function resetOptimizer(learner: Learner, backend: Backend): void {
  const { params } = collectSlots([learner.optState]);
  for (const s of params) {
    s.arrays.forEach((a, i) => {
      if (!a) return;
      if (typeof s.reset === 'number') backend.fill(a, s.reset);
      else if (s.reset === 'param') backend.copy(learner.model.params[i]!.data, a);
    });
  }
  learner.step = 0;
}
