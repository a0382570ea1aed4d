import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableBackends, getBackend } from '../../backend/selectBackend.js';
import { Rng } from '../../tensor/Rng.js';
import { Tensor } from '../../tensor/Tensor.js';
import { Model } from '../Model.js';
import { activation, conv2d, flatten, linear, maxPool2d, type LayerSpec } from '../LayerSpec.js';
import { convNet } from '../models/convNet.js';
import { crossEntropy } from '../../losses/crossEntropy.js';
import { sgd } from '../../optim/optimizers.js';
import { Learner } from '../../learn/Learner.js';
import type { Backend } from '../../backend/Backend.js';
import { ActivationLayer } from './ActivationLayer.js';
import { Conv2d } from './Conv2d.js';

// Sequential runs ReLU -> max pooling as pooling -> ReLU: the same losses, weights and layer outputs, bit for bit.

const specs: [string, LayerSpec][] = [
  ['convNet (2x2 windows, step 2)', convNet({ outputs: 5, channels: [4, 6], kernels: [3, 3], dense: [8] })],
  // Overlapping windows: a value can be the maximum of several windows (the gradient sums there).
  ['3x3 windows, step 1', { type: 'sequential', layers: [conv2d(3, 3), activation('relu'), maxPool2d(3, 1), flatten(), linear(5)] }],
  // The conv hands the pooling its channel-major product (Conv2d.forwardThroughPool): no bias, step 2 and padding.
  ['conv without bias, step 2, padded', { type: 'sequential', layers: [conv2d(4, 3, { stride: 2, padding: 1, bias: false }), activation('relu'), maxPool2d(2, 2), flatten(), linear(5)] }],
];

function run(backend: Backend, spec: LayerSpec, fuse: boolean, steps: number, n = 6) {
  const model = Model.build(spec, { inputShape: [3, 12, 12], backend, rng: Rng.seeded(4) });
  model.root.fuseReluPool = fuse;
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.2 }), loss: crossEntropy });
  const x = new Tensor(backend.alloc(n * 3 * 12 * 12), [n, 3, 12, 12]);
  Rng.seeded(5).fillUniform(x.data, -1, 1);
  const y = backend.alloc(n);
  for (let i = 0; i < n; i++) y[i] = i % 5;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) losses.push(learner.trainStep(x, y).sum);
  // Convs first (a conv's output left channel-major is put in order when read), then the ReLUs (deferred).
  const read = [...model.layers.filter((l) => l instanceof Conv2d), ...model.layers.filter((l) => l instanceof ActivationLayer)];
  return { model, losses, outputs: read.map((l) => Float32Array.from(l.output!.data)) };
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: value ${i} is ${a[i]} fused, ${b[i]} unfused`);
}

for (const name of availableBackends()) {
  test(`ReLU then max pooling, fused and unfused, give the same losses, weights and activations (${name})`, () => {
    const backend = getBackend(name);
    for (const [label, spec, n] of [...specs.map(([l, s]) => [l, s, 6] as const), [`${specs[0]![0]}, one image`, specs[0]![1], 1] as const]) {
      const fused = run(backend, spec, true, 5, n), plain = run(backend, spec, false, 5, n);
      sameBits(fused.losses, plain.losses, `${label}: losses`);
      fused.model.params.forEach((p, i) => sameBits(p.data, plain.model.params[i]!.data, `${label}: ${p.name}`));
      assert.equal(fused.outputs.length, plain.outputs.length);
      fused.outputs.forEach((o, i) => sameBits(o, plain.outputs[i]!, `${label}: activation ${i}`));
      // The ReLU before a pooling was deferred: its output is computed when read, and is then the unfused one.
      assert.ok(fused.losses[4]! < fused.losses[0]!, `${label}: the loss went down`);
    }
  });
}
