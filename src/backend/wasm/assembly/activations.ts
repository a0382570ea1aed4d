// Elementwise activations, their derivatives, and CReLU. Codes follow `Activation` in Backend.ts.
// Each kind gets its own loop (kind is a constant after inlining), so the loop body has no switch.

import { expm1_4, sigmoid4, tanh4 } from './expf';
import { gelu4, geluDerivative4 } from './gelu';

// @ts-ignore: decorator
@inline function fwd(kind: i32, x: v128, p: v128): v128 {
  const pos = f32x4.gt(x, f32x4.splat(0));
  if (kind == 1) return v128.and(x, pos); // NaN and -0 give +0, as x > 0 ? x : 0
  if (kind == 2) return v128.bitselect(x, f32x4.mul(p, x), pos);
  if (kind == 3) return tanh4(x);
  if (kind == 4) return sigmoid4(x);
  if (kind == 5) return v128.bitselect(x, f32x4.mul(p, expm1_4(x)), pos);
  if (kind == 6) return f32x4.mul(x, sigmoid4(x));
  if (kind == 7) return gelu4(x);
  return x;
}

// @ts-ignore: decorator
@inline function fwdLoop(kind: i32, x: usize, y: usize, n: i32, param: f32): void {
  const p = f32x4.splat(param);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), fwd(kind, v128.load(x + (<usize>i << 2)), p));
  // Tail: one lane of the same vector code.
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), f32x4.extract_lane(fwd(kind, f32x4.splat(load<f32>(x + (<usize>i << 2))), p), 0));
}

export function activation(kind: i32, x: usize, y: usize, n: i32, param: f32): void {
  switch (kind) {
    case 1: fwdLoop(1, x, y, n, param); break;
    case 2: fwdLoop(2, x, y, n, param); break;
    case 3: fwdLoop(3, x, y, n, param); break;
    case 4: fwdLoop(4, x, y, n, param); break;
    case 5: fwdLoop(5, x, y, n, param); break;
    case 6: fwdLoop(6, x, y, n, param); break;
    case 7: fwdLoop(7, x, y, n, param); break;
    default: memory.copy(y, x, <usize>n << 2);
  }
}

/** f'(x) given x and y = f(x), times dy. Written to round like the reference where it matters. */
// @ts-ignore: decorator
@inline function bwd(kind: i32, x: v128, y: v128, dy: v128, p: v128): v128 {
  const one = f32x4.splat(1);
  const pos = f32x4.gt(x, f32x4.splat(0));
  if (kind == 1) return f32x4.mul(v128.and(one, pos), dy); // 0 * dy keeps NaN/Inf in dy visible, as the reference
  if (kind == 2) return f32x4.mul(v128.bitselect(one, p, pos), dy);
  // (1 - y)(1 + y) rather than 1 - y^2: no cancellation when tanh saturates.
  if (kind == 3) return f32x4.mul(f32x4.mul(f32x4.sub(one, y), f32x4.add(one, y)), dy);
  if (kind == 4) return f32x4.mul(f32x4.mul(y, f32x4.sub(one, y)), dy);
  if (kind == 5) return f32x4.mul(v128.bitselect(one, f32x4.add(y, p), pos), dy);
  if (kind == 6) {
    const s = sigmoid4(x);
    return f32x4.mul(f32x4.add(s, f32x4.mul(y, f32x4.sub(one, s))), dy);
  }
  if (kind == 7) return f32x4.mul(geluDerivative4(x, y), dy);
  return f32x4.mul(one, dy);
}

// @ts-ignore: decorator
@inline function bwdLoop(kind: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, param: f32): void {
  const p = f32x4.splat(param);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, bwd(kind, v128.load(x + o), v128.load(y + o), v128.load(dy + o), p));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = bwd(kind, f32x4.splat(load<f32>(x + o)), f32x4.splat(load<f32>(y + o)), f32x4.splat(load<f32>(dy + o)), p);
    store<f32>(dx + o, f32x4.extract_lane(v, 0));
  }
}

