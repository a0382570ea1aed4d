import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../backend/Backend.js';
import { availableBackends, getBackend } from '../../backend/selectBackend.js';
import { createTsBackend } from '../../backend/ts/tsBackend.js';
import { createWasmBackend, wasmAvailable } from '../../backend/wasm/wasmBackend.js';
import { Rng } from '../../tensor/Rng.js';
import { Tensor } from '../../tensor/Tensor.js';
import { gradCheck } from '../gradCheck.js';
import type { GradSink, GradTarget } from '../Layer.js';
import { conv2d, sequential } from '../LayerSpec.js';
import type { Param } from '../Param.js';
import { type ConvAlgorithm, setConvAlgorithm } from './convAlgorithm.js';
import { Conv2d } from './Conv2d.js';

/** Builds under a forced algorithm, then restores the setting. */
function withAlgorithm<T>(a: ConvAlgorithm, f: () => T): T {
  const old = setConvAlgorithm(a);
  try {
    return f();
  } finally {
    setConvAlgorithm(old);
  }
}

interface Pass {
  y: Float64Array;
  dx: Float64Array;
  dw: Float64Array;
  db: Float64Array;
}

/** One forward and backward of a conv layer (seeded weights, input and output gradient) under `algorithm`. */
function pass(backend: Backend, algorithm: ConvAlgorithm, n: number, c: number, h: number, w: number, oc: number, pad: number): Pass {
  const layer = withAlgorithm(algorithm, () => new Conv2d('c', [c, h, w], oc, { kernel: 3, stride: 1, padding: pad, weightInit: { dist: 'uniform', bound: 0.3 }, biasInit: { dist: 'uniform', bound: 0.1 } }, backend, Rng.seeded(3)));
  assert.equal(layer.winograd, algorithm === 'winograd');
  const rng = Rng.seeded(5);
  const x = new Tensor(backend.alloc(n * c * h * w), [n, c, h, w]);
  rng.fillUniform(x.data, -1, 1);
  const y = layer.forward(x, { train: true });
  const dy = new Tensor(backend.alloc(y.data.length), y.shape);
  rng.fillUniform(dy.data, -1, 1);
  const sink: GradSink = { target: (p: Param): GradTarget => ({ buf: p.grad, alpha: 1, beta: 0 }) };
  const dx = layer.backward(dy, sink, true)!;
  return { y: Float64Array.from(y.data), dx: Float64Array.from(dx.data), dw: Float64Array.from(layer.weight.grad), db: Float64Array.from(layer.bias!.grad) };
}

