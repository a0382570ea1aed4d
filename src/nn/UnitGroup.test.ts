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

test('ResNet-18: 17 conv-output groups (stem, both convs of each block) and the penultimate features', () => {
  const m = build(resnet18({ outputs: 10, width: 4 }), [3, 8, 8]);
  // The order of lop/nets/torchvision_modified_resnet.py's feature list: the stem, then per block conv1's units
  // and the block's output units (conv2 after the sum and ReLU); the last block's output is the penultimate layer.
  const producers = ['conv1', ...[1, 2, 3, 4, 5, 6, 7, 8].flatMap((b) => [`block${b}.conv1`, `block${b}.conv2`])];
  assert.deepEqual(m.unitGroups.map((g) => g.name), [...producers.map((_, i) => `h${i + 1}`), 'penultimate']);
  assert.deepEqual(m.unitGroups.slice(0, 17).map((g) => g.producer.name), producers);
  assert.deepEqual(m.unitGroups.map((g) => g.size), [4, 4, 4, 4, 4, 8, 8, 8, 8, 16, 16, 16, 16, 32, 32, 32, 32, 32]);
  for (const g of m.unitGroups) assert.equal(g.norms.length, 1);
  // Block outputs pass the residual sum; their readers are the next block's first conv and its shortcut conv.
  const readers = (n: string) => m.group(n).consumers.map((c) => c.layer.name);
  assert.deepEqual(readers('h1'), ['block1.conv1']); // the stem feeds block 1 (identity shortcut: no weight)
  assert.deepEqual(readers('h3'), ['block2.conv1']);
  assert.deepEqual(readers('h5'), ['block3.conv1', 'block3.shortcut.conv1']);
  assert.deepEqual(readers('h9'), ['block5.conv1', 'block5.shortcut.conv1']);
  assert.deepEqual(readers('h13'), ['block7.conv1', 'block7.shortcut.conv1']);
  assert.deepEqual(readers('h17'), ['fc1']);
  assert.equal(m.group('h5').residual?.name, 'block2');
  assert.equal(m.group('h4').residual, null);
  assert.equal(m.group('h5').features.name, 'relu3'); // the ReLU after the sum
  assert.deepEqual(m.group('h5').consumers[1]!.outgoing(3), [[3, 1]]); // a 1x1 shortcut conv reads channel 3 in column 3
  assert.deepEqual(m.group('h5').outgoing(3), [[27, 9]]);
  const pen = m.group('penultimate');
  assert.equal(pen.viewOf, 'h17');
  assert.equal(pen.features.type, 'global-avg-pool');
  assert.equal(pen.activation.type, 'relu');
  assert.equal(pen.producer, m.group('h17').producer);
  assert.equal(m.param('fc1.weight').shape[0], 10);
});
