import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableBackends, getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Model, type ModelState } from '../nn/Model.js';
import { mlp } from '../nn/models/mlp.js';
import { activation, batchNorm, linear, type LayerSpec } from '../nn/LayerSpec.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { adam, sgd } from '../optim/optimizers.js';
import type { Transform } from '../optim/Transform.js';
import { Learner } from '../learn/Learner.js';
import { trainLoop, type LoopState, type MetricRecord } from '../experiment/trainLoop.js';
import { parseConfig } from '../config/parseConfig.js';
import { tinyStream } from '../../test/helpers/tinyStream.js';
import { createProbeRunner, probeSchema } from './ProbeRunner.js';
import { diagnosticNames } from './index.js';

const backend = getBackend('ts');

function run(spec: LayerSpec, optimizer: () => Transform, probes: unknown | null, backend = getBackend('ts')) {
  const stream = tinyStream(backend, { inputShape: [5], classes: 3, tasks: 3, examplesPerTask: 40, batchSize: 4, epochs: 2, start: (t) => (t === 2 ? { growHead: 2 } : {}) });
  const model = Model.build(spec, { inputShape: [5], backend, rng: Rng.seeded(1) });
  const learner = new Learner({ model, optimizer: optimizer(), loss: crossEntropy });
  const records: MetricRecord[] = [];
  const runner = probes === null ? undefined : createProbeRunner(parseConfig(probeSchema, probes, 'probes'), { learner, rng: Rng.seeded(9).split('probes') });
  const fused: boolean[] = [];
  // A watcher method sees every step: whether the learner fused that update.
  const watch = { name: 'watch', instance: { state: {}, afterUpdate: () => { fused.push(learner.fused); return []; } }, rng: Rng.seeded(9) };
  trainLoop({ stream, learner, methods: [watch], rng: Rng.seeded(3), record: (r) => records.push(r), ...(runner ? { probes: runner } : {}) });
  return { model, learner, records, fused };
}

const everything = (names: string[]) => ({
  diagnostics: names,
  everySteps: 7,
  everyTasks: 1,
  batchSize: 16,
  plasticity: { targets: 2, steps: 5, batchSize: 4, examples: 8, everySteps: 0, everyTasks: 2 },
  ntkRank: { examples: 4 },
});

function assertSameRun(a: ReturnType<typeof run>, b: ReturnType<typeof run>): void {
  const plain = (rs: MetricRecord[]) => rs.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('diag/')))).filter((r) => Object.keys(r).length > 2);
  assert.deepEqual(plain(b.records), plain(a.records));
  assert.equal(b.learner.step, a.learner.step);
  assert.deepEqual(b.fused, a.fused, 'the learner fused (or did not fuse) exactly as without probes');
  const sa = a.model.getState(), sb = b.model.getState();
  for (const name of Object.keys(sa.params)) assert.deepEqual(sb.params[name]!.data, sa.params[name]!.data, name);
  assert.deepEqual(sb.buffers, sa.buffers);
  assert.deepEqual(sb.rngs, sa.rngs);
}

test('probes never change the training run: bit-identical parameters, metrics, dropout streams (fused SGD)', () => {
  const spec = mlp({ hidden: [8, 8], outputs: 3, dropout: 0.25 });
  const off = run(spec, () => sgd({ lr: 0.05 }), null);
  const on = run(spec, () => sgd({ lr: 0.05 }), everything(diagnosticNames()));
  assert.equal(off.fused[0], true);
  assertSameRun(off, on);
  // The probes did run, at their cadence: every 7 steps and at each task end (plasticity at the end of task 2).
  const diag = on.records.filter((r) => Object.keys(r).some((k) => k.startsWith('diag/')));
  const steps = diag.map((r) => r.step);
  assert.deepEqual(steps.filter((s) => s % 7 === 0), [7, 14, 21, 28, 35, 42, 49, 56]);
  assert.deepEqual(steps.filter((s) => s % 7 !== 0), [20, 40, 60].filter((s) => s % 7 !== 0));
  assert.ok(diag.every((r) => r['diag/effectiveRank/h1']! > 0 && r['diag/weightMagnitude']! > 0));
  assert.equal(diag.filter((r) => 'diag/plasticity' in r).length, 1);
  assert.ok(diag.filter((r) => 'diag/updateSize' in r).every((r) => r['diag/updateSize']! > 0));
  assert.ok(diag.some((r) => 'diag/ntkRank' in r && 'diag/gradientNorm/fc1' in r && 'diag/distanceFromInit/fc3' in r));
});

