import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { availableBackends, getBackend } from '../../backend/selectBackend.js';
import { gradCheck } from '../gradCheck.js';
import { activation, conv2d, flatten, linear, sequential } from '../LayerSpec.js';
import { Model } from '../Model.js';
import { Rng } from '../../tensor/Rng.js';
import { Tensor } from '../../tensor/Tensor.js';
import { type SpectralConv2d, SpectralLinear } from './SpectralNorm.js';
import { mlp } from '../models/mlp.js';
import { modelSchema, buildModelSpec } from '../modelConfig.js';

// Power iterations 0: u and v stay as they were built, so the forward is a fixed function of W and the backward
// (which treats u and v as constants, as PyTorch) must match finite differences exactly.
const cases = [
  { name: 'spectral linear', spec: sequential(linear(5, { spectralNorm: { iterations: 0 } }), activation('tanh'), linear(3, { spectralNorm: { iterations: 0 } })), input: [4] },
  { name: 'spectral conv', spec: sequential(conv2d(3, 3, { spectralNorm: { iterations: 0 } }), activation('tanh'), flatten(), linear(2)), input: [2, 5, 5] },
];

for (const name of availableBackends()) {
  for (const c of cases) {
    test(`gradient check: ${c.name} on ${name}`, () => {
      const r = gradCheck(c.spec, c.input, getBackend(name), { batch: 3 });
      assert.ok(r.checked > 0);
      assert.ok(r.worst <= 1, `worst ${r.worst.toFixed(2)} at ${r.where}\n${r.failures.join('\n')}`);
    });
  }
}

function topSingularValue(w: Float32Array | Float64Array, rows: number, cols: number): number {
  const m = new Matrix(rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m.set(r, c, w[r * cols + c]!);
  return new SingularValueDecomposition(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal[0]!;
}

test('spectral norm: sigma converges to the largest singular value and W / sigma has spectral norm 1', () => {
  const backend = getBackend('ts64');
  const model = Model.build(sequential(linear(7, { spectralNorm: true })), { inputShape: [5], backend, rng: Rng.seeded(3) });
  const layer = model.layers.find((l) => l instanceof SpectralLinear) as SpectralLinear;
  const x = new Tensor(backend.alloc(5), [1, 5]);
  for (let i = 0; i < 30; i++) model.forward(x, true);
  const top = topSingularValue(layer.weight.data, 7, 5);
  assert.ok(Math.abs(layer.spectral.sigma - top) < 1e-9 * top, `sigma ${layer.spectral.sigma} vs ${top}`);
  assert.ok(Math.abs(topSingularValue(layer.spectral.normalized, 7, 5) - 1) < 1e-9);
});

test('spectral norm: the forward uses W / sigma, evaluation does not iterate, and the parameter stays unnormalized', () => {
  const backend = getBackend('ts64');
  const model = Model.build(sequential(conv2d(2, 3, { spectralNorm: true, bias: false })), { inputShape: [1, 3, 3], backend, rng: Rng.seeded(5) });
  const layer = model.layers[1] as SpectralConv2d;
  const x = new Tensor(backend.alloc(9), [1, 1, 3, 3]);
  for (let i = 0; i < 9; i++) x.data[i] = i / 9 - 0.4;
  const before = layer.weight.data.slice();
  const u = layer.spectral.u.data.slice();
  const y = model.forward(x, false);
  assert.deepEqual([...layer.spectral.u.data], [...u], 'evaluation must not run power iterations');
  // A 3x3 kernel on a 3x3 input: y[c] = sum_k W[c, k] x[k] / sigma.
  for (let c = 0; c < 2; c++) {
    let s = 0;
    for (let k = 0; k < 9; k++) s += before[c * 9 + k]! * x.data[k]!;
    assert.ok(Math.abs(y.data[c]! - s / layer.spectral.sigma) < 1e-12);
  }
  assert.deepEqual([...layer.weight.data], [...before]);
  model.forward(x, true);
  assert.notDeepEqual([...layer.spectral.u.data], [...u], 'training forwards refine u');
});

test('model option spectralNorm marks the chosen layers', () => {
  const backend = getBackend('ts');
  const spectralOf = (mode: 'all' | 'hidden' | 'penultimate') => {
    const spec = buildModelSpec(modelSchema.parse({ hidden: [4, 4, 4], spectralNorm: mode }), [3], 2);
    const m = Model.build(spec, { inputShape: [3], backend, rng: Rng.seeded(1) });
    return m.layers.filter((l) => l.type === 'linear').map((l) => l instanceof SpectralLinear);
  };
  assert.deepEqual(spectralOf('all'), [true, true, true, true]);
  assert.deepEqual(spectralOf('hidden'), [true, true, true, false]);
  assert.deepEqual(spectralOf('penultimate'), [false, false, true, false]);
  // Unit groups still see the spectral layers as producers and consumers.
  const m = Model.build(mlp({ hidden: [4, 4], outputs: 2, spectralNorm: 'all' }), { inputShape: [3], backend, rng: Rng.seeded(1) });
  assert.deepEqual(m.unitGroups.map((g) => g.size), [4, 4]);
});
