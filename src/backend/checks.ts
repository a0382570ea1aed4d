import type { FloatArray } from '../tensor/FloatArray.js';
import type { Backend } from './Backend.js';

/** Argument checks shared by every backend: cheap comparisons, always on, so no kernel reads past an array. */

export function checkLength(kernel: string, arg: string, a: { length: number }, needed: number): void {
  if (a.length < needed) {
    throw new Error(`${kernel}: ${arg} holds ${a.length} values but ${needed} are needed`);
  }
}

export function checkBatch(kernel: string, n: number): void {
  if (!(n >= 1) || !Number.isInteger(n)) {
    throw new Error(`${kernel}: the batch has ${n} examples; a batch needs at least 1 (empty batches are rejected)`);
  }
}

export function checkGemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: FloatArray, b: FloatArray, c: FloatArray): void {
  if (!(m >= 1 && n >= 1 && k >= 1) || !Number.isInteger(m) || !Number.isInteger(n) || !Number.isInteger(k)) {
    throw new Error(`gemm: m = ${m}, n = ${n}, k = ${k} must be positive integers (empty operands are rejected)`);
  }
  if (a.length < m * k) throw new Error(`gemm: A holds ${a.length} values but op(A) is [${m}, ${k}]${transA ? ' (transposed)' : ''}`);
  if (b.length < k * n) throw new Error(`gemm: B holds ${b.length} values but op(B) is [${k}, ${n}]${transB ? ' (transposed)' : ''}`);
  if (c.length < m * n) throw new Error(`gemm: C holds ${c.length} values but C is [${m}, ${n}]`);
}

/** encodeBytes reads src[srcOffset + s] for s < n, lut[c * 256 + byte] for the channels c < ceil(n / plane). */
export function checkEncode(src: Uint8Array, srcOffset: number, n: number, plane: number, lut: FloatArray, perm: Int32Array | null, out: FloatArray, outOffset: number): void {
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(srcOffset) && srcOffset >= 0 && Number.isInteger(outOffset) && outOffset >= 0 && Number.isInteger(plane) && plane >= 1)) {
    throw new Error(`encodeBytes: n = ${n}, plane = ${plane}, offsets ${srcOffset}, ${outOffset} must be non-negative integers (plane >= 1)`);
  }
  checkLength('encodeBytes', 'src', src, srcOffset + n);
  checkLength('encodeBytes', 'out', out, outOffset + n);
  checkLength('encodeBytes', 'lut', lut, Math.ceil(n / plane) * 256);
  if (perm) checkLength('encodeBytes', 'perm', perm, n);
}

function linearSizes(kernel: string, n: number, outFeatures: number, inFeatures: number): void {
  checkBatch(kernel, n);
  if (!(outFeatures >= 1 && inFeatures >= 1 && Number.isInteger(outFeatures) && Number.isInteger(inFeatures))) {
    throw new Error(`${kernel}: outFeatures = ${outFeatures}, inFeatures = ${inFeatures} must be positive integers`);
  }
}

/** The error for a permutation entry outside [0, n) (kernels check every entry as they read it). */
export function badPermutation(n: number): Error {
  return new Error(`encodeBytes: the permutation has an entry outside [0, ${n})`);
}

/**
 * The argument checks of each kernel, shared by every backend (the reference runs them before its loops, the
 * wasm wrappers before they hand pointers to wasm): lengths against the sizes, empty batches rejected.
 */
