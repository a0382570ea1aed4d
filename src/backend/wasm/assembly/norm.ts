// Batch and layer normalization. Statistics and backward sums accumulate in f64 lanes. Forward outputs are
// f32 with the mean split into hi + lo f32 parts, so x - mean does not lose the low bits of a large mean.
// Backward dx is evaluated in f64 lanes: its three terms nearly cancel by construction.

import { lo64, hi64, hsum64, rowSum } from './simd';

// @ts-ignore: decorator
@inline function demote2(lo: v128, hi: v128): v128 {
  return f32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** sum over x[0:len] of (x - mu)^2 in f64. */
function sumSqDev(x: usize, len: i32, mu: f64): f64 {
  const m = f64x2.splat(mu);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const a = f64x2.sub(lo64(v), m), b = f64x2.sub(hi64(v), m);
    s0 = f64x2.add(s0, f64x2.mul(a, a));
    s1 = f64x2.add(s1, f64x2.mul(b, b));
  }
  let s = hsum64(f64x2.add(s0, s1));
  for (; i < len; i++) {
    const d = <f64>load<f32>(x + (<usize>i << 2)) - mu;
    s += d * d;
  }
  return s;
}

/** y[0:len] = ((x - muHi) - muLo) * scale + shift. */
// @ts-ignore: decorator
@inline function normalize(x: usize, y: usize, len: i32, mu: f64, scale: f32, shift: f32): void {
  const hi = <f32>mu;
  const lo = <f32>(mu - <f64>hi);
  const vh = f32x4.splat(hi), vl = f32x4.splat(lo), vs = f32x4.splat(scale), vb = f32x4.splat(shift);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(f32x4.sub(v128.load(x + o), vh), vl);
    v128.store(y + o, f32x4.add(f32x4.mul(d, vs), vb));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, ((load<f32>(x + o) - hi) - lo) * scale + shift);
  }
}

export function batchNormTrain(x: usize, n: i32, c: i32, hw: i32, gamma: usize, beta: usize, eps: f64, momentum: f64, y: usize, mean: usize, invStd: usize, runMean: usize, runVar: usize): void {
  batchNormTrainChannels(x, n, c, hw, gamma, beta, eps, momentum, y, mean, invStd, runMean, runVar, 0, c);
}

/** The first channel of part `part` of `parts` (channels are independent: threads split them). */
// @ts-ignore: decorator
@inline function channelAt(c: i32, part: i32, parts: i32): i32 {
  return <i32>((<i64>c * <i64>part) / <i64>parts);
}

/** batchNormTrain with the channels cut into `chunks` parts taken from the shared counter (see gemmChunks). */
export function batchNormTrainChunks(x: usize, n: i32, c: i32, hw: i32, gamma: usize, beta: usize, eps: f64, momentum: f64, y: usize, mean: usize, invStd: usize, runMean: usize, runVar: usize, chunks: i32, counter: usize): void {
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    batchNormTrainChannels(x, n, c, hw, gamma, beta, eps, momentum, y, mean, invStd, runMean, runVar, channelAt(c, part, chunks), channelAt(c, part + 1, chunks));
  }
}