test('probes never change the training run on the wasm backend either', { skip: !availableBackends().includes('wasm') }, () => {
  const wasm = getBackend('wasm');
  const spec = mlp({ hidden: [8, 8], outputs: 3, dropout: 0.25 });
  assertSameRun(run(spec, () => sgd({ lr: 0.05 }), null, wasm), run(spec, () => sgd({ lr: 0.05 }), everything(diagnosticNames()), wasm));
});

test('probes never change the training run: Adam, BatchNorm running statistics, unfused updates', () => {
  const spec: LayerSpec = { type: 'sequential', layers: [linear(8), batchNorm(), activation('relu'), linear(3)] };
  // ntkRank and gradientCovariance refuse BatchNorm (per-example gradients in evaluation mode).
  const names = diagnosticNames().filter((n) => n !== 'ntkRank' && n !== 'gradientCovariance');
  const off = run(spec, () => adam({ lr: 0.01 }), null);
  const on = run(spec, () => adam({ lr: 0.01 }), everything(names));
  assert.equal(off.fused[0], false);
  assertSameRun(off, on);
});

test('probe config: defaults, per-diagnostic options and cadence, clear errors', () => {
  const c = parseConfig(probeSchema, {}, 'probes');
  assert.equal(c.batchSize, 2000);
  assert.equal(c.everySteps, 0);
  assert.equal(c.everyTasks, 1);
  assert.ok(c.diagnostics.includes('effectiveRank') && !c.diagnostics.includes('plasticity'));
  assert.equal((c as unknown as Record<string, Record<string, unknown>>).dormantFraction!.tau, 0.1);
  assert.equal((c as unknown as Record<string, Record<string, unknown>>).stableRank!.delta, 0.01);
  assert.equal((c as unknown as Record<string, Record<string, unknown>>).plasticity!.steps, 2000);
  assert.throws(() => parseConfig(probeSchema, { diagnostics: ['effectiveRank', 'nope'] }, 'probes'), /diagnostics\.1 = "nope" is not allowed: allowed: "deadFraction"/);
  assert.throws(() => parseConfig(probeSchema, { dormantFraction: { tau: -1 } }, 'probes'), /dormantFraction\.tau = -1 is not allowed: must be >= 0/);
  assert.throws(() => parseConfig(probeSchema, { dormantFraction: { tao: 0.1 } }, 'probes'), /'dormantFraction\.tao' is not an option/);
  assert.throws(() => parseConfig(probeSchema, { diagnostics: ['stableRank', 'stableRank'] }, 'probes'), /listed twice/);
  const model = Model.build({ type: 'sequential', layers: [linear(4), batchNorm(), activation('relu'), linear(2)] }, { inputShape: [3], backend, rng: Rng.seeded(1) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.1 }), loss: crossEntropy });
  assert.throws(() => createProbeRunner(parseConfig(probeSchema, { diagnostics: ['ntkRank'] }, 'probes'), { learner, rng: Rng.seeded(1) }), /ntkRank: models with BatchNorm are not supported/);
});

test('a diagnostic with its own cadence runs on it; a step probe is not repeated at the task end', () => {
  const stream = tinyStream(backend, { inputShape: [5], classes: 3, tasks: 4, examplesPerTask: 20, batchSize: 4, epochs: 1 });
  const model = Model.build(mlp({ hidden: [6], outputs: 3 }), { inputShape: [5], backend, rng: Rng.seeded(1) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.05 }), loss: crossEntropy });
  const config = parseConfig(probeSchema, { diagnostics: ['weightMagnitude', 'effectiveRank'], everySteps: 5, everyTasks: 1, effectiveRank: { everySteps: 0, everyTasks: 2 } }, 'probes');
  const records: MetricRecord[] = [];
  trainLoop({ stream, learner, methods: [], rng: Rng.seeded(3), record: (r) => records.push(r), probes: createProbeRunner(config, { learner, rng: Rng.seeded(4) }) });
  const at = (key: string) => records.filter((r) => key in r).map((r) => r.step);
  // 5 steps per task: weightMagnitude every 5 steps (= every task end, not repeated there).
  assert.deepEqual(at('diag/weightMagnitude'), [5, 10, 15, 20]);
  assert.deepEqual(at('diag/effectiveRank/h1'), [10, 20]);
});

