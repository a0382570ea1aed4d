import { test } from 'node:test';
import assert from 'node:assert/strict';
import { antOptions, antOptionsSchema } from './antOptionsSchema.js';

test('antOptionsSchema: gym defaults, and the AntEnv options it gives', () => {
  const c = antOptionsSchema.parse({});
  assert.equal(c.maxEpisodeSteps, 1000);
  assert.deepEqual(c.healthyZRange, [0.2, 1.0]);
  assert.equal(c.contactForces, 'post-constraint');
  assert.equal(c.useContactForces, true, 'Ant-v3 observes contact forces; Ant-v4 (useContactForces: false) does not');
  assert.equal(antOptions(antOptionsSchema.parse({ useContactForces: false })).useContactForces, false);
  assert.deepEqual(antOptions(c).params, {});
  const o = antOptions(antOptionsSchema.parse({ params: { friction: 0.02 }, contactForces: 'zero' }));
  assert.deepEqual(o.params, { friction: 0.02 });
  assert.equal(o.contactForces, 'zero');
  assert.equal('maxEpisodeSteps' in o, false);
});

test('antOptionsSchema: bad values and unknown names are rejected', () => {
  assert.equal(antOptionsSchema.safeParse({ params: { friction: 0 } }).success, false);
  assert.equal(antOptionsSchema.safeParse({ params: { mass: 1 } }).success, false);
  assert.equal(antOptionsSchema.safeParse({ contactForces: 'sometimes' }).success, false);
  assert.equal(antOptionsSchema.safeParse({ healthyZRange: [1, 0.2] }).success, false);
  assert.equal(antOptionsSchema.safeParse({ frameSkip: 0 }).success, false);
  assert.equal(antOptionsSchema.safeParse({ frictoin: 1 }).success, false);
});