/** max |a - b| / max |b|: the error relative to the array's scale. */
function relError(a: Float64Array, b: Float64Array): number {
  let e = 0, s = 0;
  for (let i = 0; i < b.length; i++) {
    e = Math.max(e, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return e / s;
}

const shapes: [number, number, number, number, number, number][] = [
  // n, c, h, w, outC, pad: ResNet's padded 3x3 (even and odd sizes), conv-b128's valid ones, a 1x1 output
  [2, 16, 8, 8, 16, 1],
  [3, 5, 7, 9, 6, 1],
  [2, 8, 14, 14, 12, 0],
  [2, 4, 3, 3, 3, 0],
];

// Float32 Winograd F(2x2, 3x3) against the float64 direct conv: the transforms add and halve values before the
// products, ~1e-7 relative per value at these widths (measured; printed below), a few times float32's im2col error.
// The bound leaves 10x headroom.
const TOL = 2e-5;

for (const name of ['ts64', ...availableBackends().filter((b) => b !== 'ts64')]) {
  test(`${name}: Winograd conv matches the float64 im2col conv (forward, input and weight gradients)`, () => {
    const b = getBackend(name);
    const ref = createTsBackend(64);
    for (const [n, c, h, w, oc, pad] of shapes) {
      const want = pass(ref, 'im2col', n, c, h, w, oc, pad);
      const win = pass(b, 'winograd', n, c, h, w, oc, pad);
      const direct = pass(b, 'im2col', n, c, h, w, oc, pad);
      const tol = name === 'ts64' ? 1e-12 : TOL;
      for (const k of ['y', 'dx', 'dw', 'db'] as const) {
        const e = relError(win[k], want[k]);
        const d = relError(direct[k], want[k]);
        if (process.env.SUPPLE_WINOGRAD_ERRORS) console.log(`${name} ${n}x${c}x${h}x${w} -> ${oc} pad ${pad} ${k}: winograd ${e.toExponential(2)}, im2col ${d.toExponential(2)}`);
        assert.ok(e <= tol, `${name} ${k} of ${n}x${c}x${h}x${w} -> ${oc} pad ${pad}: relative error ${e} > ${tol}`);
      }
    }
  });
}

test('Winograd conv layer passes the finite-difference gradient check', () => {
  withAlgorithm('winograd', () => {
    for (const [spec, input] of [
      [sequential(conv2d(3, 3, { padding: 1 })), [2, 6, 5]],
      [sequential(conv2d(4, 3)), [3, 7, 6]],
    ] as const) {
      for (const name of ['ts64', 'wasm']) {
        if (!availableBackends().includes(name as never)) continue;
        const r = gradCheck(spec, input, getBackend(name));
        assert.ok(r.worst <= 1, `${name}: ${r.where}; ${r.failures.join('; ')}`);
      }
    }
  });
});

test('Winograd conv: the same seed gives the same bits, run after run', () => {
  for (const name of availableBackends().filter((b) => b !== 'ts64' && b !== 'ts')) {
    const a = pass(getBackend(name), 'winograd', 2, 16, 8, 8, 16, 1);
    const b = pass(getBackend(name), 'winograd', 2, 16, 8, 8, 16, 1);
    for (const k of ['y', 'dx', 'dw', 'db'] as const) assert.deepEqual(a[k], b[k], `${name} ${k}`);
  }
});

test('Winograd conv: the auto rule keeps im2col for narrow and non-3x3 stride-1 convs, and on the ts reference', { skip: !wasmAvailable() }, () => {
  const make = (b: Backend, c: number, oc: number, k: number, s: number, p: number) =>
    withAlgorithm('auto', () => new Conv2d('c', [c, 8, 8], oc, { kernel: k, stride: s, padding: p, weightInit: { dist: 'uniform', bound: 0.3 }, biasInit: null }, b, Rng.seeded(1)));
  const b = getBackend('wasm');
  assert.equal(make(b, 3, 32, 3, 1, 1).winograd, false);
  assert.equal(make(b, 32, 32, 3, 1, 1).winograd, true);
  assert.equal(make(b, 32, 32, 3, 2, 1).winograd, false);
  assert.equal(make(b, 32, 32, 1, 1, 0).winograd, false);
  assert.equal(make(createTsBackend(32), 32, 32, 3, 1, 1).winograd, false);
  assert.equal(withAlgorithm('winograd', () => new Conv2d('c', [3, 8, 8], 4, { kernel: 3, stride: 2, padding: 1, weightInit: { dist: 'uniform', bound: 0.3 }, biasInit: null }, b, Rng.seeded(1))).winograd, false);
});

test('wasm Winograd transforms give bit-identical results with 1, 2 and 3 threads', { skip: !wasmAvailable() }, async () => {
  const one = createWasmBackend({ threads: 1 });
  const many = [createWasmBackend({ threads: 2, convThreadWork: 0, gemmThreadWork: 0 }), createWasmBackend({ threads: 3, convThreadWork: 0, gemmThreadWork: 0 })];
  for (const b of many) await b.startThreads();
  try {
    const want = pass(one, 'winograd', 3, 7, 9, 10, 5, 1);
    for (const b of many) {
      const got = pass(b, 'winograd', 3, 7, 9, 10, 5, 1);
      for (const k of ['y', 'dx', 'dw', 'db'] as const) assert.deepEqual(got[k], want[k], `${b.threads} threads ${k}`);
    }
  } finally {
    for (const b of many) await b.close();
  }
});
