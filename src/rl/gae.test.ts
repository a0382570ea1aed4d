import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGae, explainedVariance } from './gae.js';

test('GAE equals a hand-computed case (an episode ends after step 1; bootstrap from the next value at the end)', () => {
  // dones[2] = 1: obs[2] began a new episode, so step 1 does not bootstrap from V(obs[2]).
  const adv = new Float64Array(3), ret = new Float64Array(3);
  computeGae(3, 1, [1, 1, 1], [0.5, 0.4, 0.3], [0, 0, 1], [0.2], [0], 0.9, 0.8, adv, ret);
  // t=2: 1 + 0.9*0.2 - 0.3 = 0.88; t=1: 1 - 0.4 = 0.6; t=0: (1 + 0.9*0.4 - 0.5) + 0.9*0.8*0.6 = 1.292.
  const want = [1.292, 0.6, 0.88];
  want.forEach((w, i) => assert.ok(Math.abs(adv[i]! - w) < 1e-12, `A_${i} = ${adv[i]}, expected ${w}`));
  [1.792, 1.0, 1.18].forEach((w, i) => assert.ok(Math.abs(ret[i]! - w) < 1e-12, `R_${i} = ${ret[i]}, expected ${w}`));
});

test('GAE keeps env copies apart and stops at a done next observation', () => {
  const adv = new Float64Array(4), ret = new Float64Array(4);
  // Two copies, two steps; copy 1's next observation begins an episode: its last step does not bootstrap.
  computeGae(2, 2, [1, 2, 3, 4], [0, 0, 0, 0], [0, 0, 0, 0], [10, 10], [0, 1], 1, 1, adv, ret);
  assert.deepEqual(Array.from(adv), [1 + 3 + 10, 2 + 4, 3 + 10, 4]);
});

test('explained variance is 1 for exact predictions and 0 for the mean', () => {
  assert.equal(explainedVariance([1, 2, 3], [1, 2, 3]), 1);
  assert.ok(Math.abs(explainedVariance([2, 2, 2], [1, 2, 3])) < 1e-12);
});
