import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activation, batchNorm, conv2d, flatten, linear, sequential } from '../nn/LayerSpec.js';
import { applyEdits } from '../nn/applyEdits.js';
import { collectSlots } from '../nn/Slots.js';
import { adam } from '../optim/optimizers.js';
import { Rng } from '../tensor/Rng.js';
import { batch, evalSet, setupMethod } from '../../test/helpers/methodTest.js';
import { assertFreshDraw } from '../../test/helpers/drawCheck.js';
import { getMethod, configureMethod } from './index.js';
import type { CbpState } from './cbp.js';

const net = sequential(linear(5), activation('relu'), linear(3));

function trained(name: string, config: Record<string, unknown>, spec = net, inputShape = [4], x = [0.1, -0.2, 0.3, 0.5, 0.2, 0.1, -0.7, 0.9], shape = [2, 4]) {
  const s = setupMethod(name, config, spec, inputShape, { optimizer: adam({ lr: 0.01 }) });
  const b = batch(s.backend, x, shape, [0, 2]);
  for (let i = 0; i < 3; i++) s.learner.trainStep(b.x, b.y);
  return s;
}

test('full-reset: every parameter is a fresh draw from its init distribution (statistics by hand)', () => {
  // Wide enough for the statistics (4 standard errors): conv 40 x 1 x 3 x 3, dense 300 x 40 * 9 and 200 x 300.
  const spec = sequential(conv2d(40, 3), batchNorm(), activation('relu'), flatten(), linear(300), activation('relu'), linear(200));
  const x = Array.from({ length: 2 * 25 }, (_, i) => Math.sin(i));
  const s = trained('full-reset', {}, spec, [1, 5, 5], x, [2, 1, 5, 5]);
  const before = new Map(s.model.params.map((p) => [p.name, p.data.slice()]));
  applyEdits(s.inst.atDataGrowth!({ step: 3, task: null as never, seen: evalSet([]) }), { model: s.model, states: [s.learner.optState, s.inst.state] }, s.rng);
  for (const p of s.model.params) if (p.data.length >= 200 || p.init.dist === 'constant') assertFreshDraw(p, before.get(p.name)!);
});

test('full-reset redraws every parameter, resets normalization statistics, every optimizer slot and the unit state of other methods', () => {
  const spec = sequential(conv2d(2, 3), batchNorm(), activation('relu'), flatten(), linear(3));
  const x = Array.from({ length: 2 * 25 }, (_, i) => Math.sin(i));
  const s = trained('full-reset', {}, spec, [1, 5, 5], x, [2, 1, 5, 5]);
  const cbp = getMethod('cbp').create(configureMethod(getMethod('cbp'), {}) as never, { model: s.model, learner: s.learner, backend: s.backend, rng: Rng.seeded(1) });
  (cbp.state as CbpState).age.arrays['h1']!.fill(50);
  const before = new Map(s.model.params.map((p) => [p.name, p.data.slice()]));
  const runningVar = s.model.buffers.find((b) => b.name === 'bn1.runningVar')!;
  assert.ok(runningVar.data.some((v) => v !== 1));
  applyEdits(s.inst.atDataGrowth!({ step: 3, task: null as never, seen: evalSet([]) }), { model: s.model, states: [s.learner.optState, s.inst.state, cbp.state] }, s.rng);
  for (const p of s.model.params) {
    if (p.init.dist === 'constant') assert.ok(p.data.every((v) => v === (p.init as { value: number }).value), p.name);
    else assert.ok(p.data.some((v, i) => v !== before.get(p.name)![i]), `${p.name} redrawn`);
  }
  assert.ok(runningVar.data.every((v) => v === 1));
  for (const sl of collectSlots([s.learner.optState]).params) for (const a of sl.arrays) assert.ok(a!.every((v) => v === sl.reset), sl.name);
  assert.ok((cbp.state as CbpState).age.arrays['h1']!.every((v) => v === 0), 'continual backprop ages start over');
});