export function activationBackward(kind: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, param: f32): void {
  switch (kind) {
    case 1: bwdLoop(1, x, y, dy, dx, n, param); break;
    case 2: bwdLoop(2, x, y, dy, dx, n, param); break;
    case 3: bwdLoop(3, x, y, dy, dx, n, param); break;
    case 4: bwdLoop(4, x, y, dy, dx, n, param); break;
    case 5: bwdLoop(5, x, y, dy, dx, n, param); break;
    case 6: bwdLoop(6, x, y, dy, dx, n, param); break;
    case 7: bwdLoop(7, x, y, dy, dx, n, param); break;
    default: bwdLoop(0, x, y, dy, dx, n, param);
  }
}

/** y[b, 0:c] = relu(x[b]), y[b, c:2c] = relu(-x[b]); each example is one block of c*hw values. */
export function crelu(x: usize, n: i32, c: i32, hw: i32, y: usize): void {
  const len = c * hw;
  const zero = f32x4.splat(0);
  for (let b = 0; b < n; b++) {
    const xs = x + (<usize>b * <usize>len << 2);
    const yp = y + (<usize>b * <usize>(2 * len) << 2);
    const yn = yp + (<usize>len << 2);
    let i = 0;
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(xs + o);
      v128.store(yp + o, v128.and(v, f32x4.gt(v, zero)));
      v128.store(yn + o, v128.and(f32x4.neg(v), f32x4.lt(v, zero)));
    }
    for (; i < len; i++) {
      const o = <usize>i << 2;
      const v = load<f32>(xs + o);
      store<f32>(yp + o, v > 0 ? v : 0);
      store<f32>(yn + o, v < 0 ? -v : 0);
    }
  }
}

export function creluBackward(x: usize, dy: usize, n: i32, c: i32, hw: i32, dx: usize): void {
  const len = c * hw;
  const zero = f32x4.splat(0);
  for (let b = 0; b < n; b++) {
    const xs = x + (<usize>b * <usize>len << 2);
    const ds = dx + (<usize>b * <usize>len << 2);
    const gp = dy + (<usize>b * <usize>(2 * len) << 2);
    const gn = gp + (<usize>len << 2);
    let i = 0;
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(xs + o);
      const a = v128.and(v128.load(gp + o), f32x4.gt(v, zero));
      const b2 = v128.and(f32x4.neg(v128.load(gn + o)), f32x4.lt(v, zero));
      v128.store(ds + o, v128.or(a, b2));
    }
    for (; i < len; i++) {
      const o = <usize>i << 2;
      const v = load<f32>(xs + o);
      store<f32>(ds + o, v > 0 ? load<f32>(gp + o) : v < 0 ? -load<f32>(gn + o) : 0);
    }
  }
}


/** The first value of part `part` of `parts` of n values: a multiple of 4, so every value takes the same path as unsplit. */
// @ts-ignore: decorator
@inline function valueAt(n: i32, part: i32, parts: i32): i32 {
  return part >= parts ? n : <i32>(((<i64>(n >> 2) * <i64>part) / <i64>parts) << 2);
}

/** activation with the values cut into `chunks` parts taken from the shared counter (see gemmChunks). */
export function activationChunks(kind: i32, x: usize, y: usize, n: i32, param: f32, chunks: i32, counter: usize): void {
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    const i0 = valueAt(n, part, chunks), i1 = valueAt(n, part + 1, chunks);
    const o = <usize>i0 << 2;
    activation(kind, x + o, y + o, i1 - i0, param);
  }
}

/** activationBackward with the values cut into `chunks` parts taken from the shared counter. */
export function activationBackwardChunks(kind: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, param: f32, chunks: i32, counter: usize): void {
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    const i0 = valueAt(n, part, chunks), i1 = valueAt(n, part + 1, chunks);
    const o = <usize>i0 << 2;
    activationBackward(kind, x + o, y + o, dy + o, dx + o, i1 - i0, param);
  }
}
