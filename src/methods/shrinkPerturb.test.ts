import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { activation, batchNorm, linear, sequential } from '../nn/LayerSpec.js';
import { applyEdits } from '../nn/applyEdits.js';
import type { Edit } from '../nn/Edit.js';
import { ConfigError } from '../config/parseConfig.js';
import { Rng } from '../tensor/Rng.js';
import { trainLoop } from '../experiment/trainLoop.js';
import { batch, evalSet, setupMethod, stepInfo } from '../../test/helpers/methodTest.js';
import { tinyStream } from '../../test/helpers/tinyStream.js';
import { configureMethod, getMethod } from './index.js';
import type { ShrinkPerturbState } from './shrinkPerturb.js';

const net = sequential(linear(40), linear(30));
const boundary = (step: number) => ({ step, task: null as never });

function snapshot(s: ReturnType<typeof setupMethod>) {
  return s.model.params.map((p) => p.data.slice());
}

test('at-boundary without noise: theta <- lambda * theta exactly', () => {
  const s = setupMethod('shrink-perturb', { shrink: 0.3, noise: 0 }, net, [5]);
  const before = snapshot(s);
  const edits = s.inst.atTaskBoundary!(boundary(100));
  applyEdits(edits, { model: s.model, states: [s.learner.optState, s.inst.state] }, s.rng);
  s.model.params.forEach((p, i) => p.data.forEach((v, j) => assert.equal(v, 0.3 * before[i]![j]!)));
});

test('toward-init: theta <- lambda * theta + (1 - lambda) * theta_0', () => {
  const s = setupMethod('shrink-perturb', { shrink: 0.5, noise: 0, target: 'init' }, net, [5]);
  const init = snapshot(s);
  const b = batch(s.backend, [0.1, 0.2, -0.3, 0.4, 0.5], [1, 5], [3]);
  for (let i = 0; i < 3; i++) s.learner.trainStep(b.x, b.y);
  const trained = snapshot(s);
  applyEdits(s.inst.atDataGrowth!({ step: 3, task: null as never, seen: evalSet([]) }), { model: s.model, states: [s.learner.optState, s.inst.state] }, s.rng);
  s.model.params.forEach((p, i) => p.data.forEach((v, j) => assert.ok(Math.abs(v - (0.5 * trained[i]![j]! + 0.5 * init[i]![j]!)) < 1e-15)));
});

test('noise: sigma * N(0, 1) per value, and sigma times a fresh init draw with noiseFrom init', () => {
  for (const [from, std] of [['normal', 0.01], ['init', 0.01 * (1 / Math.sqrt(5)) / Math.sqrt(3)]] as const) {
    const s = setupMethod('shrink-perturb', { shrink: 1, noise: 0.01, noiseFrom: from }, sequential(linear(400)), [5]);
    const w = s.model.param('fc1.weight');
    const before = w.data.slice();
    applyEdits(s.inst.atTaskBoundary!(boundary(1)), { model: s.model, states: [s.inst.state] }, s.rng);
    const d = [...w.data].map((v, i) => v - before[i]!);
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    assert.ok(Math.abs(mean) < 4 * std / Math.sqrt(d.length), `${from}: mean ${mean}`);
    assert.ok(Math.abs(sd / std - 1) < 0.05, `${from}: sd ${sd} vs ${std}`);
  }
});

test('regression: every application draws new noise: each step adds sigma * N(0, 1), independent of the step before', () => {
  const sigma = 0.01;
  const s = setupMethod('shrink-perturb', { schedule: 'every-step', shrink: 1, noise: sigma }, sequential(linear(400)), [5]);
  const w = s.model.param('fc1.weight'); // 2000 values
  const deltas: number[][] = [];
  for (let step = 1; step <= 2; step++) {
    const before = w.data.slice();
    applyEdits(s.inst.afterUpdate!(stepInfo(step)), { model: s.model, states: [s.inst.state] }, s.rng);
    deltas.push([...w.data].map((v, i) => v - before[i]!));
  }
  // By hand: each delta has mean 0 and sd sigma (relative standard error of the sd 1/sqrt(2 * 2000) = 0.016:
  // tolerance 5%), and the two are uncorrelated (standard error 1/sqrt(2000) = 0.022: tolerance 0.1). The same
  // draw twice would give correlation 1.
  const [a, b] = deltas as [number[], number[]];
  const sd = (d: number[]) => Math.sqrt(d.reduce((t, v) => t + v * v, 0) / d.length);
  for (const d of [a, b]) assert.ok(Math.abs(sd(d) / sigma - 1) < 0.05, `sd ${sd(d)}`);
  const r = a.reduce((t, v, i) => t + v * b[i]!, 0) / (a.length * sd(a) * sd(b));
  assert.ok(Math.abs(r) < 0.1, `correlation ${r}`);
});

