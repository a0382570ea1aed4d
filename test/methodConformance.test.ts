// Every registered method: its defaults parse and are documented, unknown options are errors, 200 steps on a small
// MLP and a small conv net stay finite, the same seed gives the same parameters bit for bit, at strength zero it
// matches plain backprop bit for bit, and every hook it declares is reached (streams with task signal, data
// growth and task boundaries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { getBackend } from '../src/backend/selectBackend.js';
import { Rng } from '../src/tensor/Rng.js';
import { Model } from '../src/nn/Model.js';
import { mlp } from '../src/nn/models/mlp.js';
import { convNet } from '../src/nn/models/convNet.js';
import { vit } from '../src/nn/models/vit.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { adam, sgd } from '../src/optim/optimizers.js';
import { Learner } from '../src/learn/Learner.js';
import { trainLoop, type MetricRecord } from '../src/experiment/trainLoop.js';
import type { RunMethod } from '../src/learn/RunMethod.js';
import { resolveMethodSettings } from '../src/experiment/methodSettings.js';
import { allMethods, configureMethod, createMethods, getMethod, methodNames, parseMethodList, registerMethod } from '../src/methods/index.js';
import type { MethodInstance } from '../src/learn/Method.js';
import { ConfigError } from '../src/config/parseConfig.js';
import { tinyStream } from './helpers/tinyStream.js';

/** The configuration at which each method does nothing (rate 0, lambda 1, noise 0, never). */
const zeroStrength: Record<string, Record<string, unknown>[]> = {
  bp: [{}],
  cbp: [{ rate: 0 }],
  redo: [{ tau: -1, period: 20 }],
  'shrink-perturb': [{ shrink: 1, noise: 0 }, { schedule: 'every-step', shrink: 1, noise: 0 }, { target: 'init', shrink: 1, noise: 0 }],
  l2: [{ coef: 0 }],
  'l2-init': [{ coef: 0 }],
  'head-reset': [{ every: 0 }],
  'full-reset': [{ every: 0 }],
  dash: [{ lambda: 1 }],
  'plasticity-injection': [{ every: 0 }],
  'weight-clipping': [{ kappa: 1e9 }],
  'hare-tortoise': [{ reset: 'never' }],
  upgd: [{ variant: 'non-protecting', sigma: 0 }],
  infer: [{ beta: 0 }],
  // TRAC always rescales the base optimizer's steps: it has no setting at which it is plain backprop.
  trac: [],
};

/** A configuration that acts within 200 steps (defaults often act later than that). */
const active: Record<string, Record<string, unknown>> = {
  bp: {},
  cbp: { rate: 0.02, maturity: 10, utility: 'adaptable', compensateBias: true },
  redo: { period: 25, tau: 0.5, scoreBatch: 16 },
  'shrink-perturb': { schedule: 'every-step', shrink: 0.999, noise: 1e-3 },
  l2: { coef: 1e-2 },
  'l2-init': { coef: 1e-2 },
  'head-reset': {},
  'full-reset': { every: 2 },
  dash: { batchSize: 8 },
  'plasticity-injection': { limit: 2 },
  'weight-clipping': { kappa: 0.5 },
  'hare-tortoise': { reset: 'steps', every: 50, decay: 0.9 },
  upgd: { sigma: 0.01, betaUtility: 0.9 },
  infer: { beta: 1, scale: 2 },
  trac: {},
};

/**
 * CBP's replacement count depends only on ages (rate * mature units summed over steps, minus those replaced;
 * a replaced unit is immature for `maturity` steps), not on the data: simulated here by hand for one group.
 */
function cbpReplacements(units: number, rate: number, maturity: number, steps: number): number {
  const age = new Array<number>(units).fill(0);
  let matureSum = 0, replaced = 0;
  for (let s = 1; s <= steps; s++) {
    for (let i = 0; i < units; i++) age[i]!++;
    const mature = age.filter((a) => a > maturity).length;
    matureSum += mature;
    const k = Math.min(Math.floor(rate * matureSum - replaced), mature);
    for (let j = 0, i = 0; j < k; i++) {
      if (age[i]! > maturity) {
        age[i] = 0;
        j++;
      }
    }
    if (k > 0) replaced += k;
  }
  return replaced;
}

/**
 * What the active configuration must have done after the 200 steps of 4 tasks (3 boundaries, each with data
 * growth), by hand: the methods' own counters. Group sizes: mlp 8, 8; conv net 4, 6 (channels), 8 (dense); vit 2 (heads),
 * 16 (MLP), 2, 16.
 */
const groupSizes: Record<Arch, number[]> = { mlp: [8, 8], conv: [4, 6, 8], vit: [2, 16, 2, 16] };
const expectedCounters: Record<string, (arch: Arch) => Record<string, number>> = {
  cbp: (arch) => Object.fromEntries(groupSizes[arch].map((n, i) => [`method/replaced/h${i + 1}`, cbpReplacements(n, 0.02, 10, 200)])),
  'shrink-perturb': () => ({ 'method/shrinkPerturb/applied': 200 }),
  'head-reset': () => ({ 'method/headReset/resets': 3 }), // a boundary and a growth at one step count once
  'full-reset': () => ({ 'method/fullReset/resets': 1 }), // every 2nd of 3 events
  dash: () => ({ 'method/dash/applied': 3 }),
  'plasticity-injection': () => ({ 'method/injections': 2 }), // limit 2
  'hare-tortoise': () => ({ 'method/hareTortoise/resets': 4 }), // steps 50, 100, 150, 200
};

