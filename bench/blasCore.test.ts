import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blasCoreEnv, blasCores } from './blasCore.js';

test('blasCores adds the detected kernels only where the environment pins them; blasCoreEnv unpins a copy', () => {
  assert.deepEqual(blasCores({}), ['set']);
  assert.deepEqual(blasCores({ OPENBLAS_CORETYPE: 'Haswell' }), ['set', 'detected']);
  const env = { OPENBLAS_CORETYPE: 'Haswell', PATH: '/bin' };
  assert.equal(blasCoreEnv('set', env), env);
  assert.deepEqual(blasCoreEnv('detected', env), { PATH: '/bin' });
  assert.equal(env.OPENBLAS_CORETYPE, 'Haswell');
});