test('at-boundary acts on the weights and biases of dense and conv layers, not on normalization gains and shifts (unless asked)', () => {
  const spec = sequential(linear(6), batchNorm(), activation('relu'), linear(3));
  for (const normalization of ['auto', 'include'] as const) {
    const s = setupMethod('shrink-perturb', { shrink: 0.3, noise: 0, normalization }, spec, [4]);
    const gain = s.model.param('bn1.gain'), shift = s.model.param('bn1.shift');
    gain.data.fill(2);
    shift.data.fill(-1);
    const before = snapshot(s);
    applyEdits(s.inst.atTaskBoundary!(boundary(10)), { model: s.model, states: [s.inst.state] }, s.rng);
    s.model.params.forEach((p, i) => {
      const norm = p === gain || p === shift;
      const f = norm && normalization === 'auto' ? 1 : 0.3;
      p.data.forEach((v, j) => assert.equal(v, f * before[i]![j]!, `${normalization}: ${p.name}[${j}]`));
    });
  }
  // Every step (Dohare's code perturbs every parameter): normalization parameters included by default.
  const e = setupMethod('shrink-perturb', { schedule: 'every-step', shrink: 0.999, noise: 0 }, spec, [4]);
  const g = e.model.param('bn1.gain');
  applyEdits(e.inst.afterUpdate!(stepInfo(1)), { model: e.model, states: [e.inst.state] }, e.rng);
  assert.ok(g.data.every((v) => v === Math.fround(0.999) || v === 0.999));
});

test('a boundary and a data growth at the same step shrink once; at step 0 nothing was learned, nothing happens', () => {
  const s = setupMethod('shrink-perturb', { noise: 0 }, net, [5]);
  assert.deepEqual(s.inst.atDataGrowth!({ step: 0, task: null as never, seen: evalSet([]) }), []);
  assert.equal(s.inst.atTaskBoundary!(boundary(50)).length, 1);
  assert.deepEqual(s.inst.atDataGrowth!({ step: 50, task: null as never, seen: evalSet([]) }), []);
  assert.deepEqual(s.inst.afterUpdate!(stepInfo(51)), [], 'at-boundary does nothing after updates');
  assert.equal((s.inst.state as ShrinkPerturbState).applied, 1);
});

test('every-step runs after each update, is counted and not logged edit by edit', () => {
  const backend = getBackend('ts');
  const s = setupMethod('shrink-perturb', { schedule: 'every-step', shrink: 0.999, noise: 1e-4 }, sequential(linear(3)), [4], { backend });
  const stream = tinyStream(backend, { inputShape: [4], classes: 3, tasks: 2, examplesPerTask: 10 });
  const logged: Edit['kind'][] = [];
  const records: Record<string, number>[] = [];
  trainLoop({
    stream, learner: s.learner, methods: [{ name: 'shrink-perturb', instance: s.inst, rng: s.rng }], rng: Rng.seeded(1),
    record: (r) => records.push(r), recordEdits: (_s, _t, rs) => logged.push(...rs.map((r) => r.kind)),
  });
  assert.deepEqual(logged, []);
  assert.equal(records.filter((r) => 'online/accuracy' in r).at(-1)!['method/shrinkPerturb/applied'], 20);
});

test('every-step with an at-boundary shrink is a config error that says why', () => {
  assert.throws(() => configureMethod(getMethod('shrink-perturb'), { schedule: 'every-step' }), (e: Error) => e instanceof ConfigError && /shrink/.test(e.message) && /here 0\.3/.test(e.message) && /every update/.test(e.message));
});