type Arch = 'mlp' | 'conv' | 'vit';
const archs: readonly Arch[] = ['mlp', 'conv', 'vit'];
const hooks = ['afterUpdate', 'atTaskBoundary', 'atDataGrowth', 'metrics'] as const;

/** A method config as `--set` keys: plain keys become `method.<key>`, `{cbp: {...}}` becomes `cbp.<key>` (the CLI's path). */
function asSettings(spec: string, config: Record<string, unknown>): Record<string, unknown> {
  const names = spec.split('+');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (names.includes(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) for (const [kk, vv] of Object.entries(v)) out[`${k}.${kk}`] = vv;
    else out[`method.${k}`] = v;
  }
  return out;
}

function run(spec: string, config: Record<string, unknown>, arch: Arch, seed = 1) {
  const backend = getBackend('ts');
  const inputShape = arch === 'mlp' ? [6] : arch === 'conv' ? [2, 10, 10] : [1, 4, 4];
  // Dropout in the MLP: a method that consumed the layers' random streams would show up as a difference from bp.
  const net = arch === 'mlp'
    ? mlp({ hidden: [8, 8], outputs: 3, dropout: 0.1 })
    : arch === 'conv'
      ? convNet({ outputs: 3, channels: [4, 6], kernels: [3, 3], dense: [8] })
      : vit({ outputs: 3, patch: 2, width: 8, depth: 2, heads: 2, mlpRatio: 2 });
  const model = Model.build(net, { inputShape, backend, rng: Rng.seeded(seed) });
  // Plain SGD (fused into backward) for the MLP, Adam (per-element slots) for the conv net.
  const optimizer = arch === 'mlp' ? sgd({ lr: 0.05 }) : adam({ lr: 0.01 });
  const learner = new Learner({ model, optimizer, loss: crossEntropy });
  const stream = tinyStream(backend, { inputShape, classes: 3, tasks: 4, examplesPerTask: 50, batchSize: 1, seed: 11, taskSignal: true, start: () => ({ dataGrowth: true }) });
  const calls: Record<string, number> = {};
  const configs = resolveMethodSettings(spec.split('+'), asSettings(spec, config));
  const methods: RunMethod[] = createMethods(configs, { model, learner, backend, rng: Rng.seeded(seed).split('methods') }).map((m) => {
    const inner = m.instance;
    const wrapped: Record<string, unknown> = { ...inner };
    for (const h of hooks) {
      const f = inner[h] as ((...a: unknown[]) => unknown) | undefined;
      if (!f) continue;
      calls[h] = 0;
      wrapped[h] = (...a: unknown[]) => {
        calls[h]!++;
        return f.apply(inner, a);
      };
    }
    return { ...m, instance: wrapped as unknown as MethodInstance };
  });
  const records: MetricRecord[] = [];
  trainLoop({ stream, learner, methods, rng: Rng.seeded(seed).split('loop'), record: (r) => records.push(r) });
  return { model, learner, methods, calls, records };
}

function paramsOf(model: Model): Map<string, Float32Array | Float64Array> {
  return new Map(model.params.map((p) => [p.name, p.data.slice()]));
}

function assertSameBits(a: Map<string, Float32Array | Float64Array>, b: Map<string, Float32Array | Float64Array>, what: string): void {
  assert.deepEqual([...a.keys()], [...b.keys()], `${what}: parameter names differ`);
  for (const [name, x] of a) {
    const y = b.get(name)!;
    assert.equal(x.length, y.length, `${what}: ${name} has another size`);
    const bx = new Uint8Array(x.buffer, x.byteOffset, x.byteLength), by = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
    const at = bx.findIndex((v, i) => v !== by[i]);
    assert.equal(at, -1, `${what}: ${name} differs (first at byte ${at})`);
  }
}

test('the registry: every method has a zero-strength and an active configuration here', () => {
  assert.deepEqual(methodNames().sort(), Object.keys(zeroStrength).sort());
  assert.deepEqual(methodNames().sort(), Object.keys(active).sort());
  assert.throws(() => registerMethod(getMethod('cbp')), /already registered/);
  assert.throws(() => getMethod('cpb'), /unknown method 'cpb'; known: .*cbp/);
  assert.deepEqual(parseMethodList('cbp+l2').map((m) => m.name), ['cbp', 'l2']);
  assert.throws(() => parseMethodList('cbp+cbp'), /twice/);
  assert.throws(() => parseMethodList('cbp+'), /not a method list/);
});

