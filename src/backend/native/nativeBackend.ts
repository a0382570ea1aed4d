import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../Backend.js';
import type { FloatArray } from '../../tensor/FloatArray.js';
import { checkGemm, checkLength } from '../checks.js';
import { kernelChecks } from '../kernelTable.js';
import { attentionByGemm } from '../attentionByGemm.js';
import { linearBackwardByParts, linearForwardByParts } from '../linearByParts.js';
import { DenseStepRecords } from '../wasm/DenseStepRecords.js';
import { createWasmBackend } from '../wasm/wasmBackend.js';
import type { WasmMemory } from '../wasm/WasmMemory.js';

/** Where `npm ci` / `npm run build:native` (scripts/build-native.mjs) puts the addon. */
export const nativeAddonPath = fileURLToPath(new URL('../../../../native/build/Release/supple_native.node', import.meta.url));

/** What the BLAS library reports about itself. */
export interface NativeInfo {
  /** 'OpenBLAS', 'Accelerate', or 'BLAS' (another library). */
  readonly library: string;
  /** OpenBLAS's build string, e.g. 'OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64'. */
  readonly config: string;
  /** The CPU kernel set OpenBLAS picked ('' when unknown). */
  readonly core: string;
  /** BLAS threads in effect (0 when the library does not say, as Accelerate). */
  readonly threads: number;
  /**
   * The instruction set of the addon's own kernels (one example's matrix-vector product, rank-1 update and dense
   * layer; column sums of |W|), picked when it loads: 'AVX-512', 'AVX2' or 'baseline' (then the BLAS's sgemv for
   * the product). SUPPLE_NATIVE_ISA=avx2|baseline caps it.
   */
  readonly vectorKernels: string;
}

/** native/supple_native.cc. Every function checks its arguments and throws on bad input. */
export interface Addon {
  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array): void;
  gram(a: Float32Array, rows: number, cols: number, out: Float64Array): void;
  dsyevd(a: Float64Array, n: number): Float64Array;
  gesdd(a: Float32Array | Float64Array, m: number, n: number): Float64Array;
  setThreads(n: number): number;
  /** Sets the size (weights) from which one example's dense layer is split between two threads; returns the previous one. */
  setLayerSplitFrom(weights: number): number;
  info(): NativeInfo;
  /** Record the address and size of a memory (a Float32Array over all of it); id -1 registers a new one. */
  registerMemory(view: Float32Array, id: number): number;
  /** One example through a dense layer, on a registered memory; arrays are byte offsets (-1: none). */
  linearForward1(memory: number, out: number, inp: number, x: number, w: number, bias: number, y: number): void;
  linearBackward1(memory: number, out: number, inp: number, dy: number, x: number, w: number, dx: number, alpha: number, beta: number, wBuf: number, biasAlpha: number, biasBeta: number, biasBuf: number): void;
  /**
   * One example's whole SGD step through a dense ReLU stack (Backend.denseReluStep) on a registered memory: desc
   * holds 8 int32 per layer (out, in, byte offsets of w, bias (0: none), pre, post (0: last layer), 2 unused),
   * coefs 4 float64 per layer. Returns the loss.
   */
  denseReluStep1(memory: number, layers: number, desc: number, coefs: number, x: number, label: number, dlogits: number, scratchA: number, scratchB: number, changes: number): number;
  /** denseReluStep1 with the first layer's weight update deferred (Backend.denseReluStepDeferred); pending is an offset, apply 0 or 1. */
  denseReluStepDeferred1(memory: number, layers: number, desc: number, coefs: number, x: number, label: number, dlogits: number, scratchA: number, scratchB: number, pending: number, pendingAlpha: number, pendingBeta: number, apply: number): number;
  /** out[j] = sum_r |a[r, j]| on a registered memory (byte offsets), accumulated in float64. */
  colSumsAbs(memory: number, rows: number, cols: number, a: number, out: number): void;
}

