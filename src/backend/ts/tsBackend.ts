import type { FloatArrayConstructor } from '../../tensor/FloatArray.js';
import type { FloatArray } from '../../tensor/FloatArray.js';
import { Activation, type ActivationCode, type Backend } from '../Backend.js';
import { rowAbsSum } from './rowAbsSum.js';
import { denseReluStepByParts } from '../denseReluStepByParts.js';
import { linearBackwardByParts, linearForwardByParts } from '../linearByParts.js';
import { badPermutation, convOut, poolOut } from '../checks.js';
import { kernelChecks } from '../kernelTable.js';
import * as winograd from './winograd.js';
import { normalCdf, normalPdf } from './normalCdf.js';
import { shrinkAddNormalReference } from './shrinkAddNormal.js';
import { rotl32, xoshiroAdvance, xoshiroLanes } from './xoshiro128.js';

/**
 * The reference backend in plain TypeScript: simple loops, float64 accumulation, no tricks.
 * It is the oracle every other backend is tested against; `precision: 64` gives the float64 backend that
 * finite-difference gradient checks use.
 */
export function createTsBackend(precision: 32 | 64 = 32): Backend {
  const Arr: FloatArrayConstructor = precision === 64 ? Float64Array : Float32Array;
  const name = precision === 64 ? 'ts64' : 'ts';
  let gemmRow = new Float64Array(0); // gemm's row sums, grown to the widest product
  const backend: Backend = {
    name,
    description: `plain TypeScript (float${precision}), the reference`,

    alloc(n) {
      if (!Number.isInteger(n) || n < 0) throw new Error(`alloc: n = ${n} is not a non-negative integer`);
      return new Arr(n);
    },
    allocBytes(n) {
      if (!Number.isInteger(n) || n < 0) throw new Error(`allocBytes: n = ${n} is not a non-negative integer`);
      return new Uint8Array(n);
    },
    allocInt32(n) {
      if (!Number.isInteger(n) || n < 0) throw new Error(`allocInt32: n = ${n} is not a non-negative integer`);
      return new Int32Array(n);
    },
    free() {},
    owns: (a) => a instanceof Arr || a instanceof Uint8Array || a instanceof Int32Array,

    fill(y, value) {
      y.fill(value);
    },
    copy(x, y) {
      kernelChecks.copy(x, y);
      y.set(x);
    },
    scale(y, alpha) {
      for (let i = 0; i < y.length; i++) y[i] = alpha * y[i]!;
    },
    axpy(alpha, x, y) {
      kernelChecks.axpy(alpha, x, y);
      for (let i = 0; i < x.length; i++) y[i] = alpha * x[i]! + y[i]!;
    },
    axpby(alpha, x, beta, y) {
      kernelChecks.axpby(alpha, x, beta, y);
      if (beta === 0) for (let i = 0; i < x.length; i++) y[i] = alpha * x[i]!;
      else for (let i = 0; i < x.length; i++) y[i] = alpha * x[i]! + beta * y[i]!;
    },
    mul(x, y, out) {
      kernelChecks.mul(x, y, out);
      for (let i = 0; i < x.length; i++) out[i] = x[i]! * y[i]!;
    },
    sum(x) {
      let s = 0;
      for (let i = 0; i < x.length; i++) s += x[i]!;
      return s;
    },
    sumAbs(x) {
      let s = 0;
      for (let i = 0; i < x.length; i++) s += Math.abs(x[i]!);
      return s;
    },
    sumAbsDiffAndCopy(x, copy) {
      kernelChecks.sumAbsDiffAndCopy(x, copy);
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        s += Math.abs(x[i]! - copy[i]!);
        copy[i] = x[i]!;
      }
      return s;
    },
    sumSquares(x) {
      let s = 0;
      for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
      return s;
    },
    dot(x, y) {
      kernelChecks.dot(x, y);
      let s = 0;
      for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
      return s;
    },
    hasNonFinite(x) {
      for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return true;
      return false;
    },

    gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      kernelChecks.gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
      // One row's float64 sums, kept across calls (a new array per product was the step's garbage).
      if (gemmRow.length < n) gemmRow = new Float64Array(n);
      const acc = gemmRow;
      for (let i = 0; i < m; i++) {
        acc.fill(0, 0, n);
        for (let p = 0; p < k; p++) {
          const av = transA ? a[p * m + i]! : a[i * k + p]!;
          if (av === 0) continue;
          if (transB) for (let j = 0; j < n; j++) acc[j]! += av * b[j * k + p]!;
          else {
            const row = p * n;
            for (let j = 0; j < n; j++) acc[j]! += av * b[row + j]!;
          }
        }
        const row = i * n;
        if (beta === 0) for (let j = 0; j < n; j++) c[row + j] = alpha * acc[j]!;
        else for (let j = 0; j < n; j++) c[row + j] = alpha * acc[j]! + beta * c[row + j]!;
      }
    },
    // Explicit parameters, not rest arguments: an arguments array per call is garbage every step.
    linearForward(n, outFeatures, inFeatures, x, w, bias, y) {
      kernelChecks.linearForward(n, outFeatures, inFeatures, x, w, bias, y);
      linearForwardByParts(this, n, outFeatures, inFeatures, x, w, bias, y);
    },
    linearBackward(n, outFeatures, inFeatures, dy, x, w, dx, wAlpha, wBeta, wBuf, biasAlpha, biasBeta, biasBuf) {
      kernelChecks.linearBackward(n, outFeatures, inFeatures, dy, x, w, dx, wAlpha, wBeta, wBuf, biasAlpha, biasBeta, biasBuf);
      linearBackwardByParts(this, n, outFeatures, inFeatures, dy, x, w, dx, wAlpha, wBeta, wBuf, biasAlpha, biasBeta, biasBuf);
    },
    denseReluStep(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, changes, rowAbsSums) {
      kernelChecks.denseReluStep(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, changes, rowAbsSums);
      return denseReluStepByParts(this, sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, changes, undefined, rowAbsSums);
    },
    denseReluStepDeferred(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, pending, pendingAlpha, pendingBeta, apply) {
      kernelChecks.denseReluStepDeferred(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, pending, pendingAlpha, pendingBeta, apply);
      return denseReluStepByParts(this, sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, undefined, { pending, alpha: pendingAlpha, beta: pendingBeta, apply });
    },
    addRowVector(a, rows, cols, v) {
      kernelChecks.addRowVector(a, rows, cols, v);
      for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) a[r * cols + j]! += v[j]!;
    },
    sumRows(a, rows, cols, alpha, beta, out) {
      kernelChecks.sumRows(a, rows, cols, alpha, beta, out);
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s += a[r * cols + j]!;
        out[j] = beta === 0 ? alpha * s : alpha * s + beta * out[j]!;
      }
    },
    colSumsAbs(a, rows, cols, out) {
      kernelChecks.colSumsAbs(a, rows, cols, out);
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s += Math.abs(a[r * cols + j]!);
        out[j] = s;
      }
    },
    rowSumsAbs(a, rows, cols, out) {
      kernelChecks.rowSumsAbs(a, rows, cols, out);
      for (let r = 0; r < rows; r++) out[r] = rowAbsSum(a, r * cols, cols);
    },
    cbpUtility(units, rowsOut, wOut, h, inSize, wIn, decay, maturity, withMean, state, colSum, rowSum) {
      kernelChecks.cbpUtility(units, rowsOut, wOut, h, inSize, wIn, decay, maturity, withMean, state, colSum, rowSum);
      const utility = state.subarray(0, units), age = state.subarray(units, 2 * units), power = state.subarray(2 * units, 3 * units);
      const mean = withMean ? state.subarray(3 * units, 4 * units) : null, corrected = withMean ? state.subarray(4 * units, 5 * units) : null;
      // The sums as colSumsAbs and rowSumsAbs compute them.
      if (wOut) {
        for (let j = 0; j < units; j++) {
          let s = 0;
          for (let r = 0; r < rowsOut; r++) s += Math.abs(wOut[r * units + j]!);
          colSum[j] = s;
        }
      }
      if (wIn) {
        for (let r = 0; r < units; r++) rowSum![r] = rowAbsSum(wIn, r * inSize, inSize);
      }
      let mature = 0;
      for (let i = 0; i < units; i++) {
        const a = age[i]! + 1;
        age[i] = a;
        const pw = power[i]! * decay;
        power[i] = pw;
        if (a > maturity) mature++;
        const x = h[i]!;
        let mc = 0;
        if (mean) {
          // 0 + x: the mean over one example as a sum computes it (-0 becomes 0).
          const mi = decay * mean[i]! + (1 - decay) * (0 + x);
          mean[i] = mi;
          mc = mi / (1 - pw);
          corrected![i] = mc;
        }
        let y: number;
        if (rowSum) {
          const v = (Math.abs(x - mc) * colSum[i]!) / rowsOut;
          const inMag = rowSum![i]! / inSize;
          y = inMag > 0 ? v / inMag : v > 0 ? Infinity : 0;
        } else y = Math.abs(x) * colSum[i]!;
        utility[i] = decay * utility[i]! + (1 - decay) * y;
      }
      return mature;
    },
    gram(a, rows, cols, out) {
      kernelChecks.gram(a, rows, cols, out);
      out.fill(0);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        for (let i = 0; i < cols; i++) {
          const ai = a[o + i]!;
          if (ai === 0) continue;
          for (let j = i; j < cols; j++) out[i * cols + j]! += ai * a[o + j]!;
        }
      }
      for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) out[i * cols + j] = out[j * cols + i]!;
    },
    transpose01(a, d0, d1, inner, out) {
      kernelChecks.transpose01(a, d0, d1, inner, out);
      for (let i = 0; i < d0; i++)
        for (let j = 0; j < d1; j++) {
          const src = (i * d1 + j) * inner;
          const dst = (j * d0 + i) * inner;
          for (let s = 0; s < inner; s++) out[dst + s] = a[src + s]!;
        }
    },

    transpose01AddBias(a, d0, d1, inner, bias, out) {
      kernelChecks.transpose01AddBias(a, d0, d1, inner, bias, out);
      for (let i = 0; i < d0; i++) {
        const v = bias[i]!;
        for (let j = 0; j < d1; j++) {
          const src = (i * d1 + j) * inner;
          const dst = (j * d0 + i) * inner;
          for (let s = 0; s < inner; s++) out[dst + s] = a[src + s]! + v;
        }
      }
    },
    transpose01SumChannels(a, d0, d1, inner, out, alpha, beta, sums) {
      kernelChecks.transpose01SumChannels(a, d0, d1, inner, out, alpha, beta, sums);
      // The reference is the two kernels it fuses.
      backend.transpose01(a, d0, d1, inner, out);
      backend.sumChannels(a, d0, d1, inner, alpha, beta, sums);
    },

    addChannelBias(a, n, c, hw, bias) {
      kernelChecks.addChannelBias(a, n, c, hw, bias);
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < c; ch++) {
          const o = (b * c + ch) * hw;
          const v = bias[ch]!;
          for (let s = 0; s < hw; s++) a[o + s]! += v;
        }
    },
    sumChannels(a, n, c, hw, alpha, beta, out) {
      kernelChecks.sumChannels(a, n, c, hw, alpha, beta, out);
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let b = 0; b < n; b++) {
          const o = (b * c + ch) * hw;
          for (let k = 0; k < hw; k++) s += a[o + k]!;
        }
        out[ch] = beta === 0 ? alpha * s : alpha * s + beta * out[ch]!;
      }
    },

    activation(kind, x, y, param) {
      kernelChecks.activation(kind, x, y, param);
      const f = forwardFn(kind, param);
      for (let i = 0; i < x.length; i++) y[i] = f(x[i]!);
    },
    activationBackward(kind, x, y, dy, dx, param) {
      kernelChecks.activationBackward(kind, x, y, dy, dx, param);
      const n = dy.length;
      const d = derivativeFn(kind, param);
      for (let i = 0; i < n; i++) dx[i] = d(x[i]!, y[i]!) * dy[i]!;
    },
    crelu(x, n, c, hw, y) {
      kernelChecks.crelu(x, n, c, hw, y);
      for (let b = 0; b < n; b++)
        for (let k = 0; k < c; k++)
          for (let s = 0; s < hw; s++) {
            const v = x[(b * c + k) * hw + s]!;
            y[(b * 2 * c + k) * hw + s] = v > 0 ? v : 0;
            y[(b * 2 * c + c + k) * hw + s] = v < 0 ? -v : 0;
          }
    },
    creluBackward(x, dy, n, c, hw, dx) {
      kernelChecks.creluBackward(x, dy, n, c, hw, dx);
      for (let b = 0; b < n; b++)
        for (let k = 0; k < c; k++)
          for (let s = 0; s < hw; s++) {
            const i = (b * c + k) * hw + s;
            const v = x[i]!;
            dx[i] = v > 0 ? dy[(b * 2 * c + k) * hw + s]! : v < 0 ? -dy[(b * 2 * c + c + k) * hw + s]! : 0;
          }
    },

    im2col(x, n, c, h, w, kh, kw, stride, pad, cols) {
      kernelChecks.im2col(x, n, c, h, w, kh, kw, stride, pad, cols);
      const oh = convOut(h, kh, stride, pad);
      const ow = convOut(w, kw, stride, pad);
      const ncol = n * oh * ow;
      for (let ch = 0; ch < c; ch++)
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const row = ((ch * kh + ky) * kw + kx) * ncol;
            for (let b = 0; b < n; b++)
              for (let oy = 0; oy < oh; oy++) {
                const iy = oy * stride + ky - pad;
                for (let ox = 0; ox < ow; ox++) {
                  const ix = ox * stride + kx - pad;
                  const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                  cols[row + (b * oh + oy) * ow + ox] = inside ? x[((b * c + ch) * h + iy) * w + ix]! : 0;
                }
              }
          }
    },
    winogradInput(x, n, c, h, w, pad, v) {
      kernelChecks.winogradInput(x, n, c, h, w, pad, v);
      winograd.winogradInput(x, n, c, h, w, pad, v);
    },
    winogradOutput(m, n, c, oh, ow, bias, y) {
      kernelChecks.winogradOutput(m, n, c, oh, ow, bias, y);
      winograd.winogradOutput(m, n, c, oh, ow, bias, y);
    },
    winogradFilter(w, outC, inC, u) {
      kernelChecks.winogradFilter(w, outC, inC, u);
      winograd.winogradFilter(w, outC, inC, u);
    },
    winogradOutputAdjoint(dy, n, c, oh, ow, dm) {
      kernelChecks.winogradOutputAdjoint(dy, n, c, oh, ow, dm);
      winograd.winogradOutputAdjoint(dy, n, c, oh, ow, dm);
    },
    winogradFilterAdjoint(du, outC, inC, alpha, beta, dw) {
      kernelChecks.winogradFilterAdjoint(du, outC, inC, alpha, beta, dw);
      winograd.winogradFilterAdjoint(du, outC, inC, alpha, beta, dw);
    },
    col2im(cols, n, c, h, w, kh, kw, stride, pad, x) {
      kernelChecks.col2im(cols, n, c, h, w, kh, kw, stride, pad, x);
      const oh = convOut(h, kh, stride, pad);
      const ow = convOut(w, kw, stride, pad);
      x.fill(0, 0, n * c * h * w);
      const ncol = n * oh * ow;
      for (let ch = 0; ch < c; ch++)
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const row = ((ch * kh + ky) * kw + kx) * ncol;
            for (let b = 0; b < n; b++)
              for (let oy = 0; oy < oh; oy++) {
                const iy = oy * stride + ky - pad;
                if (iy < 0 || iy >= h) continue;
                for (let ox = 0; ox < ow; ox++) {
                  const ix = ox * stride + kx - pad;
                  if (ix < 0 || ix >= w) continue;
                  x[((b * c + ch) * h + iy) * w + ix]! += cols[row + (b * oh + oy) * ow + ox]!;
                }
              }
          }
    },
    maxPool(x, n, c, h, w, k, stride, y, argmax) {
      kernelChecks.maxPool(x, n, c, h, w, k, stride, y, argmax);
      const ohw = poolOut(h, k, stride) * poolOut(w, k, stride);
      for (let p = 0; p < n * c; p++) poolPlane(x, p * h * w, h, w, k, stride, y, argmax, p * ohw);
    },
    maxPoolBackward(dy, argmax, n, c, h, w, oh, ow, dx) {
      kernelChecks.maxPoolBackward(dy, argmax, n, c, h, w, oh, ow, dx);
      let bad = 0;
      for (let p = 0; p < n * c; p++) bad += unpoolPlane(dy, argmax, p * oh * ow, oh * ow, h * w, dx, p * h * w);
      if (bad !== 0) throw new Error(`maxPoolBackward: ${bad} argmax value(s) are not an index of a ${h}x${w} plane`);
    },
    maxPoolCnhw(a, c, n, h, w, k, stride, bias, y, argmax) {
      kernelChecks.maxPoolCnhw(a, c, n, h, w, k, stride, bias, y, argmax);
      const hw = h * w, ohw = poolOut(h, k, stride) * poolOut(w, k, stride);
      if (bias) for (let ch = 0; ch < c; ch++) for (let i = ch * n * hw; i < (ch + 1) * n * hw; i++) a[i]! += bias[ch]!;
      for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) poolPlane(a, (ch * n + b) * hw, h, w, k, stride, y, argmax, (b * c + ch) * ohw);
    },
    maxPoolBackwardCnhw(dy, argmax, n, c, h, w, oh, ow, dx, alpha, beta, sums) {
      kernelChecks.maxPoolBackwardCnhw(dy, argmax, n, c, h, w, oh, ow, dx, alpha, beta, sums);
      const hw = h * w, ohw = oh * ow;
      let bad = 0;
      for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) bad += unpoolPlane(dy, argmax, (b * c + ch) * ohw, ohw, hw, dx, (ch * n + b) * hw);
      if (bad !== 0) throw new Error(`maxPoolBackwardCnhw: ${bad} argmax value(s) are not an index of a ${h}x${w} plane`);
      // sumChannels' order: channel ch of dx is contiguous here, images in order.
      if (sums) backend.sumChannels(dx, 1, c, n * hw, alpha, beta, sums);
    },
    globalAvgPool(x, n, c, hw, y) {
      kernelChecks.globalAvgPool(x, n, c, hw, y);
      for (let p = 0; p < n * c; p++) {
        let s = 0;
        for (let k = 0; k < hw; k++) s += x[p * hw + k]!;
        y[p] = s / hw;
      }
    },
    globalAvgPoolBackward(dy, n, c, hw, dx) {
      kernelChecks.globalAvgPoolBackward(dy, n, c, hw, dx);
      for (let p = 0; p < n * c; p++) {
        const v = dy[p]! / hw;
        for (let k = 0; k < hw; k++) dx[p * hw + k] = v;
      }
    },

    batchNormTrain(x, n, c, hw, gamma, beta, eps, momentum, y, mean, invStd, runMean, runVar) {
      kernelChecks.batchNormTrain(x, n, c, hw, gamma, beta, eps, momentum, y, mean, invStd, runMean, runVar);
      const count = n * hw;
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let b = 0; b < n; b++) for (let k = 0; k < hw; k++) s += x[(b * c + ch) * hw + k]!;
        const mu = s / count;
        let ss = 0;
        for (let b = 0; b < n; b++)
          for (let k = 0; k < hw; k++) {
            const d = x[(b * c + ch) * hw + k]! - mu;
            ss += d * d;
          }
        const variance = ss / count;
        const is = 1 / Math.sqrt(variance + eps);
        mean[ch] = mu;
        invStd[ch] = is;
        const g = gamma[ch]!, bt = beta[ch]!;
        for (let b = 0; b < n; b++)
          for (let k = 0; k < hw; k++) {
            const i = (b * c + ch) * hw + k;
            y[i] = g * (x[i]! - mu) * is + bt;
          }
        const unbiased = count > 1 ? (ss / (count - 1)) : variance;
        runMean[ch] = (1 - momentum) * runMean[ch]! + momentum * mu;
        runVar[ch] = (1 - momentum) * runVar[ch]! + momentum * unbiased;
      }
    },
    batchNormEval(x, n, c, hw, gamma, beta, runMean, runVar, eps, y) {
      kernelChecks.batchNormEval(x, n, c, hw, gamma, beta, runMean, runVar, eps, y);
      for (let ch = 0; ch < c; ch++) {
        const is = 1 / Math.sqrt(runVar[ch]! + eps);
        const g = gamma[ch]! * is;
        const sh = beta[ch]! - runMean[ch]! * g;
        for (let b = 0; b < n; b++)
          for (let k = 0; k < hw; k++) {
            const i = (b * c + ch) * hw + k;
            y[i] = x[i]! * g + sh;
          }
      }
    },
    batchNormBackward(x, dy, n, c, hw, gamma, mean, invStd, dx, dgamma, dbeta) {
      kernelChecks.batchNormBackward(x, dy, n, c, hw, gamma, mean, invStd, dx, dgamma, dbeta);
      const count = n * hw;
      for (let ch = 0; ch < c; ch++) {
        const mu = mean[ch]!, is = invStd[ch]!;
        let sdy = 0, sdyx = 0;
        for (let b = 0; b < n; b++)
          for (let k = 0; k < hw; k++) {
            const i = (b * c + ch) * hw + k;
            sdy += dy[i]!;
            sdyx += dy[i]! * (x[i]! - mu) * is;
          }
        dgamma[ch] = sdyx;
        dbeta[ch] = sdy;
        const f = gamma[ch]! * is / count;
        for (let b = 0; b < n; b++)
          for (let k = 0; k < hw; k++) {
            const i = (b * c + ch) * hw + k;
            const xh = (x[i]! - mu) * is;
            dx[i] = f * (count * dy[i]! - sdy - xh * sdyx);
          }
      }
    },
    layerNorm(x, rows, cols, gamma, beta, eps, y, mean, invStd) {
      kernelChecks.layerNorm(x, rows, cols, gamma, beta, eps, y, mean, invStd);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        let s = 0;
        for (let j = 0; j < cols; j++) s += x[o + j]!;
        const mu = s / cols;
        let ss = 0;
        for (let j = 0; j < cols; j++) {
          const d = x[o + j]! - mu;
          ss += d * d;
        }
        const is = 1 / Math.sqrt(ss / cols + eps);
        mean[r] = mu;
        invStd[r] = is;
        for (let j = 0; j < cols; j++) y[o + j] = gamma[j]! * (x[o + j]! - mu) * is + beta[j]!;
      }
    },
    layerNormBackward(x, dy, rows, cols, gamma, mean, invStd, dx, dgamma, dbeta) {
      kernelChecks.layerNormBackward(x, dy, rows, cols, gamma, mean, invStd, dx, dgamma, dbeta);
      dgamma.fill(0, 0, cols);
      dbeta.fill(0, 0, cols);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        const mu = mean[r]!, is = invStd[r]!;
        let sd = 0, sdx = 0;
        for (let j = 0; j < cols; j++) {
          const xh = (x[o + j]! - mu) * is;
          const d = dy[o + j]! * gamma[j]!;
          sd += d;
          sdx += d * xh;
          dgamma[j]! += dy[o + j]! * xh;
          dbeta[j]! += dy[o + j]!;
        }
        for (let j = 0; j < cols; j++) {
          const xh = (x[o + j]! - mu) * is;
          const d = dy[o + j]! * gamma[j]!;
          dx[o + j] = (is / cols) * (cols * d - sd - xh * sdx);
        }
      }
    },

    softmaxRows(x, rows, cols, causal, y) {
      kernelChecks.softmaxRows(x, rows, cols, causal, y);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        // Columns past `seen` are masked (causal attention: a position reads itself and the ones before).
        const seen = causal ? (r % cols) + 1 : cols;
        let mx = -Infinity;
        for (let j = 0; j < seen; j++) mx = Math.max(mx, x[o + j]!);
        let z = 0;
        for (let j = 0; j < seen; j++) z += Math.exp(x[o + j]! - mx);
        for (let j = 0; j < seen; j++) y[o + j] = Math.exp(x[o + j]! - mx) / z;
        for (let j = seen; j < cols; j++) y[o + j] = 0;
      }
    },
    softmaxRowsBackward(y, dy, rows, cols, dx) {
      kernelChecks.softmaxRowsBackward(y, dy, rows, cols, dx);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        let s = 0;
        for (let j = 0; j < cols; j++) s += y[o + j]! * dy[o + j]!;
        for (let j = 0; j < cols; j++) dx[o + j] = y[o + j]! * (dy[o + j]! - s);
      }
    },

    attentionForward(qkv, n, tokens, heads, headDim, causal, scale, probs, out) {
      kernelChecks.attentionForward(qkv, n, tokens, heads, headDim, causal, scale, probs, out);
      const T = tokens, dh = headDim, D = heads * dh, D3 = 3 * D;
      const s = new Float64Array(T);
      for (let e = 0; e < n; e++) {
        for (let h = 0; h < heads; h++) {
          const q0 = e * T * D3 + h * dh, k0 = q0 + D, v0 = q0 + 2 * D;
          for (let i = 0; i < T; i++) {
            // Keys past `seen` are masked: a query reads its own position and the ones before.
            const seen = causal ? i + 1 : T;
            let mx = -Infinity;
            for (let j = 0; j < seen; j++) {
              let dot = 0;
              for (let d = 0; d < dh; d++) dot += qkv[q0 + i * D3 + d]! * qkv[k0 + j * D3 + d]!;
              s[j] = scale * dot;
              mx = Math.max(mx, s[j]!);
            }
            let z = 0;
            for (let j = 0; j < seen; j++) z += Math.exp(s[j]! - mx);
            const p0 = ((e * heads + h) * T + i) * T;
            for (let j = 0; j < seen; j++) probs[p0 + j] = Math.exp(s[j]! - mx) / z;
            for (let j = seen; j < T; j++) probs[p0 + j] = 0;
            const o0 = (e * T + i) * D + h * dh;
            for (let d = 0; d < dh; d++) {
              let acc = 0;
              for (let j = 0; j < seen; j++) acc += probs[p0 + j]! * qkv[v0 + j * D3 + d]!;
              out[o0 + d] = acc;
            }
          }
        }
      }
    },
    attentionBackward(qkv, probs, dOut, n, tokens, heads, headDim, causal, scale, dQkv) {
      kernelChecks.attentionBackward(qkv, probs, dOut, n, tokens, heads, headDim, causal, scale, dQkv);
      const T = tokens, dh = headDim, D = heads * dh, D3 = 3 * D;
      const ds = new Float64Array(T * T);
      for (let e = 0; e < n; e++) {
        for (let h = 0; h < heads; h++) {
          const q0 = e * T * D3 + h * dh, k0 = q0 + D, v0 = q0 + 2 * D;
          const pp = (e * heads + h) * T * T;
          const o0 = e * T * D + h * dh;
          // dS = P (dP - rowsum(P dP)) with dP = dO V^T; masked entries have P = 0.
          for (let i = 0; i < T; i++) {
            const seen = causal ? i + 1 : T;
            let rs = 0;
            for (let j = 0; j < seen; j++) {
              let dp = 0;
              for (let d = 0; d < dh; d++) dp += dOut[o0 + i * D + d]! * qkv[v0 + j * D3 + d]!;
              ds[i * T + j] = dp;
              rs += probs[pp + i * T + j]! * dp;
            }
            for (let j = 0; j < T; j++) ds[i * T + j] = j < seen ? probs[pp + i * T + j]! * (ds[i * T + j]! - rs) : 0;
          }
          for (let t = 0; t < T; t++) {
            for (let d = 0; d < dh; d++) {
              let dq = 0, dk = 0, dv = 0;
              for (let u = 0; u < T; u++) {
                dq += ds[t * T + u]! * qkv[k0 + u * D3 + d]!; // dQ_t = scale sum_u dS[t, u] K_u
                dk += ds[u * T + t]! * qkv[q0 + u * D3 + d]!; // dK_t = scale sum_u dS[u, t] Q_u
                dv += probs[pp + u * T + t]! * dOut[o0 + u * D + d]!; // dV_t = sum_u P[u, t] dO_u
              }
              dQkv[q0 + t * D3 + d] = scale * dq;
              dQkv[k0 + t * D3 + d] = scale * dk;
              dQkv[v0 + t * D3 + d] = dv;
            }
          }
        }
      }
    },

    softmaxCrossEntropy(logits, labels, rows, cols, ld, scale, dlogits) {
      kernelChecks.softmaxCrossEntropy(logits, labels, rows, cols, ld, scale, dlogits);
      let total = 0;
      for (let r = 0; r < rows; r++) {
        const o = r * ld;
        const label = labels[r]!; // a class index (checked)
        let mx = -Infinity;
        for (let j = 0; j < cols; j++) mx = Math.max(mx, logits[o + j]!);
        let z = 0;
        for (let j = 0; j < cols; j++) z += Math.exp(logits[o + j]! - mx);
        const lse = mx + Math.log(z);
        total += lse - logits[o + label]!;
        for (let j = 0; j < cols; j++) dlogits[o + j] = scale * (Math.exp(logits[o + j]! - lse) - (j === label ? 1 : 0));
        for (let j = cols; j < ld; j++) dlogits[o + j] = 0;
      }
      return total;
    },
    squaredError(pred, target, scale, dpred) {
      kernelChecks.squaredError(pred, target, scale, dpred);
      let s = 0;
      for (let i = 0; i < pred.length; i++) {
        const d = pred[i]! - target[i]!;
        s += d * d;
        dpred[i] = scale * 2 * d;
      }
      return s;
    },
    argmaxRows(a, rows, cols, ld, out) {
      kernelChecks.argmaxRows(a, rows, cols, ld, out);
      for (let r = 0; r < rows; r++) {
        let best = -Infinity, at = 0;
        for (let j = 0; j < cols; j++) {
          const v = a[r * ld + j]!;
          if (v > best) {
            best = v;
            at = j;
          }
        }
        out[r] = at;
      }
    },

    encodeBytes(src, srcOffset, n, plane, lut, perm, out, outOffset) {
      kernelChecks.encodeBytes(src, srcOffset, n, plane, lut, perm, out, outOffset);
      for (let j = 0; j < n; j++) {
        const s = perm ? perm[j]! : j;
        if (!(s >= 0 && s < n)) throw badPermutation(n);
        out[outOffset + j] = lut[Math.floor(s / plane) * 256 + src[srcOffset + s]!]!;
      }
    },

    addNormal(y, sigma, seeds) {
      kernelChecks.addNormal(y, sigma, seeds);
      // The four lane streams of the kernel, with float64 math.
      const st = xoshiroLanes(seeds, 4);
      // xoshiro128**: the output is rotl(s1 * 5, 7) * 9 before the step.
      const next = (w: number[]): number => {
        const r = Math.imul(rotl32(Math.imul(w[1]!, 5), 7), 9) >>> 0;
        xoshiroAdvance(w);
        return r;
      };
      const n = y.length;
      for (let i = 0; i < n; i += 8) {
        const a = st.map((w) => next(w));
        const b = st.map((w) => next(w));
        for (let lane = 0; lane < 4; lane++) {
          const u1 = ((a[lane]! >>> 8) + 1) * 5.9604644775390625e-8;
          const u2 = (b[lane]! >>> 8) * 5.9604644775390625e-8;
          const r = Math.sqrt(-2 * Math.log(u1));
          const t = 2 * Math.PI * (u2 - 0.5);
          if (i + lane < n) y[i + lane] = y[i + lane]! + sigma * r * Math.cos(t);
          if (i + 4 + lane < n) y[i + 4 + lane] = y[i + 4 + lane]! + sigma * r * Math.sin(t);
        }
      }
    },

    shrinkAddNormal(y, shrink, sigma, seeds) {
      kernelChecks.shrinkAddNormal(y, shrink, sigma, seeds);
      shrinkAddNormalReference(y, shrink, sigma, seeds);
    },

    adam(g, m, v, p1, p2, b1, b2, eps) {
      kernelChecks.adam(g, m, v, p1, p2, b1, b2, eps);
      const n = g.length;
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const mi = b1 * m[i]! + (1 - b1) * gi;
        const vi = b2 * v[i]! + (1 - b2) * gi * gi;
        const q1 = p1[i]! * b1;
        const q2 = p2[i]! * b2;
        m[i] = mi;
        v[i] = vi;
        p1[i] = q1;
        p2[i] = q2;
        g[i] = mi / (1 - q1) / (Math.sqrt(vi / (1 - q2)) + eps);
      }
    },
    momentum(g, buf, mu, nesterov) {
      kernelChecks.momentum(g, buf, mu, nesterov);
      for (let i = 0; i < g.length; i++) {
        const b = mu * buf[i]! + g[i]!;
        buf[i] = b;
        g[i] = nesterov ? g[i]! + mu * b : b;
      }
    },
  };
  return backend;
}