export const kernelChecks = {
  linearForward(n: number, outFeatures: number, inFeatures: number, x: FloatArray, w: FloatArray, bias: FloatArray | null, y: FloatArray): void {
    linearSizes('linearForward', n, outFeatures, inFeatures);
    checkLength('linearForward', 'x', x, n * inFeatures);
    checkLength('linearForward', 'w', w, outFeatures * inFeatures);
    if (bias) checkLength('linearForward', 'bias', bias, outFeatures);
    checkLength('linearForward', 'y', y, n * outFeatures);
  },
  linearBackward(n: number, outFeatures: number, inFeatures: number, dy: FloatArray, x: FloatArray, w: FloatArray, dx: FloatArray | null, _wAlpha: number, _wBeta: number, wBuf: FloatArray | null, _biasAlpha: number, _biasBeta: number, biasBuf: FloatArray | null): void {
    linearSizes('linearBackward', n, outFeatures, inFeatures);
    checkLength('linearBackward', 'dy', dy, n * outFeatures);
    checkLength('linearBackward', 'x', x, n * inFeatures);
    checkLength('linearBackward', 'w', w, outFeatures * inFeatures);
    if (dx) checkLength('linearBackward', 'dx', dx, n * inFeatures);
    if (wBuf) checkLength('linearBackward', 'wBuf', wBuf, outFeatures * inFeatures);
    if (biasBuf) checkLength('linearBackward', 'biasBuf', biasBuf, outFeatures);
  },
  mul(...[x, y, out]: Parameters<Backend['mul']>): void {
    checkLength('mul', 'y', y, x.length);
    checkLength('mul', 'out', out, x.length);
  },
  addRowVector(...[a, rows, cols, v]: Parameters<Backend['addRowVector']>): void {
    checkLength('addRowVector', 'a', a, rows * cols);
    checkLength('addRowVector', 'v', v, cols);
  },
  sumRows(...[a, rows, cols, _alpha, _beta, out]: Parameters<Backend['sumRows']>): void {
    checkLength('sumRows', 'a', a, rows * cols);
    checkLength('sumRows', 'out', out, cols);
  },
  colSumsAbs(...[a, rows, cols, out]: Parameters<Backend['colSumsAbs']>): void {
    checkLength('colSumsAbs', 'a', a, rows * cols);
    checkLength('colSumsAbs', 'out', out, cols);
  },
  rowSumsAbs(...[a, rows, cols, out]: Parameters<Backend['rowSumsAbs']>): void {
    checkLength('rowSumsAbs', 'a', a, rows * cols);
    checkLength('rowSumsAbs', 'out', out, rows);
  },
  gram(...[a, rows, cols, out]: Parameters<Backend['gram']>): void {
    checkLength('gram', 'a', a, rows * cols);
    checkLength('gram', 'out', out, cols * cols);
  },
  transpose01(...[a, d0, d1, inner, out]: Parameters<Backend['transpose01']>): void {
    checkLength('transpose01', 'a', a, d0 * d1 * inner);
    checkLength('transpose01', 'out', out, d0 * d1 * inner);
  },
  addChannelBias(...[a, n, c, hw, bias]: Parameters<Backend['addChannelBias']>): void {
    checkBatch('addChannelBias', n);
    checkLength('addChannelBias', 'a', a, n * c * hw);
    checkLength('addChannelBias', 'bias', bias, c);
  },
  sumChannels(...[a, n, c, hw, _alpha, _beta, out]: Parameters<Backend['sumChannels']>): void {
    checkBatch('sumChannels', n);
    checkLength('sumChannels', 'a', a, n * c * hw);
    checkLength('sumChannels', 'out', out, c);
  },
  crelu(...[x, n, c, hw, y]: Parameters<Backend['crelu']>): void {
    checkBatch('crelu', n);
    checkLength('crelu', 'x', x, n * c * hw);
    checkLength('crelu', 'y', y, 2 * n * c * hw);
  },
  creluBackward(...[x, dy, n, c, hw, dx]: Parameters<Backend['creluBackward']>): void {
    checkBatch('creluBackward', n);
    checkLength('creluBackward', 'x', x, n * c * hw);
    checkLength('creluBackward', 'dy', dy, 2 * n * c * hw);
    checkLength('creluBackward', 'dx', dx, n * c * hw);
  },
  maxPoolBackward(...[dy, argmax, n, c, h, w, oh, ow, dx]: Parameters<Backend['maxPoolBackward']>): void {
    checkBatch('maxPoolBackward', n);
    checkLength('maxPoolBackward', 'dy', dy, n * c * oh * ow);
    checkLength('maxPoolBackward', 'argmax', argmax, n * c * oh * ow);
    checkLength('maxPoolBackward', 'dx', dx, n * c * h * w);
  },
  globalAvgPool(...[x, n, c, hw, y]: Parameters<Backend['globalAvgPool']>): void {
    checkBatch('globalAvgPool', n);
    checkLength('globalAvgPool', 'x', x, n * c * hw);
    checkLength('globalAvgPool', 'y', y, n * c);
  },
  globalAvgPoolBackward(...[dy, n, c, hw, dx]: Parameters<Backend['globalAvgPoolBackward']>): void {
    checkBatch('globalAvgPoolBackward', n);
    checkLength('globalAvgPoolBackward', 'dy', dy, n * c);
    checkLength('globalAvgPoolBackward', 'dx', dx, n * c * hw);
  },
  batchNormTrain(...[x, n, c, hw, gamma, beta, _eps, _momentum, y, mean, invStd, runMean, runVar]: Parameters<Backend['batchNormTrain']>): void {
    checkBatch('batchNormTrain', n);
    checkLength('batchNormTrain', 'x', x, n * c * hw);
    checkLength('batchNormTrain', 'y', y, n * c * hw);
    checkLength('batchNormTrain', 'gamma', gamma, c);
    checkLength('batchNormTrain', 'beta', beta, c);
    checkLength('batchNormTrain', 'mean', mean, c);
    checkLength('batchNormTrain', 'invStd', invStd, c);
    checkLength('batchNormTrain', 'runMean', runMean, c);
    checkLength('batchNormTrain', 'runVar', runVar, c);
  },
  batchNormEval(...[x, n, c, hw, gamma, beta, runMean, runVar, _eps, y]: Parameters<Backend['batchNormEval']>): void {
    checkBatch('batchNormEval', n);
    checkLength('batchNormEval', 'x', x, n * c * hw);
    checkLength('batchNormEval', 'y', y, n * c * hw);
    checkLength('batchNormEval', 'gamma', gamma, c);
    checkLength('batchNormEval', 'beta', beta, c);
    checkLength('batchNormEval', 'runMean', runMean, c);
    checkLength('batchNormEval', 'runVar', runVar, c);
  },
  batchNormBackward(...[x, dy, n, c, hw, gamma, mean, invStd, dx, dgamma, dbeta]: Parameters<Backend['batchNormBackward']>): void {
    checkBatch('batchNormBackward', n);
    checkLength('batchNormBackward', 'x', x, n * c * hw);
    checkLength('batchNormBackward', 'dy', dy, n * c * hw);
    checkLength('batchNormBackward', 'dx', dx, n * c * hw);
    checkLength('batchNormBackward', 'gamma', gamma, c);
    checkLength('batchNormBackward', 'mean', mean, c);
    checkLength('batchNormBackward', 'invStd', invStd, c);
    checkLength('batchNormBackward', 'dgamma', dgamma, c);
    checkLength('batchNormBackward', 'dbeta', dbeta, c);
  },
  layerNorm(...[x, rows, cols, gamma, beta, _eps, y, mean, invStd]: Parameters<Backend['layerNorm']>): void {
    checkBatch('layerNorm', rows);
    checkLength('layerNorm', 'x', x, rows * cols);
    checkLength('layerNorm', 'y', y, rows * cols);
    checkLength('layerNorm', 'gamma', gamma, cols);
    checkLength('layerNorm', 'beta', beta, cols);
    checkLength('layerNorm', 'mean', mean, rows);
    checkLength('layerNorm', 'invStd', invStd, rows);
  },
  layerNormBackward(...[x, dy, rows, cols, gamma, mean, invStd, dx, dgamma, dbeta]: Parameters<Backend['layerNormBackward']>): void {
    checkBatch('layerNormBackward', rows);
    checkLength('layerNormBackward', 'x', x, rows * cols);
    checkLength('layerNormBackward', 'dy', dy, rows * cols);
    checkLength('layerNormBackward', 'dx', dx, rows * cols);
    checkLength('layerNormBackward', 'gamma', gamma, cols);
    checkLength('layerNormBackward', 'mean', mean, rows);
    checkLength('layerNormBackward', 'invStd', invStd, rows);
    checkLength('layerNormBackward', 'dgamma', dgamma, cols);
    checkLength('layerNormBackward', 'dbeta', dbeta, cols);
  },
  squaredError(...[pred, target, _scale, dpred]: Parameters<Backend['squaredError']>): void {
    checkLength('squaredError', 'target', target, pred.length);
    checkLength('squaredError', 'dpred', dpred, pred.length);
  },
  argmaxRows(...[a, rows, _cols, ld, out]: Parameters<Backend['argmaxRows']>): void {
    checkLength('argmaxRows', 'a', a, rows * ld);
    checkLength('argmaxRows', 'out', out, rows);
  },
  im2col(...[x, n, c, h, w, kh, kw, stride, pad, cols]: Parameters<Backend['im2col']>): void {
    convChecks('im2col', x, n, c, h, w, kh, kw, stride, pad, cols);
  },
  col2im(...[cols, n, c, h, w, kh, kw, stride, pad, x]: Parameters<Backend['col2im']>): void {
    convChecks('col2im', x, n, c, h, w, kh, kw, stride, pad, cols);
  },
  maxPool(...[x, n, c, h, w, k, stride, y, argmax]: Parameters<Backend['maxPool']>): void {
    checkBatch('maxPool', n);
    const outs = n * c * poolOut(h, k, stride) * poolOut(w, k, stride);
    checkLength('maxPool', 'x', x, n * c * h * w);
    checkLength('maxPool', 'y', y, outs);
    checkLength('maxPool', 'argmax', argmax, outs);
  },
  softmaxCrossEntropy(...[logits, labels, rows, cols, ld, _scale, dlogits]: Parameters<Backend['softmaxCrossEntropy']>): void {
    checkBatch('softmaxCrossEntropy', rows);
    if (cols < 1 || cols > ld) throw new Error(`softmaxCrossEntropy: cols = ${cols} must be in [1, ld = ${ld}]`);
    checkLength('softmaxCrossEntropy', 'logits', logits, rows * ld);
    checkLength('softmaxCrossEntropy', 'labels', labels, rows);
    checkLength('softmaxCrossEntropy', 'dlogits', dlogits, rows * ld);
  },
};

/** Output size of a convolution along one axis (PyTorch's floor rule). */
export function convOut(size: number, k: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

/** Output size of max pooling (no padding) along one axis. */
export function poolOut(size: number, k: number, stride: number): number {
  return Math.floor((size - k) / stride) + 1;
}

function convChecks(kernel: string, x: FloatArray, n: number, c: number, h: number, w: number, kh: number, kw: number, stride: number, pad: number, cols: FloatArray): void {
  checkBatch(kernel, n);
  checkLength(kernel, 'x', x, n * c * h * w);
  checkLength(kernel, 'cols', cols, c * kh * kw * n * convOut(h, kh, stride, pad) * convOut(w, kw, stride, pad));
}