function batchNormTrainChannels(x: usize, n: i32, c: i32, hw: i32, gamma: usize, beta: usize, eps: f64, momentum: f64, y: usize, mean: usize, invStd: usize, runMean: usize, runVar: usize, c0: i32, c1: i32): void {
  const count = <f64>n * <f64>hw;
  for (let ch = c0; ch < c1; ch++) {
    let s: f64 = 0;
    for (let b = 0; b < n; b++) s += rowSum(x + ((<usize>b * <usize>c + <usize>ch) * <usize>hw << 2), hw, 0);
    const mu = s / count;
    let ss: f64 = 0;
    for (let b = 0; b < n; b++) ss += sumSqDev(x + ((<usize>b * <usize>c + <usize>ch) * <usize>hw << 2), hw, mu);
    const variance = ss / count;
    const is = 1 / Math.sqrt(variance + eps);
    const co = <usize>ch << 2;
    store<f32>(mean + co, <f32>mu);
    store<f32>(invStd + co, <f32>is);
    const g = <f64>load<f32>(gamma + co);
    const scale = <f32>(g * is);
    const shift = load<f32>(beta + co);
    for (let b = 0; b < n; b++) {
      const o = (<usize>b * <usize>c + <usize>ch) * <usize>hw << 2;
      normalize(x + o, y + o, hw, mu, scale, shift);
    }
    const unbiased = count > 1 ? ss / (count - 1) : variance;
    store<f32>(runMean + co, <f32>((1 - momentum) * <f64>load<f32>(runMean + co) + momentum * mu));
    store<f32>(runVar + co, <f32>((1 - momentum) * <f64>load<f32>(runVar + co) + momentum * unbiased));
  }
}

export function batchNormEval(x: usize, n: i32, c: i32, hw: i32, gamma: usize, beta: usize, runMean: usize, runVar: usize, eps: f64, y: usize): void {
  for (let ch = 0; ch < c; ch++) {
    const co = <usize>ch << 2;
    const is = 1 / Math.sqrt(<f64>load<f32>(runVar + co) + eps);
    const g = <f64>load<f32>(gamma + co) * is;
    const sh = <f64>load<f32>(beta + co) - <f64>load<f32>(runMean + co) * g;
    const vg = f32x4.splat(<f32>g), vs = f32x4.splat(<f32>sh);
    const g32 = <f32>g, s32 = <f32>sh;
    for (let b = 0; b < n; b++) {
      const o = (<usize>b * <usize>c + <usize>ch) * <usize>hw << 2;
      const xs = x + o, ys = y + o;
      let i = 0;
      for (; i + 4 <= hw; i += 4) v128.store(ys + (<usize>i << 2), f32x4.add(f32x4.mul(v128.load(xs + (<usize>i << 2)), vg), vs));
      for (; i < hw; i++) store<f32>(ys + (<usize>i << 2), load<f32>(xs + (<usize>i << 2)) * g32 + s32);
    }
  }
}

export function batchNormBackward(x: usize, dy: usize, n: i32, c: i32, hw: i32, gamma: usize, mean: usize, invStd: usize, dx: usize, dgamma: usize, dbeta: usize): void {
  batchNormBackwardChannels(x, dy, n, c, hw, gamma, mean, invStd, dx, dgamma, dbeta, 0, c);
}

/** batchNormBackward with the channels cut into `chunks` parts taken from the shared counter. */
export function batchNormBackwardChunks(x: usize, dy: usize, n: i32, c: i32, hw: i32, gamma: usize, mean: usize, invStd: usize, dx: usize, dgamma: usize, dbeta: usize, chunks: i32, counter: usize): void {
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    batchNormBackwardChannels(x, dy, n, c, hw, gamma, mean, invStd, dx, dgamma, dbeta, channelAt(c, part, chunks), channelAt(c, part + 1, chunks));
  }
}