/** The scalar forward function of an activation (float64; shared with gradient checks). */
export function forwardFn(kind: ActivationCode, param: number): (x: number) => number {
  switch (kind) {
    case Activation.identity:
      return identity;
    case Activation.relu:
      return relu;
    case Activation.leakyRelu:
      return (x) => (x > 0 ? x : param * x);
    case Activation.tanh:
      return Math.tanh;
    case Activation.sigmoid:
      return sigmoid;
    case Activation.elu:
      return (x) => (x > 0 ? x : param * Math.expm1(x));
    case Activation.swish:
      return swish;
    case Activation.gelu:
      return gelu;
    default:
      throw new Error(`activation: unknown kind ${kind as number}`);
  }
}

/** f'(x) given x and y = f(x). */
export function derivativeFn(kind: ActivationCode, param: number): (x: number, y: number) => number {
  switch (kind) {
    case Activation.identity:
      return identityDerivative;
    case Activation.relu:
      return reluDerivative;
    case Activation.leakyRelu:
      return (x) => (x > 0 ? 1 : param);
    case Activation.tanh:
      return tanhDerivative;
    case Activation.sigmoid:
      return sigmoidDerivative;
    case Activation.elu:
      return (x, y) => (x > 0 ? 1 : y + param);
    case Activation.swish:
      return swishDerivative;
    case Activation.gelu:
      return geluDerivative;
    default:
      throw new Error(`activation: unknown kind ${kind as number}`);
  }
}