test('method settings of a combination are routed by key as on the command line, and unknown or ambiguous keys are errors', () => {
  const [c, l] = resolveMethodSettings(['cbp', 'l2'], { 'method.rate': 0.1, 'method.coef': 0.2, 'cbp.maturity': 5 });
  assert.deepEqual([c!.name, c!.rate, c!.maturity, l!.name, l!.coef], ['cbp', 0.1, 5, 'l2', 0.2]);
  assert.deepEqual(resolveMethodSettings(['l2'], { 'method.l2.coef': 0.5 })[0]!.coef, 0.5);
  assert.throws(() => resolveMethodSettings(['cbp', 'l2'], { 'method.rte': 1 }), (e: Error) => e instanceof ConfigError && /method cbp\+l2/.test(e.message) && /'rte'/.test(e.message) && /rate/.test(e.message) && /coef/.test(e.message));
  assert.throws(() => resolveMethodSettings(['head-reset', 'full-reset'], { 'method.every': 2 }), /head-reset and full-reset both have 'every'; say which: method\.<name>\.every/);
  assert.throws(() => resolveMethodSettings(['bp'], { 'cbp.rate': 1 }), /method cbp is not in this run/);
});

for (const m of allMethods()) {
  test(`${m.name}: defaults parse, every option is documented, unknown options are errors naming method, key and known keys`, () => {
    const c = configureMethod(m, {}) as Record<string, unknown>;
    assert.ok(m.schema instanceof z.ZodObject, 'a method schema is an object schema (its keys become --set method.<key>)');
    const shape = (m.schema as z.ZodObject).shape as Record<string, z.ZodType>;
    for (const [k, s] of Object.entries(shape)) {
      assert.ok(s.description && s.description.length > 5, `${m.name}.${k} has no description`);
      assert.ok(k in c, `${m.name}.${k} has no default`);
    }
    assert.throws(
      () => configureMethod(m, { bogusKey: 1 }),
      (e: Error) => e instanceof ConfigError && e.message.includes(`method ${m.name}`) && e.message.includes('bogusKey') && Object.keys(shape).every((k) => e.message.includes(k)),
    );
  });

  for (const arch of archs) {
    test(`${m.name} on a small ${arch}: 200 steps without NaN, same seed same parameters, every declared hook reached`, () => {
      for (const config of [{}, active[m.name]!]) {
        const a = run(m.name, config, arch);
        assert.equal(a.learner.step, 200);
        for (const p of a.model.params) assert.ok(!p.data.some((v) => !Number.isFinite(v)), `${p.name} is not finite (config ${JSON.stringify(config)})`);
        for (const r of a.records) for (const [k, v] of Object.entries(r)) assert.ok(Number.isFinite(v), `${k} = ${v} in a record`);
        // Each declared hook exactly as often as the stream says: 200 updates; boundaries and data growth before tasks
        // 1-3 (growth before task 0 too: it starts with data growth); metrics at each of the 4 task ends.
        const expectedCalls: Record<string, number> = { afterUpdate: 200, atTaskBoundary: 3, atDataGrowth: 4, metrics: 4 };
        for (const [h, n] of Object.entries(a.calls)) assert.equal(n, expectedCalls[h], `hook ${h} calls (config ${JSON.stringify(config)})`);
        if (config === active[m.name]) {
          const b = run(m.name, config, arch);
          assertSameBits(paramsOf(a.model), paramsOf(b.model), `${m.name} twice with seed 1`);
          const other = run(m.name, config, arch, 2);
          assert.notDeepEqual([...other.model.params[0]!.data], [...a.model.params[0]!.data], 'another seed gives another run');
          const counters = expectedCounters[m.name]?.(arch);
          if (counters) {
            const last = a.records.filter((r) => Object.keys(counters).every((k) => k in r)).at(-1);
            assert.ok(last, `${m.name} records its counters`);
            for (const [k, v] of Object.entries(counters)) assert.equal(last[k], v, `${m.name} on ${arch}: ${k}`);
          }
          if (m.name !== 'bp') {
            // The active configuration really acts: the run is not plain backprop's.
            const base = paramsOf(run('bp', {}, arch).model);
            assert.throws(() => assertSameBits(paramsOf(a.model), base, 'active vs bp'), `${m.name} ${JSON.stringify(config)} did nothing`);
          }
        }
      }
    });

    test(`${m.name} at strength zero matches bp bit for bit on a small ${arch}`, () => {
      const base = paramsOf(run('bp', {}, arch).model);
      for (const config of zeroStrength[m.name]!) assertSameBits(paramsOf(run(m.name, config, arch).model), base, `${m.name} ${JSON.stringify(config)} vs bp`);
    });
  }
}

test('a combination runs every method of the list (cbp+l2, as the PPO runs use)', () => {
  const r = run('cbp+l2', { rate: 0.02, maturity: 10, coef: 1e-2 }, 'mlp');
  assert.deepEqual(r.methods.map((m) => m.name), ['cbp', 'l2']);
  assert.ok(r.records.some((x) => (x['method/replaced/h1'] ?? 0) > 0), 'cbp replaced units');
  assert.equal(r.learner.regularizers.length, 1);
});
