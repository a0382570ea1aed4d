import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { makeParam } from '../nn/layers/Linear.js';
import { buildOptimizer, optimizerSchema } from './optimizerConfig.js';
import { ConfigError, parseConfig } from '../config/parseConfig.js';

const backend = getBackend('ts64');

/** Two updates of one parameter with gradients g1 then g2; returns the two update values. */
function twoUpdates(config: Record<string, unknown>, g1: number, g2: number): number[] {
  const opt = buildOptimizer(optimizerSchema.parse(config));
  const p = makeParam(backend, 'w', 'weight', [1], { dist: 'constant', value: 0 }, null as never);
  p.index = 0;
  const state = opt.init([p], backend);
  const out: number[] = [];
  [g1, g2].forEach((g, i) => {
    const u = backend.alloc(1);
    u[0] = g;
    opt.update([u], state, [p], { step: i + 1, taskStep: i + 1, backend });
    out.push(u[0]!);
  });
  return out;
}

function adamByHand(b1: number, b2: number, lr: number, g1: number, g2: number): number[] {
  let m = 0, v = 0;
  return [g1, g2].map((g, i) => {
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const mh = m / (1 - b1 ** (i + 1)), vh = v / (1 - b2 ** (i + 1));
    return (-lr * mh) / (Math.sqrt(vh) + 1e-8);
  });
}

test('optimizer preset adam-tuned is Adam with beta1 = beta2 = 0.99 (also when the name says sgd)', () => {
  for (const name of ['sgd', 'adam']) {
    const got = twoUpdates({ name, preset: 'adam-tuned', lr: 0.1 }, 0.5, -2);
    const want = adamByHand(0.99, 0.99, 0.1, 0.5, -2);
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-12, `${name}: ${v} vs ${want[i]}`));
    // Default betas give a different second update: the preset is really applied.
    assert.ok(Math.abs(got[1]! - adamByHand(0.9, 0.999, 0.1, 0.5, -2)[1]!) > 1e-3);
  }
});

test('schedules are checked with the config: order and sign of boundaries, value count, finite non-negative values', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ kind: 'piecewise', boundaries: [100, 50], values: [1, 2, 3] }, /boundaries must increase strictly \(got 100, 50\)/],
    [{ kind: 'piecewise', boundaries: [100, 100], values: [1, 2, 3] }, /boundaries must increase strictly/],
    [{ kind: 'piecewise', boundaries: [100], values: [1] }, /needs one more value than boundaries \(got 1 values, 1 boundaries\)/],
    [{ kind: 'epochs', boundaries: [3, 2], values: [1, 2, 3] }, /boundaries must increase strictly/],
    [{ kind: 'per-task', schedule: { kind: 'piecewise', boundaries: [5], values: [0.1, -1] } }, /value -1 must be a finite number >= 0/],
    [{ kind: 'cosine', value: 0.1, steps: 10, final: -0.1 }, /final -0.1 must be a finite number >= 0/],
    [-0.01, /the value -0.01 must be a finite number >= 0/],
  ];
  for (const [lr, why] of bad) {
    assert.throws(
      () => parseConfig(optimizerSchema, { lr }, 'optimizer'),
      (e: Error) => e instanceof ConfigError && /optimizer: lr = /.test(e.message) && why.test(e.message),
      JSON.stringify(lr),
    );
  }
  const good = parseConfig(optimizerSchema, { lr: { kind: 'piecewise', boundaries: [10, 20], values: [0.1, 0.01, 0.001] } }, 'optimizer');
  assert.deepEqual(good.lr, { kind: 'piecewise', boundaries: [10, 20], values: [0.1, 0.01, 0.001] });
});