function batchNormBackwardChannels(x: usize, dy: usize, n: i32, c: i32, hw: i32, gamma: usize, mean: usize, invStd: usize, dx: usize, dgamma: usize, dbeta: usize, c0: i32, c1: i32): void {
  const count = <f64>n * <f64>hw;
  for (let ch = c0; ch < c1; ch++) {
    const co = <usize>ch << 2;
    const mu = <f64>load<f32>(mean + co), is = <f64>load<f32>(invStd + co);
    const vm = f64x2.splat(mu), vi = f64x2.splat(is);
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), b0 = f64x2.splat(0), b1 = f64x2.splat(0);
    let sdy: f64 = 0, sdyx: f64 = 0;
    for (let b = 0; b < n; b++) {
      const o = (<usize>b * <usize>c + <usize>ch) * <usize>hw << 2;
      const xs = x + o, gs = dy + o;
      let i = 0;
      for (; i + 4 <= hw; i += 4) {
        const xv = v128.load(xs + (<usize>i << 2)), gv = v128.load(gs + (<usize>i << 2));
        const gl = lo64(gv), gh = hi64(gv);
        a0 = f64x2.add(a0, gl);
        a1 = f64x2.add(a1, gh);
        b0 = f64x2.add(b0, f64x2.mul(gl, f64x2.mul(f64x2.sub(lo64(xv), vm), vi)));
        b1 = f64x2.add(b1, f64x2.mul(gh, f64x2.mul(f64x2.sub(hi64(xv), vm), vi)));
      }
      for (; i < hw; i++) {
        const g = <f64>load<f32>(gs + (<usize>i << 2));
        sdy += g;
        sdyx += g * ((<f64>load<f32>(xs + (<usize>i << 2)) - mu) * is);
      }
    }
    sdy += hsum64(f64x2.add(a0, a1));
    sdyx += hsum64(f64x2.add(b0, b1));
    store<f32>(dgamma + co, <f32>sdyx);
    store<f32>(dbeta + co, <f32>sdy);
    const f = <f64>load<f32>(gamma + co) * is / count;
    const vf = f64x2.splat(f), vc = f64x2.splat(count), vsd = f64x2.splat(sdy), vsx = f64x2.splat(sdyx);
    for (let b = 0; b < n; b++) {
      const o = (<usize>b * <usize>c + <usize>ch) * <usize>hw << 2;
      const xs = x + o, gs = dy + o, ds = dx + o;
      let i = 0;
      for (; i + 4 <= hw; i += 4) {
        const xv = v128.load(xs + (<usize>i << 2)), gv = v128.load(gs + (<usize>i << 2));
        const xl = f64x2.mul(f64x2.sub(lo64(xv), vm), vi), xh = f64x2.mul(f64x2.sub(hi64(xv), vm), vi);
        const rl = f64x2.mul(vf, f64x2.sub(f64x2.sub(f64x2.mul(vc, lo64(gv)), vsd), f64x2.mul(xl, vsx)));
        const rh = f64x2.mul(vf, f64x2.sub(f64x2.sub(f64x2.mul(vc, hi64(gv)), vsd), f64x2.mul(xh, vsx)));
        v128.store(ds + (<usize>i << 2), demote2(rl, rh));
      }
      for (; i < hw; i++) {
        const xh = (<f64>load<f32>(xs + (<usize>i << 2)) - mu) * is;
        store<f32>(ds + (<usize>i << 2), <f32>(f * (count * <f64>load<f32>(gs + (<usize>i << 2)) - sdy - xh * sdyx)));
      }
    }
  }
}

export function layerNorm(x: usize, rows: i32, cols: i32, gamma: usize, beta: usize, eps: f64, y: usize, mean: usize, invStd: usize): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * <usize>cols << 2;
    const xs = x + o, ys = y + o;
    const mu = rowSum(xs, cols, 0) / <f64>cols;
    const is = 1 / Math.sqrt(sumSqDev(xs, cols, mu) / <f64>cols + eps);
    store<f32>(mean + (<usize>r << 2), <f32>mu);
    store<f32>(invStd + (<usize>r << 2), <f32>is);
    const hi = <f32>mu;
    const lo = <f32>(mu - <f64>hi);
    const is32 = <f32>is;
    const vh = f32x4.splat(hi), vl = f32x4.splat(lo), vi = f32x4.splat(is32);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const q = <usize>j << 2;
      const d = f32x4.mul(f32x4.sub(f32x4.sub(v128.load(xs + q), vh), vl), vi);
      v128.store(ys + q, f32x4.add(f32x4.mul(v128.load(gamma + q), d), v128.load(beta + q)));
    }
    for (; j < cols; j++) {
      const q = <usize>j << 2;
      store<f32>(ys + q, load<f32>(gamma + q) * (((load<f32>(xs + q) - hi) - lo) * is32) + load<f32>(beta + q));
    }
  }
}