// The activations (and derivatives) without a parameter, made once: forwardFn / derivativeFn run on every call of
// activation / activationBackward, and a new closure each time was garbage.
/** Max pooling of the h x w plane of x at xOff into y and argmax at yOff (argmax: the index within the plane). */
function poolPlane(x: FloatArray, xOff: number, h: number, w: number, k: number, stride: number, y: FloatArray, argmax: FloatArray, yOff: number): void {
  const oh = poolOut(h, k, stride);
  const ow = poolOut(w, k, stride);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++) {
      let best = -Infinity;
      let at = oy * stride * w + ox * stride;
      for (let ky = 0; ky < k; ky++)
        for (let kx = 0; kx < k; kx++) {
          const idx = (oy * stride + ky) * w + ox * stride + kx;
          const v = x[xOff + idx]!;
          // NaN propagates (as in PyTorch): the first NaN of a window wins.
          // biome-ignore lint/suspicious/noSelfCompare: a NaN test without a call in the reference's inner loop
          if (v > best || (v !== v && best === best)) {
            best = v;
            at = idx;
          }
        }
      const o = yOff + oy * ow + ox;
      y[o] = best;
      argmax[o] = at;
    }
}

/** dx plane at dxOff (hw values) = 0, then += the ohw gradients at dyOff at their argmax; returns the count of bad argmax values. */
function unpoolPlane(dy: FloatArray, argmax: FloatArray, dyOff: number, ohw: number, hw: number, dx: FloatArray, dxOff: number): number {
  dx.fill(0, dxOff, dxOff + hw);
  let bad = 0;
  for (let o = 0; o < ohw; o++) {
    const at = argmax[dyOff + o]!;
    // An index outside the plane would write into another plane (or past the array in WASM).
    if (!(at >= 0 && at < hw && Number.isInteger(at))) {
      bad++;
      continue;
    }
    dx[dxOff + at]! += dy[dyOff + o]!;
  }
  return bad;
}

const identity = (x: number): number => x;
const relu = (x: number): number => (x > 0 ? x : 0);
const swish = (x: number): number => x * sigmoid(x);
// Infinite inputs: Phi gives 1 or 0 and -Infinity * 0 would be NaN.
const gelu = (x: number): number => (x === -Infinity ? 0 : x * normalCdf(x));
const identityDerivative = (): number => 1;
const reluDerivative = (x: number): number => (x > 0 ? 1 : 0);
const tanhDerivative = (_x: number, y: number): number => 1 - y * y;
const sigmoidDerivative = (_x: number, y: number): number => y * (1 - y);
const swishDerivative = (x: number, y: number): number => {
  const s = sigmoid(x);
  return s + y * (1 - s);
};
// Phi(x) + x phi(x); x phi(x) is 0 at +-Infinity (and NaN for NaN).
const geluDerivative = (x: number): number => normalCdf(x) + (Number.isFinite(x) ? x * normalPdf(x) : Number.isNaN(x) ? NaN : 0);

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
