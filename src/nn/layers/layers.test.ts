import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableBackends, getBackend } from '../../backend/selectBackend.js';
import { gradCheck } from '../gradCheck.js';
import type { LayerSpec } from '../LayerSpec.js';
import {
  activation, batchNorm, conv2d, crelu, dropout, flatten, globalAvgPool, layerNorm, linear, maxPool2d, residual, sequential,
} from '../LayerSpec.js';
import { mlp } from '../models/mlp.js';
import { convNet } from '../models/convNet.js';
import { resnet18 } from '../models/resnet18.js';

interface Case {
  name: string;
  spec: LayerSpec;
  input: number[];
  batch?: number;
  inputScale?: number;
}

const cases: Case[] = [
  { name: 'linear', spec: sequential(linear(5)), input: [7] },
  { name: 'linear without bias, batch 1', spec: sequential(linear(3, { bias: false })), input: [4], batch: 1 },
  { name: 'relu', spec: sequential(linear(6), activation('relu')), input: [5] },
  { name: 'leaky relu', spec: sequential(linear(6), activation('leakyRelu', 0.1)), input: [5] },
  { name: 'tanh', spec: sequential(linear(6), activation('tanh')), input: [5] },
  { name: 'sigmoid', spec: sequential(linear(6), activation('sigmoid')), input: [5] },
  { name: 'elu', spec: sequential(linear(6), activation('elu')), input: [5] },
  { name: 'swish', spec: sequential(linear(6), activation('swish')), input: [5] },
  { name: 'crelu dense', spec: sequential(linear(4), crelu(), linear(3)), input: [5] },
  { name: 'conv2d 3x3', spec: sequential(conv2d(3, 3)), input: [2, 6, 5] },
  { name: 'conv2d stride 2 pad 1', spec: sequential(conv2d(4, 3, { stride: 2, padding: 1 })), input: [3, 7, 6] },
  { name: 'conv2d 1x1 batch 1', spec: sequential(conv2d(2, 1)), input: [3, 4, 4], batch: 1 },
  { name: 'maxpool2d', spec: sequential(conv2d(2, 3), maxPool2d(2)), input: [2, 7, 7] },
  { name: 'maxpool2d stride 1', spec: sequential(maxPool2d(3, 1)), input: [2, 5, 5] },
  { name: 'global avg pool', spec: sequential(conv2d(3, 3, { padding: 1 }), globalAvgPool(), linear(2)), input: [2, 5, 5] },
  { name: 'flatten', spec: sequential(conv2d(2, 2), flatten(), linear(3)), input: [1, 4, 4] },
  { name: 'batchnorm dense', spec: sequential(linear(4), batchNorm(), linear(3)), input: [5], batch: 4 },
  { name: 'batchnorm conv', spec: sequential(conv2d(3, 3), batchNorm()), input: [2, 5, 5] },
  { name: 'layernorm dense', spec: sequential(linear(6), layerNorm(), linear(2)), input: [4] },
  { name: 'layernorm conv', spec: sequential(conv2d(2, 3), layerNorm()), input: [2, 5, 5] },
  { name: 'dropout', spec: sequential(linear(8), dropout(0.5), linear(3)), input: [5] },
  { name: 'crelu conv', spec: sequential(conv2d(2, 3), crelu(), conv2d(2, 1)), input: [1, 5, 5] },
  { name: 'residual identity', spec: sequential(residual([linear(5), activation('tanh'), linear(5)])), input: [5] },
  { name: 'residual projection', spec: sequential(residual([conv2d(3, 3, { stride: 2, padding: 1 }), batchNorm(), activation('relu'), conv2d(3, 3, { padding: 1 })], [conv2d(3, 1, { stride: 2 }), batchNorm()])), input: [2, 6, 6] },
  { name: 'mlp', spec: mlp({ hidden: [8, 8], outputs: 3 }), input: [6] },
  { name: 'conv net', spec: convNet({ outputs: 2, channels: [3, 4, 5] }), input: [3, 32, 32], batch: 2 },
  { name: 'resnet18 (width 2, one block per stage)', spec: resnet18({ outputs: 3, width: 2, blocks: [1, 1, 1, 1] }), input: [3, 8, 8], batch: 2 },
];

for (const name of availableBackends()) {
  for (const c of cases) {
    test(`gradient check (float64 finite differences): ${c.name} on ${name}`, () => {
      const r = gradCheck(c.spec, c.input, getBackend(name), { batch: c.batch ?? 3, inputScale: c.inputScale ?? 1 });
      assert.ok(r.checked > 0);
      assert.ok(r.worst <= 1, `worst ${r.worst.toFixed(2)} at ${r.where}\n${r.failures.join('\n')}`);
    });
  }
}

test('gradient check catches a wrong gradient', () => {
  const b = getBackend('ts');
  const broken = { ...b, activationBackward: (...args: Parameters<typeof b.activationBackward>) => {
    b.activationBackward(...args);
    args[4][0] = args[4][0]! * 1.5 + 0.1;
  } };
  const r = gradCheck(sequential(linear(4), activation('tanh'), linear(2)), [3], broken, { batch: 2 });
  assert.ok(r.worst > 1, 'a corrupted backward must fail the check');
});