export function layerNormBackward(x: usize, dy: usize, rows: i32, cols: i32, gamma: usize, mean: usize, invStd: usize, dx: usize, dgamma: usize, dbeta: usize): void {
  memory.fill(dgamma, 0, <usize>cols << 2);
  memory.fill(dbeta, 0, <usize>cols << 2);
  const nc = <f64>cols;
  const vn = f64x2.splat(nc);
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * <usize>cols << 2;
    const xs = x + o, gs = dy + o, ds = dx + o;
    const mu = <f64>load<f32>(mean + (<usize>r << 2)), is = <f64>load<f32>(invStd + (<usize>r << 2));
    const mu32 = <f32>mu, is32 = <f32>is;
    const vm = f64x2.splat(mu), vi = f64x2.splat(is), vm32 = f32x4.splat(mu32), vi32 = f32x4.splat(is32);
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), b0 = f64x2.splat(0), b1 = f64x2.splat(0);
    let sd: f64 = 0, sdx: f64 = 0;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const q = <usize>j << 2;
      const xv = v128.load(xs + q), gv = v128.load(gs + q), gm = v128.load(gamma + q);
      const xl = f64x2.mul(f64x2.sub(lo64(xv), vm), vi), xh = f64x2.mul(f64x2.sub(hi64(xv), vm), vi);
      const dl = f64x2.mul(lo64(gv), lo64(gm)), dh = f64x2.mul(hi64(gv), hi64(gm));
      a0 = f64x2.add(a0, dl);
      a1 = f64x2.add(a1, dh);
      b0 = f64x2.add(b0, f64x2.mul(dl, xl));
      b1 = f64x2.add(b1, f64x2.mul(dh, xh));
      const x32 = f32x4.mul(f32x4.sub(xv, vm32), vi32);
      v128.store(dgamma + q, f32x4.add(v128.load(dgamma + q), f32x4.mul(gv, x32)));
      v128.store(dbeta + q, f32x4.add(v128.load(dbeta + q), gv));
    }
    for (; j < cols; j++) {
      const q = <usize>j << 2;
      const g = load<f32>(gs + q);
      const xh = (<f64>load<f32>(xs + q) - mu) * is;
      const d = <f64>g * <f64>load<f32>(gamma + q);
      sd += d;
      sdx += d * xh;
      store<f32>(dgamma + q, load<f32>(dgamma + q) + g * ((load<f32>(xs + q) - mu32) * is32));
      store<f32>(dbeta + q, load<f32>(dbeta + q) + g);
    }
    sd += hsum64(f64x2.add(a0, a1));
    sdx += hsum64(f64x2.add(b0, b1));
    const k1 = is / nc;
    const vk = f64x2.splat(k1), vsd = f64x2.splat(sd), vsx = f64x2.splat(sdx);
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      const q = <usize>j << 2;
      const xv = v128.load(xs + q), gv = v128.load(gs + q), gm = v128.load(gamma + q);
      const xl = f64x2.mul(f64x2.sub(lo64(xv), vm), vi), xh = f64x2.mul(f64x2.sub(hi64(xv), vm), vi);
      const dl = f64x2.mul(lo64(gv), lo64(gm)), dh = f64x2.mul(hi64(gv), hi64(gm));
      const rl = f64x2.mul(vk, f64x2.sub(f64x2.sub(f64x2.mul(vn, dl), vsd), f64x2.mul(xl, vsx)));
      const rh = f64x2.mul(vk, f64x2.sub(f64x2.sub(f64x2.mul(vn, dh), vsd), f64x2.mul(xh, vsx)));
      v128.store(ds + q, demote2(rl, rh));
    }
    for (; j < cols; j++) {
      const q = <usize>j << 2;
      const xh = (<f64>load<f32>(xs + q) - mu) * is;
      const d = <f64>load<f32>(gs + q) * <f64>load<f32>(gamma + q);
      store<f32>(ds + q, <f32>(k1 * (nc * d - sd - xh * sdx)));
    }
  }
}