/**
 * Products with m*n*k below this many multiply-adds stay on the wasm kernels. An addon call costs ~0.3 us against
 * ~0.1 us for a wasm call (argument checks, N-API, BLAS dispatch). The wasm gemm of this branch is still the
 * reference loop, which BLAS beats from 4x4x4 up; against a throwaway 4x8-register-blocked wasm SIMD gemm (the kind
 * the SIMD kernels will have), BLAS is 0.4-0.6x at 8^3 = 512 and 1x32x32 = 1024, level at 16^3 = 4096, 1.5x at
 * 32x16x16 = 8192 and 3-5x from 64^3; vector shapes (gemv, ger) are level up to ~16384. Measured on a 2-core
 * Zen 4 (bench/native.ts); re-measure when the wasm gemm changes. SUPPLE_NATIVE_GEMM_THRESHOLD overrides it.
 */
export const DEFAULT_GEMM_THRESHOLD = 8192;

/**
 * Heads narrower than this stay on wasm's fused attention kernel at any size: per-head BLAS products of a 16-wide
 * head (ViT-tiny: 65 tokens) ran the layer at ~0.55x the fused kernel's speed (forward and backward, 1 thread,
 * 2-core Zen 4, after the kernel's four-query blocking); from 32 BLAS's backward wins (~1.1-2x) and its forward is level.
 */
export const NATIVE_ATTENTION_MIN_HEAD_DIM = 32;

/**
 * The same for vector shapes (m, n or k = 1: batch-1 forward gemv, batch-1 weight gradient ger), which are
 * memory-bound. Above it they run in the addon's own AVX-512/AVX2 kernels on the calling thread (up to 2^18
 * weights; larger ones in the threaded BLAS). OpenBLAS's threaded sgemv was erratic here (1 x 128 x 128: 1.2 us on
 * 1 thread, 1.8-4.5 us on 2 on a busy machine, against ~1.7-3 us in wasm).
 */
export const DEFAULT_VECTOR_THRESHOLD = 65536;

/**
 * One example through a dense layer of at least this many weights goes to the addon's single-pass kernels
 * (linearForward / linearBackward, and colSumsAbs); smaller layers stay on wasm's, where a call costs less.
 * Measured on a 2-core Zen 4 (hot caches, forward / backward with fused SGD): 10 x 100 addon 0.18 / 0.26 us,
 * wasm 0.16 / 0.22; 64 x 64 0.31 / 0.50 against 0.40 / 0.61; 100 x 100 0.63 / 0.96 against 0.93 / 1.39; 100 x 784
 * 3.0 / 4.0 against 5.0 / 7.9. SUPPLE_NATIVE_LAYER_THRESHOLD overrides it.
 */
export const DEFAULT_LAYER_THRESHOLD = 4096;

let loaded: { addon: Addon } | { error: string } | undefined;

/** log2 of the cycles an idle OpenBLAS thread spins before it sleeps, unless OPENBLAS_THREAD_TIMEOUT is set (see load). */
const OPENBLAS_THREAD_TIMEOUT = 12;

function load(): { addon: Addon } | { error: string } {
  if (loaded) return loaded;
  if (process.env.SUPPLE_NATIVE === '0') return (loaded = { error: 'disabled by SUPPLE_NATIVE=0' });
  if (!existsSync(nativeAddonPath)) {
    return (loaded = { error: `${nativeAddonPath} is not built (install libopenblas-dev, then \`npm run build:native\`)` });
  }
  try {
    // OpenBLAS reads this as it loads (with the addon, below). Its idle threads spin for 2^28 cycles (~0.1 s) after
    // each product by default, on the cores where the wasm workers then run im2col, pooling and the rest of a conv
    // step: conv-b128 ran 22.9 steps/s so, 27.6 with 2^12 cycles (26.7 at 2^4, 27.1 at 2^16, 26.4 at 2^20); the
    // batch-1 and batch-256 MLP rows did not move. A value the user set is kept; ours is unset again once loaded,
    // so that child processes (the bench's PyTorch runs) get the environment they were given.
    const userTimeout = process.env.OPENBLAS_THREAD_TIMEOUT;
    if (userTimeout === undefined) process.env.OPENBLAS_THREAD_TIMEOUT = String(OPENBLAS_THREAD_TIMEOUT);
    let addon: Addon;
    try {
      addon = createRequire(import.meta.url)(nativeAddonPath) as Addon;
    } finally {
      if (userTimeout === undefined) delete process.env.OPENBLAS_THREAD_TIMEOUT;
    }
    const threads = defaultThreads();
    if (threads !== undefined) addon.setThreads(threads);
    loaded = { addon };
  } catch (e) {
    loaded = { error: `${nativeAddonPath} does not load: ${e instanceof Error ? e.message : String(e)}` };
  }
  return loaded;
}

