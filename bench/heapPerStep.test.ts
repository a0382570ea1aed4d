// Steady-state training steps keep nothing and make little garbage (issue 17: heap growth per step under 16 B),
// measured as the engine bench measures it. Layers reuse their buffers, views and shape arrays, so after warm-up a
// step allocates a few boxed numbers per layer call; a Tensor, view, closure context or argument array per layer
// call per step would be several times the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../src/backend/selectBackend.js';
import { Rng } from '../src/tensor/Rng.js';
import { Tensor } from '../src/tensor/Tensor.js';
import { Model } from '../src/nn/Model.js';
import type { LayerSpec } from '../src/nn/LayerSpec.js';
import { mlp } from '../src/nn/models/mlp.js';
import { convNet } from '../src/nn/models/convNet.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { sgd } from '../src/optim/optimizers.js';
import { Learner } from '../src/learn/Learner.js';
import { Conv2d } from '../src/nn/layers/Conv2d.js';
import { type ConvAlgorithm, setConvAlgorithm } from '../src/nn/layers/convAlgorithm.js';
import { heapPerStep, median } from './heapPerStep.js';

test('heapPerStep sees what a step keeps and what it allocates', () => {
  const kept: number[][] = [];
  const leaky = heapPerStep(() => kept.push(new Array<number>(1024).fill(0)), 200, 3);
  // An array of 1024 slots (8 bytes each, on the heap) kept per step: about 8 KB per step retained and allocated. The
  // heap after a full GC moves by up to ~175 KB between windows on its own (heapPerStep's comment), so a leak much
  // smaller than that per window (64 slots, ~105 KB a window, read 475 B/step against 528 kept) is not a clean test.
  assert.ok(median(leaky.growth) > 4096, `growth ${leaky.growth.join(', ')}`);
  assert.ok(Math.min(...leaky.allocated) > 4096, `allocated ${leaky.allocated.join(', ')}`);
  let sink = 0;
  const clean = heapPerStep(() => {
    sink += 1;
  }, 200, 3);
  assert.ok(Math.min(...clean.allocated) < 4, `allocated ${clean.allocated.join(', ')}`);
  // 3 windows of 200 steps for the retained heap, then 3 for the allocation.
  assert.ok(sink === 1200);
});

interface Case {
  name: string;
  spec: LayerSpec;
  input: number[];
  batch: number;
  /** Layer calls per step (forward and backward), for the per-call bound. */
  calls: number;
  warmup: { ts: number; wasm: number };
  steps: number;
  /** The conv algorithm the model is built with (default: the current setting). */
  conv?: ConvAlgorithm;
}

const cases: Case[] = [
  // 4 Linear + 3 ReLU: 14 calls.
  { name: 'MLP, batch 8', spec: mlp({ hidden: [32, 32, 32], outputs: 10 }), input: [20], batch: 8, calls: 14, warmup: { ts: 1500, wasm: 1500 }, steps: 300 },
  // 3 conv + 3 ReLU + 3 max-pool + flatten + 3 Linear + 2 ReLU: 30 calls.
  { name: 'conv net, batch 2', spec: convNet({ outputs: 10, channels: [4, 4, 4], dense: [16, 16] }), input: [3, 32, 32], batch: 2, calls: 30, warmup: { ts: 1000, wasm: 1500 }, steps: 100 },
  // The same with its two 3x3 convs by Winograd (16 products a pass, each over planes of three buffers).
  { name: 'conv net by Winograd, batch 2', spec: convNet({ outputs: 10, channels: [4, 4, 4], dense: [16, 16] }), input: [3, 32, 32], batch: 2, calls: 30, warmup: { ts: 1000, wasm: 1500 }, steps: 100, conv: 'winograd' },
];

for (const backendName of ['ts', 'wasm'] as const) {
  for (const c of cases) {
    test(`${c.name} on ${backendName}: a steady-state step keeps nothing and allocates little`, () => {
      const backend = getBackend(backendName);
      const previous = c.conv ? setConvAlgorithm(c.conv) : null;
      let model: Model;
      try {
        model = Model.build(c.spec, { inputShape: c.input, backend, rng: Rng.seeded(0) });
      } finally {
        if (previous) setConvAlgorithm(previous);
      }
      if (c.conv) {
        const convs = model.layers.filter((l): l is Conv2d => l instanceof Conv2d);
        assert.equal(convs.filter((l) => l.winograd).length, 2, 'the two 3x3 convs run by Winograd');
      }
      const learner = new Learner({ model, optimizer: sgd({ lr: 0.01 }), loss: crossEntropy });
      const per = c.input.reduce((a, b) => a * b, 1);
      const x = new Tensor(backend.alloc(c.batch * per), [c.batch, ...c.input]);
      Rng.seeded(1).fillUniform(x.data, 0, 1);
      const y = backend.alloc(c.batch);
      for (let j = 0; j < c.batch; j++) y[j] = j % 10;
      for (let i = 0; i < c.warmup[backendName]; i++) learner.trainStep(x, y);
      const h = heapPerStep(() => learner.trainStep(x, y), c.steps, 5);
      // The least over the windows: V8 still compiling a function moves some windows up, never one down.
      const growth = Math.min(...h.growth), allocated = Math.min(...h.allocated);
      if (process.env.SUPPLE_HEAP_REPORT) console.log(`${c.name} ${backendName}: growth ${h.growth.map((g) => g.toFixed(1)).join(' ')}; allocated ${h.allocated.map((a) => a.toFixed(0)).join(' ')}`);
      assert.ok(growth < 16, `retained heap growth ${growth.toFixed(1)} B/step (windows ${h.growth.map((g) => g.toFixed(0)).join(', ')}); expected < 16`);
      assert.ok(
        allocated < 16 * c.calls,
        `${allocated.toFixed(0)} B allocated per step, ${(allocated / c.calls).toFixed(1)} per layer call (windows ${h.allocated.map((a) => a.toFixed(0)).join(', ')}); expected < 16 per call`,
      );
    });
  }
}
