import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Model } from './Model.js';
import { mlp } from './models/mlp.js';
import { convNet } from './models/convNet.js';
import { resnet18 } from './models/resnet18.js';
import { batchNorm, conv2d, crelu, flatten, layerNorm, linear, maxPool2d, relu, sequential } from './LayerSpec.js';

const backend = getBackend('ts');
const build = (spec: Parameters<typeof Model.build>[0], inputShape: number[]) => Model.build(spec, { inputShape, backend, rng: Rng.seeded(1) });

test('an MLP names one dense group per hidden layer, with rows in and columns out', () => {
  const m = build(mlp({ hidden: [100, 100, 100], outputs: 10 }), [784]);
  assert.deepEqual(m.unitGroups.map((g) => [g.name, g.kind, g.size, g.producer.name, g.consumer.name]), [
    ['h1', 'dense', 100, 'fc1', 'fc2'],
    ['h2', 'dense', 100, 'fc2', 'fc3'],
    ['h3', 'dense', 100, 'fc3', 'fc4'],
  ]);
  assert.deepEqual(m.unitGroups[0]!.outgoing(7), [[7, 1]]);
  assert.equal(m.head.name, 'fc4');
  assert.equal(m.unitGroups[0]!.features.type, 'relu');
});

test('the Continual ImageNet net: conv channels, conv -> conv blocks, conv -> flatten -> dense blocks', () => {
  const m = build(convNet({ outputs: 2 }), [3, 32, 32]);
  const g = m.unitGroups;
  assert.deepEqual(g.map((u) => [u.kind, u.size, u.consumer.name]), [
    ['conv', 32, 'conv2'], ['conv', 64, 'conv3'], ['conv', 128, 'fc1'], ['dense', 128, 'fc2'], ['dense', 128, 'fc3'],
  ]);
  assert.deepEqual(g[0]!.outgoing(5), [[5 * 9, 9]]); // conv2 reads channel 5 through a 3x3 kernel
  assert.deepEqual(g[2]!.outgoing(5), [[5 * 4, 4]]); // fc1 reads channel 5's 2x2 pooled plane
  assert.equal(g[0]!.spatial, 28 * 28);
  assert.equal((g[2]!.consumer as { inFeatures: number }).inFeatures, 512);
  assert.equal(m.head.outFeatures, 2);
});

test('normalization entries, CReLU and LayerNorm over conv belong to their units', () => {
  const m = build(sequential(linear(6), batchNorm(), crelu(), linear(3)), [4]);
  const g = m.group('h1');
  assert.equal(g.featuresPerUnit, 2);
  assert.deepEqual(g.outgoing(2), [[2, 1], [8, 1]]);
  assert.equal(g.norms.length, 1);
  assert.equal(g.norms[0]!.params.length, 2);
  assert.equal(g.norms[0]!.buffers.length, 2);
  const c = build(sequential(conv2d(3, 3), layerNorm(), relu(), maxPool2d(2), flatten(), linear(2)), [1, 6, 6]);
  const h = c.group('h1');
  assert.equal(h.norms[0]!.per, 16);
  assert.deepEqual(h.outgoing(1), [[4, 4]]);
});

test('ResNet-18 groups are the units inside each basic block', () => {
  const m = build(resnet18({ outputs: 10, width: 4 }), [3, 8, 8]);
  assert.equal(m.unitGroups.length, 8);
  for (const g of m.unitGroups) {
    assert.match(g.producer.name, /^block\d+\.conv1$/);
    assert.match(g.consumer.name, /^block\d+\.conv2$/);
    assert.equal(g.norms.length, 1);
  }
  assert.equal(m.param('fc1.weight').shape[0], 10);
});