/**
 * SUPPLE_THREADS if it is a positive integer; else undefined (OpenBLAS keeps its own setting) when
 * OPENBLAS_NUM_THREADS is set; else one thread per core available to this process.
 */
function defaultThreads(): number | undefined {
  const t = Number(process.env.SUPPLE_THREADS);
  if (Number.isInteger(t) && t >= 1) return t;
  return process.env.OPENBLAS_NUM_THREADS ? undefined : availableParallelism();
}

function addonOrNull(): Addon | null {
  const l = load();
  return 'addon' in l ? l.addon : null;
}

function addonOrThrow(): Addon {
  const l = load();
  if ('error' in l) throw new Error(`native backend: ${l.error}`);
  return l.addon;
}

/** The raw addon, or null when unavailable. For tests and benchmarks; library code uses the functions below. */
export function nativeAddon(): Addon | null {
  return addonOrNull();
}

/** Is the OpenBLAS/Accelerate addon built and loadable? (Cached: the first call loads it.) */
export function nativeAvailable(): boolean {
  return 'addon' in load();
}

/** Why the addon is not available, or null when it is. */
export function nativeUnavailableReason(): string | null {
  const l = load();
  return 'error' in l ? l.error : null;
}

/** The BLAS library, its configuration and threads, or null when the addon is not available. */
export function nativeInfo(): NativeInfo | null {
  return addonOrNull()?.info() ?? null;
}

/** Set the number of BLAS threads (OpenBLAS only; the process-wide pool). Returns the number in effect, or null. */
export function setNativeThreads(n: number): number | null {
  return addonOrNull()?.setThreads(n) ?? null;
}

/**
 * The eigenvalues, ascending, of the symmetric matrix a [n, n] (row-major; the lower triangle is read), by
 * LAPACK dsyevd. a is not modified. Null when the addon is not available; throws on bad input (non-finite values
 * included).
 */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array | null {
  return addonOrNull()?.dsyevd(a, n) ?? null;
}

/**
 * The min(m, n) singular values, descending, of a [m, n] (row-major), by LAPACK sgesdd (Float32Array) or dgesdd
 * (Float64Array). a is not modified. Null when the addon is not available; throws on bad input.
 */
export function singularValues(a: FloatArray, m: number, n: number): Float64Array | null {
  return addonOrNull()?.gesdd(a, m, n) ?? null;
}

export interface NativeBackendOptions {
  /**
   * Products with m*n*k below this stay on wasm: default SUPPLE_NATIVE_GEMM_THRESHOLD if set, else
   * DEFAULT_GEMM_THRESHOLD; 0 sends every product to the addon.
   */
  gemmThreshold?: number;
  /** The same for vector shapes (m, n or k = 1): SUPPLE_NATIVE_GEMV_THRESHOLD, else DEFAULT_VECTOR_THRESHOLD. */
  vectorThreshold?: number;
  /** Weights (out * in) from which one example's dense layer runs in the addon: SUPPLE_NATIVE_LAYER_THRESHOLD, else DEFAULT_LAYER_THRESHOLD. */
  layerThreshold?: number;
}

