import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../tensor/Rng.js';
import { ParamSchedule, paramScheduleSchema } from './ParamSchedule.js';
import { parseConfig } from '../../config/parseConfig.js';

test('ParamSchedule: a change every K steps, log-uniform values in range and seeded, several names sharing a draw', () => {
  const config = { every: 5, changes: [{ params: ['a', 'b'], draw: { kind: 'log-uniform' as const, low: 0.02, high: 2 } }, { params: 'c', draw: { kind: 'cycle' as const, values: [1, 2, 3] } }] };
  const s = new ParamSchedule(config, Rng.seeded(1));
  const changes = [];
  for (let t = 0; t < 23; t++) {
    const c = s.poll();
    if (c) changes.push(c);
    s.advance(1);
  }
  assert.deepEqual(changes.map((c) => [c.index, c.step]), [[0, 5], [1, 10], [2, 15], [3, 20]]);
  assert.deepEqual(changes.map((c) => c.values.c), [1, 2, 3, 1]);
  for (const c of changes) {
    assert.equal(c.values.a, c.values.b);
    assert.ok(c.values.a! >= 0.02 && c.values.a! <= 2);
  }
  assert.notEqual(changes[0]!.values.a, changes[1]!.values.a);
  const again = new ParamSchedule(config, Rng.seeded(1));
  again.advance(5);
  assert.deepEqual(again.poll()?.values, changes[0]!.values);
  // Log-uniform: ln(value) is uniform, so about half the draws fall below the geometric mean 0.2.
  const many = new ParamSchedule({ every: 1, changes: [{ params: 'a', draw: { kind: 'log-uniform', low: 0.02, high: 2 } }] }, Rng.seeded(2));
  let below = 0;
  for (let i = 0; i < 2000; i++) {
    many.advance(1);
    if (many.poll()!.values.a! < 0.2) below++;
  }
  assert.ok(below > 900 && below < 1100, `${below} of 2000 below 0.2`);
});

test('ParamSchedule: atStart, uneven advances, checkpoint', () => {
  const s = new ParamSchedule({ every: 10, atStart: true, changes: [{ params: 'a', draw: { kind: 'uniform', low: -1, high: 1 } }] }, Rng.seeded(3));
  assert.equal(s.poll()?.step, 0);
  assert.equal(s.poll(), null);
  s.advance(8);
  assert.equal(s.poll(), null);
  s.advance(8); // 16: the change due at 10 comes now, the next at 20
  assert.equal(s.poll()?.step, 16);
  const t = new ParamSchedule({ every: 10, atStart: true, changes: [{ params: 'a', draw: { kind: 'uniform', low: -1, high: 1 } }] }, Rng.seeded(77));
  t.setState(JSON.parse(JSON.stringify(s.getState())));
  s.advance(4);
  t.advance(4);
  assert.deepEqual(t.poll(), s.poll());
});

test('paramScheduleSchema: errors name the field', () => {
  assert.throws(() => parseConfig(paramScheduleSchema, { every: 0, changes: [] }, 'schedule'), /every = 0 is not allowed: must be >= 1/);
  assert.throws(() => parseConfig(paramScheduleSchema, { every: 5, changes: [{ params: 'a', draw: { kind: 'log-uniform', low: 0, high: 1 } }] }, 'schedule'), /changes.0.draw.low = 0 is not allowed: must be > 0/);
  assert.throws(() => parseConfig(paramScheduleSchema, { every: 5, changes: [{ params: 'a', draw: { kind: 'uniform', low: 2, high: 1 } }] }, 'schedule'), /high.*low must be <= high/);
  assert.throws(() => new ParamSchedule({ every: 5, changes: [{ params: 'frction', draw: { kind: 'cycle', values: [1] } }] }, Rng.seeded(1)).checkNames({ friction: 1 }, 'Ant-v3'), /Ant-v3 has no parameter 'frction'; known: friction/);
});
