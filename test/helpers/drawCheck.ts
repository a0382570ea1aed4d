import assert from 'node:assert/strict';
import type { Param } from '../../src/nn/Param.js';

/**
 * A redrawn parameter is a fresh draw from its init distribution, checked by hand against the distribution: its
 * mean is 0 and its standard deviation that of the distribution (uniform(-b, b): b / sqrt(3); normal: std), within
 * `k` standard errors (mean: sd / sqrt(n); sd: sd / sqrt(2n), a normal approximation), uniform values lie within
 * the bound, and it is uncorrelated with the values it replaced (|r| < k / sqrt(n)), which a kept or rescaled
 * parameter is not. Needs a few hundred values to mean something.
 */
export function assertFreshDraw(p: Param, before: ArrayLike<number>, k = 4): void {
  const init = p.init;
  if (init.dist === 'constant') {
    assert.ok(Array.from(p.data).every((v) => v === init.value), `${p.name} = ${init.value}`);
    return;
  }
  const x = Array.from(p.data);
  const n = x.length;
  const sd = init.dist === 'uniform' ? init.bound / Math.sqrt(3) : init.std;
  const mean = x.reduce((a, v) => a + v, 0) / n;
  const s = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
  assert.ok(Math.abs(mean) < (k * sd) / Math.sqrt(n), `${p.name}: mean ${mean} (sd ${sd}, n ${n})`);
  assert.ok(Math.abs(s - sd) < (k * sd) / Math.sqrt(2 * n), `${p.name}: sd ${s} vs ${sd}`);
  if (init.dist === 'uniform') assert.ok(x.every((v) => Math.abs(v) <= init.bound), `${p.name} within +-${init.bound}`);
  const b = Array.from(before);
  const mb = b.reduce((a, v) => a + v, 0) / n;
  const sb = Math.sqrt(b.reduce((a, v) => a + (v - mb) ** 2, 0) / n);
  const r = x.reduce((a, v, i) => a + (v - mean) * (b[i]! - mb), 0) / (n * s * sb);
  assert.ok(Math.abs(r) < k / Math.sqrt(n), `${p.name}: correlation with the old values ${r}`);
}