function threshold(option: number | undefined, env: string, fallback: number): number {
  const v = process.env[env];
  const t = option ?? (v === undefined || v === '' ? fallback : Number(v));
  if (!(t >= 0)) throw new Error(`native backend: ${option !== undefined ? 'the threshold' : env} = ${option ?? `'${v}'`} is not a non-negative number`);
  return t;
}

/**
 * The wasm backend with gemm (above a size threshold) and gram routed to BLAS. The BLAS kernels work in place on
 * the wasm backend's shared memory, so tensors are never copied between the two.
 */
export function createNativeBackend(options: NativeBackendOptions = {}): Backend & { readonly memory: WasmMemory } {
  const addon = addonOrThrow();
  const matrixMin = threshold(options.gemmThreshold, 'SUPPLE_NATIVE_GEMM_THRESHOLD', DEFAULT_GEMM_THRESHOLD);
  const vectorMin = threshold(options.vectorThreshold, 'SUPPLE_NATIVE_GEMV_THRESHOLD', DEFAULT_VECTOR_THRESHOLD);
  const layerMin = threshold(options.layerThreshold, 'SUPPLE_NATIVE_LAYER_THRESHOLD', DEFAULT_LAYER_THRESHOLD);
  const wasm = createWasmBackend();
  const wasmGemm = wasm.gemm.bind(wasm);
  const mem = wasm.memory;
  // The addon reads the shared memory at byte offsets; re-registered after the memory grows.
  let registeredBytes = mem.byteLength;
  const memoryId = addon.registerMemory(new Float32Array(mem.memory.buffer), -1);
  const at = (a: FloatArray): number => {
    if (mem.byteLength !== registeredBytes) {
      addon.registerMemory(new Float32Array(mem.memory.buffer), memoryId);
      registeredBytes = mem.byteLength;
    }
    return mem.ptr(a);
  };
  const wasmGram = wasm.gram.bind(wasm);
  // One example: wasm's single-pass kernels need no gemm, so `this` need not be this backend.
  const wasmLinearForward = wasm.linearForward.bind(wasm);
  const wasmLinearBackward = wasm.linearBackward.bind(wasm);
  const wasmColSumsAbs = wasm.colSumsAbs.bind(wasm);
  const wasmCbpUtility = wasm.cbpUtility.bind(wasm);
  const wasmDenseReluStep = wasm.denseReluStep.bind(wasm);
  const wasmDenseReluStepDeferred = wasm.denseReluStepDeferred.bind(wasm);
  // denseReluStep's layer records and coefficients, grown to the deepest stack seen.
  const stepRecords = new DenseStepRecords(mem);
  let byGemm: ReturnType<typeof attentionByGemm> | null = null;
  const fusedAttention = (tokens: number, headDim: number): boolean => headDim < NATIVE_ATTENTION_MIN_HEAD_DIM || tokens * tokens * headDim < matrixMin;
  const info = addon.info();
  const threads = info.threads > 0 ? `, ${info.threads} thread${info.threads === 1 ? '' : 's'}` : '';
  const version = info.config.match(/OpenBLAS (\S+)/)?.[1];
  const blas = `${info.library}${version ? ` ${version}` : ''}${info.core ? ` (${info.core}${threads})` : threads ? ` (${threads.slice(2)})` : ''}`;
  return {
    ...wasm,
    name: 'native',
    description: `${blas} for gemm from ${matrixMin} multiply-adds, ${info.vectorKernels} kernels for vector shapes from ${vectorMin} and one example's dense layers from ${layerMin} weights, gram and LAPACK; ${wasm.description} otherwise`,
    gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      // NaN or negative sizes fail the comparison or checkGemm.
      const min = m === 1 || n === 1 || k === 1 ? vectorMin : matrixMin;
      if (m * n * k < min || !(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)) {
        wasmGemm(transA, transB, m, n, k, alpha, a, b, beta, c);
        return;
      }
      checkGemm(transA, transB, m, n, k, a, b, c);
      addon.sgemm(transA, transB, m, n, k, alpha, a, b, beta, c);
    },
    // One example: the addon's single-pass kernels from layerMin weights, wasm's below; batches by parts (gemm).
    linearForward(n, outFeatures, inFeatures, x, w, bias, y) {
      if (n === 1 && outFeatures * inFeatures < layerMin) return wasmLinearForward(n, outFeatures, inFeatures, x, w, bias, y);
      kernelChecks.linearForward(n, outFeatures, inFeatures, x, w, bias, y);
      if (n === 1) addon.linearForward1(memoryId, outFeatures, inFeatures, at(x), at(w), bias ? at(bias) : -1, at(y));
      else linearForwardByParts(this, n, outFeatures, inFeatures, x, w, bias, y);
    },
    linearBackward(n, outFeatures, inFeatures, dy, x, w, dx, wAlpha, wBeta, wBuf, biasAlpha, biasBeta, biasBuf) {
      if (n === 1 && outFeatures * inFeatures < layerMin) return wasmLinearBackward(n, outFeatures, inFeatures, dy, x, w, dx, wAlpha, wBeta, wBuf, biasAlpha, biasBeta, biasBuf);
      kernelChecks.linearBackward(n, outFeatures, inFeatures, dy, x, w, dx, wAlpha, wBeta, wBuf, biasAlpha, biasBeta, biasBuf);
      if (n === 1) addon.linearBackward1(memoryId, outFeatures, inFeatures, at(dy), at(x), at(w), dx ? at(dx) : -1, wAlpha, wBeta, wBuf ? at(wBuf) : -1, biasAlpha, biasBeta, biasBuf ? at(biasBuf) : -1);
      else linearBackwardByParts(this, n, outFeatures, inFeatures, dy, x, w, dx, wAlpha, wBeta, wBuf, biasAlpha, biasBeta, biasBuf);
    },
    // One example's whole step in one addon call, its layers on the addon's kernels (the loss in float64); a stack
    // whose layers all stay on wasm (each below layerMin weights) runs wasm's fused step, as its layers would.
    // rowAbsSums: the addon's step writes none, so every row's sum is taken after it, by wasm's rowSumsAbs (the sums
    // cbpUtility reads on this backend).
    denseReluStep(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, changes, rowAbsSums) {
      const layers = sizes.length - 1;
      let big = false;
      for (let l = 0; l < layers && !big; l++) big = sizes[l + 1]! * sizes[l]! >= layerMin;
      if (!big) return wasmDenseReluStep(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, changes, rowAbsSums);
      kernelChecks.denseReluStep(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, changes, rowAbsSums);
      if (layers > 64) throw new Error(`denseReluStep: ${layers} layers; the native backend takes at most 64`);
      stepRecords.write(sizes, weights, biases, pre, post, coefs, at);
      const s = at(scratch);
      const loss = addon.denseReluStep1(memoryId, layers, stepRecords.descOffset, stepRecords.coefsOffset, at(x), at(label), at(dlogits), s, s + ((scratch.length >> 1) << 2), changes ? stepRecords.changesOffset : -1);
      if (changes) stepRecords.readChanges(changes, layers);
      if (rowAbsSums) wasm.rowSumsAbs(weights[0]!, sizes[1]!, sizes[0]!, rowAbsSums);
      return loss;
    },
    // As denseReluStep; the pending update is applied by the kernel linearBackward uses for the first layer (the
    // addon's from layerMin weights, else wasm's before the addon's step), so that applying it by linearBackward instead
    // gives the same weights.
    denseReluStepDeferred(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, pending, pendingAlpha, pendingBeta, apply) {
      const layers = sizes.length - 1;
      let big = false;
      for (let l = 0; l < layers && !big; l++) big = sizes[l + 1]! * sizes[l]! >= layerMin;
      if (!big) return wasmDenseReluStepDeferred(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, pending, pendingAlpha, pendingBeta, apply);
      kernelChecks.denseReluStepDeferred(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, pending, pendingAlpha, pendingBeta, apply);
      if (layers > 64) throw new Error(`denseReluStepDeferred: ${layers} layers; the native backend takes at most 64`);
      const in0 = sizes[0]!, out0 = sizes[1]!;
      let applyHere = apply;
      if (apply && out0 * in0 < layerMin) {
        wasmLinearBackward(1, out0, in0, pending.subarray(in0, in0 + out0) as FloatArray, pending.subarray(0, in0) as FloatArray, weights[0]!, null, pendingAlpha, pendingBeta, weights[0]!, 0, 0, null);
        applyHere = false;
      }
      stepRecords.write(sizes, weights, biases, pre, post, coefs, at);
      const s = at(scratch);
      return addon.denseReluStepDeferred1(memoryId, layers, stepRecords.descOffset, stepRecords.coefsOffset, at(x), at(label), at(dlogits), s, s + ((scratch.length >> 1) << 2), at(pending), pendingAlpha, pendingBeta, applyHere ? 1 : 0);
    },
    // Continual backprop's utility reads the column sums of every outgoing weight matrix each step.
    colSumsAbs(a, rows, cols, out) {
      if (rows * cols < layerMin) return wasmColSumsAbs(a, rows, cols, out);
      kernelChecks.colSumsAbs(a, rows, cols, out);
      addon.colSumsAbs(memoryId, rows, cols, at(a), at(out));
    },
    // The outgoing weights' column sums by this backend's colSumsAbs (the addon's above the layer threshold, as cbp
    // read them before it had a kernel of its own), the rest by wasm's.
    cbpUtility(units, rowsOut, wOut, h, inSize, wIn, decay, maturity, mean, state, colSum, rowSum) {
      if (wOut && rowsOut * units >= layerMin) {
        kernelChecks.cbpUtility(units, rowsOut, wOut, h, inSize, wIn, decay, maturity, mean, state, colSum, rowSum);
        addon.colSumsAbs(memoryId, rowsOut, units, at(wOut), at(colSum));
        wOut = null;
      }
      return wasmCbpUtility(units, rowsOut, wOut, h, inSize, wIn, decay, maturity, mean, state, colSum, rowSum);
    },
    // Attention from BLAS's per-head products (see attentionByGemm), above the gemm threshold for heads of at least
    // NATIVE_ATTENTION_MIN_HEAD_DIM; wasm's fused kernel otherwise.
    attentionForward(qkv, n, tokens, heads, headDim, causal, scale, probs, out) {
      kernelChecks.attentionForward(qkv, n, tokens, heads, headDim, causal, scale, probs, out);
      if (fusedAttention(tokens, headDim)) wasm.attentionForward(qkv, n, tokens, heads, headDim, causal, scale, probs, out);
      else (byGemm ??= attentionByGemm(this)).attentionForward(qkv, n, tokens, heads, headDim, causal, scale, probs, out);
    },
    attentionBackward(qkv, probs, dOut, n, tokens, heads, headDim, causal, scale, dQkv) {
      kernelChecks.attentionBackward(qkv, probs, dOut, n, tokens, heads, headDim, causal, scale, dQkv);
      if (fusedAttention(tokens, headDim)) wasm.attentionBackward(qkv, probs, dOut, n, tokens, heads, headDim, causal, scale, dQkv);
      else (byGemm ??= attentionByGemm(this)).attentionBackward(qkv, probs, dOut, n, tokens, heads, headDim, causal, scale, dQkv);
    },
    symmetricEigenvalues: (a, n) => addon.dsyevd(a, n),
    gram(a, rows, cols, out) {
      // The float64 products are O(rows cols^2); small ones are cheaper in wasm than a call plus a float64 copy.
      if (rows * cols * cols < matrixMin || !(a instanceof Float32Array)) {
        wasmGram(a, rows, cols, out);
        return;
      }
      checkLength('gram', 'a', a, rows * cols);
      checkLength('gram', 'out', out, cols * cols);
      addon.gram(a, rows, cols, out);
    },
  };
}
