import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmBackend } from '../backend/wasm/wasmBackend.js';
import { crossEntropy } from '../losses/crossEntropy.js';
import { Learner } from '../learn/Learner.js';
import { sgd } from '../optim/optimizers.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { estimateMemory } from './estimateMemory.js';
import { Model } from './Model.js';
import { resnet18 } from './models/resnet18.js';

test('the memory estimate of a conv net is within 35% of what training, evaluation and a partial batch allocate', () => {
  const backend = createWasmBackend({ threads: 1 });
  const spec = resnet18({ outputs: 10, width: 8 });
  const inputShape = [1, 12, 12];
  const batch = 16;
  const before = backend.memory.used;
  const model = Model.build(spec, { inputShape, backend, rng: Rng.seeded(0) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.01, momentum: 0.9 }), loss: crossEntropy });
  const v = { sum: 0, correct: 0, count: 0 };
  // Training, a partial last batch and evaluation at the training size: the sizes a run goes through.
  for (const n of [batch, 5, batch, 3]) {
    const x = new Tensor(backend.alloc(n * 144), [n, ...inputShape]);
    const y = backend.alloc(n);
    learner.trainStep(x, y);
    learner.evaluate(x, y, v);
  }
  const used = backend.memory.used - before;
  const e = estimateMemory(spec, inputShape, batch, 1);
  assert.equal(e.parameters, model.size);
  const ratio = e.totalBytes / used;
  assert.ok(ratio > 0.65 && ratio < 1.35, `estimate ${e.totalBytes} bytes, allocated ${used} (ratio ${ratio.toFixed(2)})`);
});