test('a resumed run records the same probe values (batches are drawn by step; theta_0 is rebuilt from the seed)', () => {
  const probes = { ...everything(diagnosticNames().filter((n) => n !== 'updateSize')), everySteps: 5 };
  const make = () => {
    const stream = tinyStream(backend, { inputShape: [5], classes: 3, tasks: 3, examplesPerTask: 40, batchSize: 4, epochs: 2 });
    const model = Model.build(mlp({ hidden: [8], outputs: 3 }), { inputShape: [5], backend, rng: Rng.seeded(1) });
    const learner = new Learner({ model, optimizer: sgd({ lr: 0.05 }), loss: crossEntropy });
    const theta0 = Model.build(mlp({ hidden: [8], outputs: 3 }), { inputShape: [5], backend, rng: Rng.seeded(1) }).params.map((p) => p.data.slice());
    const runner = createProbeRunner(parseConfig(probeSchema, probes, 'probes'), { learner, rng: Rng.seeded(9), initial: theta0 });
    return { stream, model, learner, runner };
  };
  const full: MetricRecord[] = [];
  {
    const { stream, learner, runner } = make();
    trainLoop({ stream, learner, methods: [], rng: Rng.seeded(3), record: (r) => full.push(r), probes: runner });
  }
  const parts: MetricRecord[] = [];
  const first = make();
  let saved: { loop: LoopState; model: ModelState; step: number } | null = null;
  let n = 0;
  trainLoop({
    stream: first.stream, learner: first.learner, methods: [], rng: Rng.seeded(3), record: (r) => parts.push(r), probes: first.runner,
    checkpoint: (s) => { saved = { loop: structuredClone(s), model: first.model.getState(), step: first.learner.step }; },
    shouldStop: () => ++n === 27,
  });
  const again = make();
  again.model.setState(saved!.model);
  again.learner.step = saved!.step;
  trainLoop({ stream: again.stream, learner: again.learner, methods: [], rng: Rng.seeded(3), record: (r) => parts.push(r), probes: again.runner }, saved!.loop);
  assert.ok(full.some((r) => 'diag/plasticity' in r) && full.some((r) => 'diag/distanceFromInit' in r));
  assert.deepEqual(parts, full);
});

test("probes at: 'start' run at each task's start (after the boundary's changes, before its first step) and say so; at: 'end' after its last", () => {
  const spec = mlp({ hidden: [8], outputs: 3 });
  const start = run(spec, () => sgd({ lr: 0.05 }), { diagnostics: ['weightMagnitude', 'distanceFromInit', 'deadFraction'], at: 'start', batchSize: 16 });
  const end = run(spec, () => sgd({ lr: 0.05 }), { diagnostics: ['weightMagnitude', 'distanceFromInit', 'deadFraction'], batchSize: 16 });
  const probesOf = (rs: MetricRecord[]) => rs.filter((r) => 'diag/weightMagnitude' in r);
  // 3 tasks of 40 examples in batches of 4, 2 epochs: 20 steps each.
  assert.deepEqual(probesOf(start.records).map((r) => [r.step, r.task, r['probe/atTaskStart']]), [[0, 0, 1], [20, 1, 1], [40, 2, 1]]);
  assert.deepEqual(probesOf(end.records).map((r) => [r.step, r.task, r['probe/atTaskStart']]), [[20, 0, undefined], [40, 1, undefined], [60, 2, undefined]]);
  // By hand: before any step the distance from init is 0 and the weight magnitude that of the initial weights.
  const first = probesOf(start.records)[0]!;
  assert.equal(first['diag/distanceFromInit'], 0);
  const init = Model.build(spec, { inputShape: [5], backend, rng: Rng.seeded(1) });
  const w = init.params.filter((p) => p.role === 'weight');
  const mean = w.reduce((a, p) => a + Array.from(p.data).reduce((b: number, v: number) => b + Math.abs(v), 0), 0) / w.reduce((a, p) => a + p.data.length, 0);
  assert.ok(Math.abs(first['diag/weightMagnitude']! - mean) < 1e-6 * mean);
  // The start of task 1 sees exactly the parameters the end of task 0 saw (no boundary change in this stream).
  assert.equal(probesOf(start.records)[1]!['diag/weightMagnitude'], probesOf(end.records)[0]!['diag/weightMagnitude']);
});
