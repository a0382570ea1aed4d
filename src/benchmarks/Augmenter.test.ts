import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../tensor/Rng.js';
import { Augmenter, augmentSchema } from './Augmenter.js';

const img = (c: number, h: number, w: number) => Float32Array.from({ length: c * h * w }, (_, i) => i + 1);
const cfg = (o: object) => augmentSchema.parse(o);
/** An Rng stand-in that replays given uniform draws (int(n) = floor(u * n)). */
const fixed = (...u: number[]) => ({ float: () => u.shift()!, int: (n: number) => Math.floor(u.shift()! * n) }) as unknown as Rng;

test('flip reverses every row of every channel; no flip leaves the image', () => {
  const a = new Augmenter([2, 2, 3], cfg({ flip: true }));
  const x = img(2, 2, 3);
  a.apply(x, 0, fixed(0.2));
  assert.deepEqual(Array.from(x), [3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10]);
  const y = img(2, 2, 3);
  a.apply(y, 0, fixed(0.7));
  assert.deepEqual(Array.from(y), Array.from(img(2, 2, 3)));
});

test('crop with padding shifts the image; reflect padding mirrors without repeating the edge, zero padding fills 0', () => {
  // 1x3x3 image 1..9, padding 1; draws dy = -1, dx = +1 (int(3) of 0.0 and 0.9).
  const r = new Augmenter([1, 3, 3], cfg({ cropPadding: 1, cropMode: 'reflect' }));
  const x = img(1, 3, 3);
  r.apply(x, 0, fixed(0.0, 0.9));
  // Output (row r, col c) reads source (r - 1, c + 1), reflected: row -1 -> 1, col 3 -> 1.
  assert.deepEqual(Array.from(x), [5, 6, 5, 2, 3, 2, 5, 6, 5]);
  const z = new Augmenter([1, 3, 3], cfg({ cropPadding: 1, cropMode: 'zero' }));
  const y = img(1, 3, 3);
  z.apply(y, 0, fixed(0.0, 0.9));
  assert.deepEqual(Array.from(y), [0, 0, 0, 2, 3, 0, 5, 6, 0]);
});

test('rotation by 90 degrees turns the image counter-clockwise; outside pixels are 0', () => {
  const a = new Augmenter([1, 3, 3], cfg({ rotateMin: 90, rotateMax: 90 }));
  const x = img(1, 3, 3);
  a.apply(x, 0, fixed(0.5));
  // 1 2 3 / 4 5 6 / 7 8 9 turned counter-clockwise: 3 6 9 / 2 5 8 / 1 4 7.
  assert.deepEqual(Array.from(x), [3, 6, 9, 2, 5, 8, 1, 4, 7]);
  const b = new Augmenter([1, 4, 4], cfg({ rotateMin: 45, rotateMax: 45 }));
  const y = Float32Array.from({ length: 16 }, () => 1);
  b.apply(y, 0, fixed(0.5));
  assert.equal(y[0], 0, 'a corner rotated by 45 degrees comes from outside the image');
  assert.throws(() => new Augmenter([1, 3, 3], cfg({ rotateMin: 10, rotateMax: 0 })), /rotateMin = 10/);
});

test('augmentation is a function of its random stream', () => {
  const a = new Augmenter([3, 8, 8], cfg({ flip: true, cropPadding: 2, rotateMin: 0, rotateMax: 15 }));
  const run = (seed: number) => {
    const x = img(3, 8, 8);
    const r = Rng.seeded(seed);
    for (let k = 0; k < 5; k++) a.apply(x, 0, r);
    return Array.from(x);
  };
  assert.deepEqual(run(1), run(1));
  assert.notDeepEqual(run(1), run(2));
});
