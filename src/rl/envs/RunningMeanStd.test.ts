import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunningMeanStd } from './RunningMeanStd.js';

// Expected values from Gymnasium's RunningMeanStd formula evaluated with NumPy (count starts at 1e-4).
const close = (a: ArrayLike<number>, b: number[], tol = 1e-15) => b.forEach((v, i) => assert.ok(Math.abs(a[i]! - v) <= tol * Math.max(1, Math.abs(v)), `${a[i]} vs ${v}`));

test('RunningMeanStd: single samples and a batch give NumPy values of the parallel update', () => {
  const r = new RunningMeanStd(2);
  assert.deepEqual([...r.mean, ...r.var, r.count], [0, 0, 1, 1, 1e-4]);
  r.updateOne([2, -1]);
  close(r.mean, [1.9998000199980002, -0.9999000099990001]);
  close(r.var, [0.0004999100129983002, 0.00019997000399950008]);
  r.update(Float64Array.of(4, 0.5), 1);
  close(r.mean, [2.9998500074996253, -0.24998750062496866]);
  close(r.var, [1.000449955003375, 0.5625249985938282]);
  r.update(Float64Array.of(-1, 3, 0, 1), 2);
  close(r.mean, [1.2499687507812305, 0.8749781255468613]);
  close(r.var, [3.6874718747265947, 2.0468679684472852]);
  assert.ok(Math.abs(r.count - 4.0001) < 1e-12);
});

test('RunningMeanStd: the checkpoint restores exactly; a wrong size is refused', () => {
  const r = new RunningMeanStd(3);
  r.update(Float64Array.of(1, 2, 3, 4, 5, 7), 2);
  const s = new RunningMeanStd(3);
  s.setState(JSON.parse(JSON.stringify(r.getState())));
  r.updateOne([0.5, 0.25, 9]);
  s.updateOne([0.5, 0.25, 9]);
  assert.deepEqual(s.getState(), r.getState());
  assert.throws(() => new RunningMeanStd(2).setState(r.getState()), /3 values, this has 2/);
  assert.throws(() => r.update([1, 2], 1), /2 values are not 1 rows of 3/);
});
