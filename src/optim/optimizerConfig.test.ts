import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { makeParam } from '../nn/layers/Linear.js';
import { buildOptimizer, optimizerSchema } from './optimizerConfig.js';

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
