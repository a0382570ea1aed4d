import { availableParallelism } from 'node:os';
import { Activation, type ActivationCode, type Backend } from '../Backend.js';
import { badPermutation, convOut, poolOut } from '../checks.js';
import { kernelChecks, kernelTable, winogradValues } from '../kernelTable.js';
import { linearBackwardByParts, linearForwardByParts } from '../linearByParts.js';
import { DenseStepRecords } from './DenseStepRecords.js';
import { WasmMemory } from './WasmMemory.js';
import { instantiateKernels, kernelModule, kernelsUseFma, wasmAvailable, wasmPath } from './kernels.js';
import { CTRL, Job, ThreadPool } from './ThreadPool.js';
import { badSizes, isSize, wrapKernels } from './wrapKernels.js';

export { wasmAvailable, wasmPath };

export interface WasmBackendOptions {
  /**
   * Threads for large products, the calling one included. Default: SUPPLE_THREADS, else
   * os.availableParallelism(). 1 disables worker threads.
   */
  threads?: number;
  /** Multiply-adds (m n k) from which a gemm is split between threads (default 2^23, measured). */
  gemmThreadWork?: number;
  /** Output values (c kh kw n oh ow) from which im2col/col2im are split between threads (default 2^21); when given, also the input values from which max pooling and batch norm are (default 2^18). */
  convThreadWork?: number;
  /** Values from which shrinkAddNormal is split between threads (default 2^18). */
  normalThreadValues?: number;
  /** Weights (all layers) from which one example's whole dense-ReLU step is shared between threads (default 2^21). */
  denseStepThreadWeights?: number;
}

/** The wasm backend: the Backend kernels plus its memory and thread controls. */
export interface WasmBackend extends Backend {
  readonly memory: WasmMemory;
  /** Threads large products may use (the calling one included). */
  readonly threads: number;
  /** Starts the worker threads now (they otherwise start on the first large product) and waits until ready. */
  startThreads(): Promise<void>;
  /** Threads usable right now (workers still starting are not). */
  threadsReady(): number;
  /** Ends the worker threads (they never keep a process alive; this is for tests). */
  close(): Promise<void>;
}

// Measured on a 2-vCPU x64 VM (bench/kernels.ts): waking the workers and waiting for the last one costs
// ~15-20 us, and each chunk packs the other operand again, so a 64x100x784 product (5M multiply-adds,
// 0.29 ms) still ran 20% slower on 2 threads while 256x2000x2000 and the conv shapes ran 1.5-1.8x faster.
// Threads start at 8M multiply-adds (~0.5 ms single-threaded). im2col/col2im move memory: ~2M values.
const GEMM_THREAD_WORK = 1 << 23;
const CONV_THREAD_WORK = 1 << 21;
/**
 * Values (inputs) from which max pooling and batch norm are split between threads, by planes or channels: one
 * pass over memory with no packing, so the ~20 us hand-off pays from ~0.1 ms of work (conv-b128's poolings,
 * ResNet-18's batch norms are 0.3-2 ms each on one thread).
 */
const PLANE_THREAD_WORK = 1 << 18;
/** Chunks per thread: enough to even out a thread that gets less CPU, few enough to keep packing amortized. */
const CHUNKS_PER_THREAD = 4;
/** Up to this many rows of C (examples), gemm streams the weights rather than packing them (measured). */
const SMALL_M = 8;
/** Up to this depth (examples in a weight gradient), gemm is a rank-k update without packing (measured). */
const SMALL_K = 8;
/**
 * An NT product goes to the thin kernel (no packing; the reduction split in two halves) when C is small and the
 * reduction long: packing A and B costs as much memory traffic as the product has values, and a split of C's
 * columns between threads packs A twice.
 */
function thinProduct(m: number, n: number, k: number): boolean {
  return m >= 4 && n >= 2 && m * n <= 32768 && k >= 32 * (m + n) && m * n * k >= 1 << 20;
}

/** Columns (or rows) a gemm chunk should at least have. */
const MIN_CHUNK = 64;

/**
 * Multiply-adds (pairs x tokens^2 x headDim) from which attention is split between threads by (example, head)
 * pair: a pair is independent work with no packing to repeat, so the ~20 us hand-off pays from ~2^18.
 */
const ATTENTION_THREAD_WORK = 1 << 18;

/**
 * Values from which an exp-based activation (tanh, sigmoid, ELU, Swish, GELU) and its backward are split between
 * threads: the exact GELU costs ~5 ns a value, so 2^15 values (~0.15 ms) pay for the ~20 us hand-off. ReLU,
 * leaky ReLU and identity are a pass over memory and stay on the calling thread.
 */
const ACTIVATION_THREAD_VALUES = 1 << 15;

/** Values per block of shrinkAddNormal's stream (BLOCK in assembly/random.ts). */
const NORMAL_BLOCK = 16384;
/**
 * Values from which shrinkAddNormal is split between threads by blocks: ~0.5 ns a value, so the ~20 us hand-off
 * pays from a few hundred thousand. The online MLP's 78.4k-value layer ran slower on 2 threads than on 1 (helper,
 * loaded machine: 1.2-1.35x the wall time, 1.65x the CPU time).
 */
const NORMAL_THREAD_VALUES = 1 << 18;

/**
 * Weights from which one example's whole dense-ReLU step is shared between threads (assembly/denseStep.ts).
 * Microseconds a step of 784-W-W-W-10 on a 2-vCPU VM, one thread against two (four alternated rounds each): W = 600
 * (1.2M weights) 160-278 / 167-263, 800 (2.1M) 246-370 / 204-272, 1000 (2.8M) 360-491 / 268-340, 2000 (9.6M)
 * 3.2-3.3 ms / 1.6-1.75 ms. Below about 2M weights the wake-up and the barriers between layers eat the gain.
 */
const DENSE_STEP_THREAD_WEIGHTS = 1 << 21;

/** Threads requested by SUPPLE_THREADS, else the machine's parallelism. */
export function defaultThreads(): number {
  const env = process.env.SUPPLE_THREADS;
  if (env !== undefined && env !== '') {
    const t = Number(env);
    if (!Number.isInteger(t) || t < 1) throw new Error(`SUPPLE_THREADS = '${env}' must be a positive integer (1 disables worker threads)`);
    return t;
  }
  return Math.max(1, availableParallelism());
}

/** Sizes go to wasm as i32: reject what would wrap or truncate (cheap, and only the failure path allocates). */
function sizes(kernel: string, a: number, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0): void {
  if (isSize(a) && isSize(b) && isSize(c) && isSize(d) && isSize(e) && isSize(f) && isSize(g) && isSize(h)) return;
  throw new Error(`${kernel}: sizes must be non-negative integers below 2^31 (got ${[a, b, c, d, e, f, g, h].join(', ')})`);
}

function positive(kernel: string, name: string, v: number): void {
  if (!(v >= 1)) throw new Error(`${kernel}: ${name} = ${v} must be at least 1`);
}

/**
 * The default backend: AssemblyScript kernels compiled to WebAssembly SIMD on a shared memory, with worker
 * threads over the same memory for large matrix products and im2col/col2im.
 */
export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend {
  if (!wasmAvailable()) throw new Error(`wasm backend: ${wasmPath} is missing; run \`npm run build\``);
  const module = kernelModule();
  const mem = new WasmMemory(4096, 65536, 0);
  const K = instantiateKernels(module, mem.memory);
  // The allocator starts at 1 KiB; the module has no static data (workers re-instantiating it must not write
  // to memory in use), so its heap base must lie below that.
  if (K.heapBase() > 1024) throw new Error(`wasm backend: kernels.wasm has static data up to ${K.heapBase()}; kernels must keep none`);
  const threads = Math.max(1, Math.min(CTRL.maxThreads, Math.floor(options.threads ?? defaultThreads())));
  const gemmWork = options.gemmThreadWork ?? GEMM_THREAD_WORK;
  const convWork = options.convThreadWork ?? CONV_THREAD_WORK;
  // Tests that force threads for im2col force them here too.
  const planeWork = options.convThreadWork ?? PLANE_THREAD_WORK;
  const normalWork = options.normalThreadValues ?? NORMAL_THREAD_VALUES;
  const denseStepWork = options.denseStepThreadWeights ?? DENSE_STEP_THREAD_WEIGHTS;
  const scratchBytes = K.gemmScratchBytes();
  // The Winograd transforms stage planes in the same per-thread scratch.
  if (scratchBytes < 4 * K.winogradScratchFloats()) throw new Error('wasm backend: the gemm scratch is smaller than the Winograd transforms need');
  let scratch = -1; // the calling thread's gemm packing buffers, allocated on first use
  let pool: ThreadPool | null = null;
  let thinLanes: Float32Array | null = null; // the thin product's lanes, kept and grown as needed
  let gramOut: Float32Array | null = null; // f64 staging for gram when `out` is not in wasm memory
  let cbpStage: Float32Array | null = null; // f64 staging for cbpUtility's state when not in wasm memory
  let attentionScratch: Float32Array | null = null; // attention's scratch for sequences longer than gemm's holds

  const p = (a: Float32Array | Float64Array): number => mem.ptr(a);
  // denseReluStep's layer records and coefficients in wasm memory, grown to the deepest stack seen.
  const stepRecords = new DenseStepRecords(mem);
  // The partial sums of a wide layer's input gradient (assembly/linear.ts sweepBlock), grown to the widest seen.
  let partials: Float32Array | null = null;
  let partialsInputs = 0; // the widest layer input they hold
  let stepSync: Float32Array | null = null; // the one-thread step's loss (its barrier words unused)
  const partialsFor = (inputs: number): number => {
    if (!partials || inputs > partialsInputs) {
      if (partials) mem.free(partials);
      partials = mem.alloc(K.dxPartialFloats(inputs));
      partialsInputs = inputs;
    }
    return partials.byteOffset;
  };
  /** partialsFor the widest input of a hidden layer of a dense stack (the layers that compute an input gradient). */
  const stepPartials = (sizes: readonly number[]): number => {
    let widest = 1;
    for (let l = 1; l + 1 < sizes.length; l++) if (sizes[l]! > widest) widest = sizes[l]!;
    return partialsFor(widest);
  };
  const getPool = (): ThreadPool => (pool ??= new ThreadPool(module, mem, threads, scratchBytes));
  /** Threads for a job of `work` units: 1 below the threshold, else the threads ready now. */
  const partsFor = (work: number, threshold: number): number => (threads > 1 && work >= threshold ? getPool().available() : 1);

  /** Floats of the calling thread's scratch (allocated on first use). */
  function scratchFloats(): number {
    if (scratch < 0) scratch = mem.alloc(Math.ceil(scratchBytes / 4)).byteOffset;
    return scratchBytes >> 2;
  }

  /**
   * A thin NT product (assembly/thin.ts): the two halves of the reduction on two threads when the product is large
   * enough, else one after the other here; the same values either way.
   */
  function gemmThin(m: number, n: number, k: number, alpha: number, a: number, b: number, beta: number, c: number): void {
    const floats = K.thinLaneFloats(m, n);
    if (!thinLanes || thinLanes.length < floats) {
      if (thinLanes) mem.free(thinLanes);
      thinLanes = mem.alloc(floats);
    }
    const lanes = thinLanes.byteOffset;
    if (partsFor(m * n * k, gemmWork) <= 1) {
      K.thinHalf(m, n, k, a, b, lanes, 0);
      K.thinHalf(m, n, k, a, b, lanes, 1);
    } else {
      const pl = pool!;
      pl.setJob(Job.thin, 2, m, n, k, a, b, lanes);
      pl.dispatch(2);
      try {
        K.thinHalves(m, n, k, a, b, lanes, pl.counter);
      } finally {
        pl.wait();
      }
    }
    K.thinFinish(m, n, alpha, beta, lanes, c);
  }

  function gemmBlocked(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: number, b: number, beta: number, c: number): void {
    scratchFloats();
    const tA = transA ? 1 : 0, tB = transB ? 1 : 0;
    const workers = Math.min(partsFor(m * n * k, gemmWork), K.gemmUnits(m, n));
    if (workers <= 1) {
      K.gemmPart(tA, tB, m, n, k, alpha, a, b, beta, c, 0, 1, scratch);
      return;
    }
    // Each chunk packs the whole other operand again: keep chunks at least MIN_CHUNK wide unless that would
    // leave a thread idle; and a whole number of them per thread: three equal chunks on two threads left one thread
    // idle for a third of the product (ViT's qkv weight gradient, TN 192x64x4160: 1.55 ms, 1.18 in two chunks).
    let chunks = Math.min(K.gemmUnits(m, n), workers * CHUNKS_PER_THREAD, Math.max(workers, Math.floor(Math.max(m, n) / MIN_CHUNK)));
    chunks -= chunks % workers;
    const pl = pool!;
    pl.setJob(Job.gemm, chunks, tA, tB, m, n, k, alpha, a, b, beta, c);
    pl.dispatch(workers);
    try {
      K.gemmChunks(tA, tB, m, n, k, alpha, a, b, beta, c, chunks, pl.counter, scratch);
    } finally {
      pl.wait();
    }
  }

  /**
   * Threads for one example's whole step through dense layers of these sizes: those ready from denseStepWork
   * weights when every hidden layer's update is fused into its backward sweep (weight beta != 0), else 1.
   */
  function denseStepThreads(sizes: readonly number[], coefs: Float64Array): number {
    if (threads <= 1) return 1;
    let weights = 0;
    for (let l = 0; l + 1 < sizes.length; l++) weights += sizes[l]! * sizes[l + 1]!;
    if (weights < denseStepWork) return 1;
    for (let l = 1; l + 1 < sizes.length; l++) if (coefs[4 * l + 1] === 0) return 1;
    return getPool().available();
  }

  /**
   * The whole step written to stepRecords (assembly/denseStep.ts) on `workers` threads; pending = 0: not deferred;
   * changes and rowSums (0: none) on one thread only.
   */
  function denseStep(workers: number, layers: number, x: number, label: number, dlogits: number, scratchA: number, scratchB: number, pending: number, pal: number, pbt: number, apply: number, partials: number, changes: number, rowSums: number): number {
    const desc = stepRecords.descOffset, coefs = stepRecords.coefsOffset;
    if (workers <= 1) {
      // The kernel keeps its loss beside the barrier's words, which one thread never uses.
      stepSync ??= mem.alloc(4);
      const sync = stepSync.byteOffset;
      return K.denseReluStepShared(layers, desc, coefs, x, label, dlogits, scratchA, scratchB, pending, pal, pbt, apply, partials, changes, rowSums, 1, 0, sync, sync);
    }
    const pl = pool!;
    pl.setJob(Job.denseReluStep, 0, layers, desc, coefs, x, label, dlogits, scratchA, scratchB, pending, pal, pbt, apply, partials, workers);
    pl.dispatch(workers);
    let loss: number;
    try {
      loss = K.denseReluStepShared(layers, desc, coefs, x, label, dlogits, scratchA, scratchB, pending, pal, pbt, apply, partials, 0, 0, workers, 0, pl.counter, pl.errorAt);
    } catch (e) {
      // The workers wait for this thread between layers: release them before waiting for them.
      pl.abort();
      try {
        pl.wait();
      } catch {
        // They stopped because of the abort.
      }
      throw e;
    }
    pl.wait();
    return loss;
  }

  function convJob(job: number, src: number, n: number, c: number, h: number, w: number, kh: number, kw: number, stride: number, pad: number, oh: number, ow: number, dst: number): void {
    // im2col splits the c kh kw rows of cols, col2im the channels (see conv.ts).
    const units = job === Job.im2col ? c * kh * kw : c;
    const workers = Math.min(units, partsFor(c * kh * kw * n * oh * ow, convWork));
    if (workers <= 1) {
      (job === Job.im2col ? K.im2col : K.col2im)(src, n, c, h, w, kh, kw, stride, pad, oh, ow, dst, 0, 1);
      return;
    }
    const chunks = Math.min(units, workers * CHUNKS_PER_THREAD);
    const pl = pool!;
    pl.setJob(job, chunks, src, n, c, h, w, kh, kw, stride, pad, oh, ow, dst);
    pl.dispatch(workers);
    try {
      (job === Job.im2col ? K.im2colChunks : K.col2imChunks)(src, n, c, h, w, kh, kw, stride, pad, oh, ow, dst, chunks, pl.counter);
    } finally {
      pl.wait();
    }
  }

  /** A Winograd transform (winogradPart's kind) split between threads by channel, as im2col by rows. */
  function winogradJob(kind: number, src: number, n: number, c: number, h: number, w: number, pad: number, bias: number, dst: number, values: number): void {
    const workers = Math.min(c, partsFor(values, convWork));
    scratchFloats();
    if (workers <= 1) {
      K.winogradPart(kind, src, n, c, h, w, pad, bias, dst, 0, 1, scratch);
      return;
    }
    const chunks = Math.min(c, workers * CHUNKS_PER_THREAD);
    const pl = pool!;
    pl.setJob(Job.winograd, chunks, kind, src, n, c, h, w, pad, bias, dst);
    pl.dispatch(workers);
    try {
      K.winogradChunks(kind, src, n, c, h, w, pad, bias, dst, chunks, pl.counter, scratch);
    } finally {
      pl.wait();
    }
  }

  /** Threads for a job over `units` independent planes or channels of `values` values in all. */
  function planeWorkers(units: number, values: number): number {
    return Math.min(units, partsFor(values, planeWork));
  }

  /**
   * Threads for an attention call over `pairs` (example, head) pairs of `work` multiply-adds, and the calling
   * thread's scratch in `attentionAt`: gemm's scratch, or a buffer of their own (on this thread alone) for
   * sequences longer than it holds.
   */
  let attentionAt = 0;
  function attentionWorkers(pairs: number, work: number, t: number, dh: number): number {
    const need = K.attentionScratchFloats(t, dh);
    if (need <= scratchFloats()) {
      attentionAt = scratch;
      return Math.min(pairs, partsFor(work, ATTENTION_THREAD_WORK));
    }
    if (!attentionScratch || attentionScratch.length < need) {
      if (attentionScratch) mem.free(attentionScratch);
      attentionScratch = mem.alloc(need);
    }
    attentionAt = attentionScratch.byteOffset;
    return 1;
  }

  /** Threads for an activation over n values: exp-based kinds only (the others are memory-bound). */
  function activationWorkers(kind: ActivationCode, n: number): number {
    // Cheap kinds are memory-bound: split only from the plane threshold, as pooling and batch norm.
    const cheap = kind === Activation.identity || kind === Activation.relu || kind === Activation.leakyRelu;
    return Math.min(Math.floor(n / 4), partsFor(n, cheap ? planeWork : ACTIVATION_THREAD_VALUES));
  }

  function convShape(kernel: string, n: number, c: number, h: number, w: number, kh: number, kw: number, stride: number, pad: number): void {
    sizes(kernel, n, c, h, w, kh, kw, stride, pad);
    positive(kernel, 'stride', stride);
    positive(kernel, 'kh', kh);
    positive(kernel, 'kw', kw);
  }

  return {
    name: 'wasm',
    description: `WebAssembly SIMD (AssemblyScript${kernelsUseFma() ? ', relaxed-SIMD fused multiply-adds in gemm and attention' : ''}), ${threads} thread${threads === 1 ? '' : 's'} for large products`,
    memory: mem,
    threads,
    async startThreads() {
      if (threads > 1) await getPool().whenReady();
    },
    threadsReady: () => (pool ? pool.available() : 1),
    async close() {
      if (pool) await pool.close();
    },

    alloc: (n) => mem.alloc(n),
    allocBytes: (n) => mem.allocBytes(n),
    allocInt32: (n) => mem.allocInt32(n),
    owns: (a) => mem.owns(a),
    free: (a) => mem.free(a),

    // The kernels of kernelTable's rows (all but those below, which are marked 'custom' there).
    ...wrapKernels(K, mem),

    addNormal(y, sigma, seeds) {
      kernelChecks.addNormal(y, sigma, seeds);
      if (y.length > 0) K.addNormal(p(y), y.length, sigma, seeds[0] | 0, seeds[1] | 0, seeds[2] | 0, seeds[3] | 0);
    },
    // Split between threads by blocks of NORMAL_BLOCK values, each its own stream: the same values on any thread count.
    shrinkAddNormal(y, shrink, sigma, seeds) {
      kernelChecks.shrinkAddNormal(y, shrink, sigma, seeds);
      const n = y.length;
      if (n === 0) return;
      scratchFloats();
      const py = p(y), s0 = seeds[0] | 0, s1 = seeds[1] | 0, s2 = seeds[2] | 0, s3 = seeds[3] | 0;
      const blocks = Math.ceil(n / NORMAL_BLOCK);
      const workers = Math.min(blocks, partsFor(n, normalWork));
      if (workers <= 1) {
        K.shrinkAddNormalBlocks(py, n, shrink, sigma, s0, s1, s2, s3, 0, blocks, scratch);
        return;
      }
      const pl = pool!;
      pl.setJob(Job.shrinkAddNormal, blocks, py, n, shrink, sigma, s0, s1, s2, s3);
      pl.dispatch(workers);
      try {
        K.shrinkAddNormalChunks(py, n, shrink, sigma, s0, s1, s2, s3, pl.counter, scratch);
      } finally {
        pl.wait();
      }
    },
    encodeBytes(src, srcOffset, n, plane, lut, perm, out, outOffset) {
      kernelChecks.encodeBytes(src, srcOffset, n, plane, lut, perm, out, outOffset);
      if (n === 0) return;
      const bad = K.encodeBytes(mem.rawPtr(src) + srcOffset, n, plane, p(lut), perm ? mem.rawPtr(perm) : 0, p(out) + 4 * outOffset);
      if (bad) throw badPermutation(n);
    },

    gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      kernelChecks.gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
      sizes('gemm', m, n, k);
      const pa = p(a), pb = p(b), pc = p(c);
      // Batch-1 shapes go to the matrix-vector kernels (op(A) with one row or op(B) with one column is a
      // plain vector whatever the transpose flag), k = 1 to the rank-1 update.
      if (k === 1) K.ger(m, n, alpha, pa, pb, beta, pc);
      else if (m === 1) {
        if (transB) K.gemvT(n, k, alpha, pa, pb, k, beta, pc);
        else K.gemvN(n, k, alpha, pa, pb, n, beta, pc);
      } else if (n === 1) {
        if (transA) K.gemvN(m, k, alpha, pb, pa, m, beta, pc);
        else K.gemvT(m, k, alpha, pb, pa, k, beta, pc);
      } else if (m <= SMALL_M && m * k <= scratchFloats()) {
        // A few examples: the weights are read once, a block at a time, for all of them.
        if (!transB) K.gemmSmallNN(m, n, k, alpha, pa, transA ? 4 : 4 * k, transA ? 4 * m : 4, pb, n, beta, pc, 0);
        else if (!transA) K.gemmSmallNT(m, n, k, alpha, pa, k, pb, k, beta, pc);
        else {
          K.transposeInto(pa, k, m, scratch); // op(A) rows made contiguous for the dot products
          K.gemmSmallNT(m, n, k, alpha, scratch, k, pb, k, beta, pc);
        }
      } else if (k <= SMALL_K && k * n <= scratchFloats()) {
        // A rank-k update (the weight gradient of a few examples): every row of C once, op(B) stays in cache.
        let w = pb;
        if (transB) {
          K.transposeInto(pb, n, k, scratch);
          w = scratch;
        }
        K.gemmSmallNN(m, n, k, alpha, pa, transA ? 4 : 4 * k, transA ? 4 * m : 4, w, n, beta, pc, 1);
      } else if (!transA && transB && thinProduct(m, n, k)) gemmThin(m, n, k, alpha, pa, pb, beta, pc);
      else gemmBlocked(transA, transB, m, n, k, alpha, pa, pb, beta, pc);
    },
    // Explicit parameters, not rest arguments: these run a few times per online step, and a rest array each call
    // was most of a step's garbage.
    linearForward(n, outFeatures, inFeatures, x, w, bias, y) {
      kernelChecks.linearForward(n, outFeatures, inFeatures, x, w, bias, y);
      if (n === 1) K.linearForwardSingle(outFeatures, inFeatures, p(x), p(w), bias ? p(bias) : 0, p(y));
      else linearForwardByParts(this, n, outFeatures, inFeatures, x, w, bias, y);
    },
    denseReluStep(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, changes, rowAbsSums) {
      kernelChecks.denseReluStep(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, changes, rowAbsSums);
      const layers = sizes.length - 1;
      stepRecords.write(sizes, weights, biases, pre, post, coefs, p);
      const s = p(scratch);
      const workers = changes || rowAbsSums ? 1 : denseStepThreads(sizes, coefs);
      const loss = denseStep(workers, layers, p(x), p(label), p(dlogits), s, s + ((scratch.length >> 1) << 2), 0, 0, 0, 0, stepPartials(sizes), changes ? stepRecords.changesOffset : 0, rowAbsSums ? p(rowAbsSums) : 0);
      if (changes) stepRecords.readChanges(changes, layers);
      return loss;
    },
    denseReluStepDeferred(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, pending, pendingAlpha, pendingBeta, apply) {
      kernelChecks.denseReluStepDeferred(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, pending, pendingAlpha, pendingBeta, apply);
      const layers = sizes.length - 1;
      stepRecords.write(sizes, weights, biases, pre, post, coefs, p);
      const s = p(scratch);
      return denseStep(denseStepThreads(sizes, coefs), layers, p(x), p(label), p(dlogits), s, s + ((scratch.length >> 1) << 2), p(pending), pendingAlpha, pendingBeta, apply ? 1 : 0, stepPartials(sizes), 0, 0);
    },
    linearBackward(n, outFeatures, inFeatures, dy, x, w, dx, wAlpha, wBeta, wBuf, biasAlpha, biasBeta, biasBuf) {
      kernelChecks.linearBackward(n, outFeatures, inFeatures, dy, x, w, dx, wAlpha, wBeta, wBuf, biasAlpha, biasBeta, biasBuf);
      if (n === 1) K.linearBackwardSingle(outFeatures, inFeatures, p(dy), p(x), p(w), dx ? p(dx) : 0, wAlpha, wBeta, wBuf ? p(wBuf) : 0, biasAlpha, biasBeta, biasBuf ? p(biasBuf) : 0, partialsFor(inFeatures));
      else linearBackwardByParts(this, n, outFeatures, inFeatures, dy, x, w, dx, wAlpha, wBeta, wBuf, biasAlpha, biasBeta, biasBuf);
    },
    cbpUtility(units, rowsOut, wOut, h, inSize, wIn, decay, maturity, mean, state, colSum, rowSum) {
      kernelChecks.cbpUtility(units, rowsOut, wOut, h, inSize, wIn, decay, maturity, mean, state, colSum, rowSum);
      sizes('cbpUtility', units, rowsOut, inSize, rowsOut * units, units * inSize, 40 * units);
      const pOut = wOut ? p(wOut) : 0, ph = p(h), pIn = wIn ? p(wIn) : 0, pCol = p(colSum), pRow = rowSum ? p(rowSum) : 0;
      const m = mean ? 1 : 0;
      if (state instanceof Float64Array && state.byteOffset % 8 === 0 && mem.owns(state)) {
        return K.cbpUtilityStep(units, rowsOut, pOut, ph, inSize, pIn, decay, maturity, m, state.byteOffset, pCol, pRow);
      }
      // A state elsewhere (a plain Float64Array): through staging memory and back.
      const n = (mean ? 5 : 3) * units;
      if (!cbpStage || cbpStage.length < 2 * n) {
        if (cbpStage) mem.free(cbpStage);
        cbpStage = mem.alloc(2 * n);
      }
      const stage = new Float64Array(cbpStage.buffer, cbpStage.byteOffset, n);
      stage.set(state.subarray(0, n));
      const mature = K.cbpUtilityStep(units, rowsOut, pOut, ph, inSize, pIn, decay, maturity, m, cbpStage.byteOffset, pCol, pRow);
      state.set(stage);
      return mature;
    },
    gram(a, rows, cols, out) {
      kernelChecks.gram(a, rows, cols, out);
      sizes('gram', rows, cols, cols * cols);
      const pa = p(a);
      if (cols === 0) return;
      if (mem.owns(out) && out.byteOffset % 8 === 0 && out instanceof Float64Array) {
        K.gram(pa, rows, cols, out.byteOffset);
        return;
      }
      // out is a plain Float64Array (alloc only makes float32): compute into staging memory, then copy.
      const need = 2 * cols * cols;
      if (!gramOut || gramOut.length < need) {
        if (gramOut) mem.free(gramOut);
        gramOut = mem.alloc(need);
      }
      K.gram(pa, rows, cols, gramOut.byteOffset);
      const src = new Float64Array(gramOut.buffer, gramOut.byteOffset, cols * cols);
      for (let i = 0; i < cols * cols; i++) out[i] = src[i]!;
    },

    // activation and activationBackward: split between threads by range of whole vectors (bit-identical to one thread).
    activation(kind, x, y, param) {
      kernelChecks.activation(kind, x, y, param);
      const n = x.length, px = p(x), py = p(y);
      const workers = activationWorkers(kind, n);
      if (workers <= 1) {
        K.activation(kind, px, py, n, param);
        return;
      }
      const chunks = workers * CHUNKS_PER_THREAD;
      const pl = pool!;
      pl.setJob(Job.activation, chunks, kind, px, py, n, param);
      pl.dispatch(workers);
      try {
        K.activationChunks(kind, px, py, n, param, chunks, pl.counter);
      } finally {
        pl.wait();
      }
    },
    activationBackward(kind, x, y, dy, dx, param) {
      kernelChecks.activationBackward(kind, x, y, dy, dx, param);
      const n = dy.length, px = p(x), py = p(y), pdy = p(dy), pdx = p(dx);
      const workers = activationWorkers(kind, n);
      if (workers <= 1) {
        K.activationBackward(kind, px, py, pdy, pdx, n, param);
        return;
      }
      const chunks = workers * CHUNKS_PER_THREAD;
      const pl = pool!;
      pl.setJob(Job.activationBackward, chunks, kind, px, py, pdy, pdx, n, param);
      pl.dispatch(workers);
      try {
        K.activationBackwardChunks(kind, px, py, pdy, pdx, n, param, chunks, pl.counter);
      } finally {
        pl.wait();
      }
    },

    attentionForward(qkv, n, tokens, heads, headDim, causal, scale, probs, out) {
      kernelChecks.attentionForward(qkv, n, tokens, heads, headDim, causal, scale, probs, out);
      sizes('attentionForward', n, tokens, heads, headDim, n * heads, n * tokens * 3 * heads * headDim, n * heads * tokens * tokens);
      const pq = p(qkv), pp = p(probs), po = p(out), c = causal ? 1 : 0;
      const workers = attentionWorkers(n * heads, n * heads * tokens * tokens * headDim, tokens, headDim);
      if (workers <= 1) {
        K.attentionForwardPairs(pq, n, tokens, heads, headDim, c, scale, pp, po, 0, n * heads, attentionAt);
        return;
      }
      const chunks = Math.min(n * heads, workers * CHUNKS_PER_THREAD * 2);
      const pl = pool!;
      pl.setJob(Job.attentionForward, chunks, pq, n, tokens, heads, headDim, c, scale, pp, po);
      pl.dispatch(workers);
      try {
        K.attentionForwardChunks(pq, n, tokens, heads, headDim, c, scale, pp, po, chunks, pl.counter, attentionAt);
      } finally {
        pl.wait();
      }
    },
    attentionBackward(qkv, probs, dOut, n, tokens, heads, headDim, causal, scale, dQkv) {
      kernelChecks.attentionBackward(qkv, probs, dOut, n, tokens, heads, headDim, causal, scale, dQkv);
      sizes('attentionBackward', n, tokens, heads, headDim, n * heads, n * tokens * 3 * heads * headDim, n * heads * tokens * tokens);
      const pq = p(qkv), pp = p(probs), pg = p(dOut), pd = p(dQkv), c = causal ? 1 : 0;
      const workers = attentionWorkers(n * heads, 2 * n * heads * tokens * tokens * headDim, tokens, headDim);
      if (workers <= 1) {
        K.attentionBackwardPairs(pq, pp, pg, n, tokens, heads, headDim, c, scale, pd, 0, n * heads, attentionAt);
        return;
      }
      const chunks = Math.min(n * heads, workers * CHUNKS_PER_THREAD * 2);
      const pl = pool!;
      pl.setJob(Job.attentionBackward, chunks, pq, pp, pg, n, tokens, heads, headDim, c, scale, pd);
      pl.dispatch(workers);
      try {
        K.attentionBackwardChunks(pq, pp, pg, n, tokens, heads, headDim, c, scale, pd, chunks, pl.counter, attentionAt);
      } finally {
        pl.wait();
      }
    },
    im2col(x, n, c, h, w, kh, kw, stride, pad, cols) {
      kernelChecks.im2col(x, n, c, h, w, kh, kw, stride, pad, cols);
      const oh = convOut(h, kh, stride, pad);
      const ow = convOut(w, kw, stride, pad);
      convShape('im2col', n, c, h, w, kh, kw, stride, pad);
      if (oh <= 0 || ow <= 0) return;
      convJob(Job.im2col, p(x), n, c, h, w, kh, kw, stride, pad, oh, ow, p(cols));
    },
    col2im(cols, n, c, h, w, kh, kw, stride, pad, x) {
      kernelChecks.col2im(cols, n, c, h, w, kh, kw, stride, pad, x);
      const oh = convOut(h, kh, stride, pad);
      const ow = convOut(w, kw, stride, pad);
      convShape('col2im', n, c, h, w, kh, kw, stride, pad);
      convJob(Job.col2im, p(cols), n, c, h, w, kh, kw, stride, pad, Math.max(0, oh), Math.max(0, ow), p(x));
    },
    winogradInput(x, n, c, h, w, pad, v) {
      kernelChecks.winogradInput(x, n, c, h, w, pad, v);
      convShape('winogradInput', n, c, h, w, 3, 3, 1, pad);
      winogradJob(0, p(x), n, c, h, w, pad, 0, p(v), winogradValues(n, c, h + 2 * pad - 2, w + 2 * pad - 2));
    },
    winogradOutput(m, n, c, oh, ow, bias, y) {
      kernelChecks.winogradOutput(m, n, c, oh, ow, bias, y);
      convShape('winogradOutput', n, c, oh, ow, 1, 1, 1, 0);
      winogradJob(1, p(m), n, c, oh, ow, 0, bias ? p(bias) : 0, p(y), winogradValues(n, c, oh, ow));
    },
    winogradOutputAdjoint(dy, n, c, oh, ow, dm) {
      kernelChecks.winogradOutputAdjoint(dy, n, c, oh, ow, dm);
      convShape('winogradOutputAdjoint', n, c, oh, ow, 1, 1, 1, 0);
      winogradJob(2, p(dy), n, c, oh, ow, 0, 0, p(dm), winogradValues(n, c, oh, ow));
    },
    maxPool(x, n, c, h, w, k, stride, y, argmax) {
      kernelChecks.maxPool(x, n, c, h, w, k, stride, y, argmax);
      const oh = poolOut(h, k, stride);
      const ow = poolOut(w, k, stride);
      sizes('maxPool', n, c, h, w, k, stride);
      positive('maxPool', 'stride', stride);
      positive('maxPool', 'k', k);
      if (oh <= 0 || ow <= 0) return;
      const workers = planeWorkers(n * c, n * c * h * w);
      if (workers <= 1) {
        K.maxPool(p(x), n, c, h, w, k, stride, oh, ow, p(y), p(argmax));
        return;
      }
      const chunks = Math.min(n * c, workers * CHUNKS_PER_THREAD);
      const pl = pool!;
      pl.setJob(Job.maxPool, chunks, p(x), n, c, h, w, k, stride, oh, ow, p(y), p(argmax));
      pl.dispatch(workers);
      try {
        K.maxPoolChunks(p(x), n, c, h, w, k, stride, oh, ow, p(y), p(argmax), chunks, pl.counter);
      } finally {
        pl.wait();
      }
    },
    transpose01(a, d0, d1, inner, out) {
      kernelChecks.transpose01(a, d0, d1, inner, out);
      if (!(isSize(d0) && isSize(d1) && isSize(inner))) throw badSizes('transpose01', ['d0', 'd1', 'inner'], [d0, d1, inner]);
      // The threaded parts copy whole rows of `inner` values: worth it for rows of at least 8 values only.
      const workers = inner >= 8 ? planeWorkers(d0, d0 * d1 * inner) : 1;
      if (workers <= 1) {
        K.transpose01(p(a), d0, d1, inner, p(out));
        return;
      }
      const chunks = Math.min(d0, workers * CHUNKS_PER_THREAD);
      const pl = pool!;
      pl.setJob(Job.transpose01, chunks, p(a), d0, d1, inner, p(out));
      pl.dispatch(workers);
      try {
        K.transpose01Chunks(p(a), d0, d1, inner, p(out), chunks, pl.counter);
      } finally {
        pl.wait();
      }
    },
    transpose01AddBias(a, d0, d1, inner, bias, out) {
      kernelChecks.transpose01AddBias(a, d0, d1, inner, bias, out);
      if (!(isSize(d0) && isSize(d1) && isSize(inner))) throw badSizes('transpose01AddBias', ['d0', 'd1', 'inner'], [d0, d1, inner]);
      const workers = inner >= 8 ? planeWorkers(d0, d0 * d1 * inner) : 1;
      if (workers <= 1) {
        K.transpose01AddBias(p(a), d0, d1, inner, p(bias), p(out));
        return;
      }
      const chunks = Math.min(d0, workers * CHUNKS_PER_THREAD);
      const pl = pool!;
      pl.setJob(Job.transpose01AddBias, chunks, p(a), d0, d1, inner, p(bias), p(out));
      pl.dispatch(workers);
      try {
        K.transpose01AddBiasChunks(p(a), d0, d1, inner, p(bias), p(out), chunks, pl.counter);
      } finally {
        pl.wait();
      }
    },
    transpose01SumChannels(a, d0, d1, inner, out, alpha, beta, sums) {
      kernelChecks.transpose01SumChannels(a, d0, d1, inner, out, alpha, beta, sums);
      if (!(isSize(d0) && isSize(d1) && isSize(inner))) throw badSizes('transpose01SumChannels', ['d0', 'd1', 'inner'], [d0, d1, inner]);
      if (inner === 1) {
        // sumChannels sums columns (another order) when hw = 1: keep its bits.
        K.transpose01(p(a), d0, d1, inner, p(out));
        K.sumChannels(p(a), d0, d1, inner, alpha, beta, p(sums));
        return;
      }
      const workers = inner >= 8 ? planeWorkers(d1, d0 * d1 * inner) : 1;
      if (workers <= 1) {
        K.transpose01SumChannels(p(a), d0, d1, inner, p(out), alpha, beta, p(sums));
        return;
      }
      const chunks = Math.min(d1, workers * CHUNKS_PER_THREAD);
      const pl = pool!;
      pl.setJob(Job.transpose01SumChannels, chunks, p(a), d0, d1, inner, p(out), alpha, beta, p(sums));
      pl.dispatch(workers);
      try {
        K.transpose01SumChannelsChunks(p(a), d0, d1, inner, p(out), alpha, beta, p(sums), chunks, pl.counter);
      } finally {
        pl.wait();
      }
    },
    maxPoolBackward(dy, argmax, n, c, h, w, oh, ow, dx) {
      kernelChecks.maxPoolBackward(dy, argmax, n, c, h, w, oh, ow, dx);
      if (!(isSize(n) && isSize(c) && isSize(h) && isSize(w) && isSize(oh) && isSize(ow))) throw badSizes('maxPoolBackward', ['n', 'c', 'h', 'w', 'oh', 'ow'], [n, c, h, w, oh, ow]);
      const workers = planeWorkers(n * c, n * c * h * w);
      let bad: number;
      if (workers <= 1) bad = K.maxPoolBackward(p(dy), p(argmax), n, c, h, w, oh, ow, p(dx));
      else {
        const chunks = Math.min(n * c, workers * CHUNKS_PER_THREAD);
        const pl = pool!;
        pl.setJob(Job.maxPoolBackward, chunks, p(dy), p(argmax), n, c, h, w, oh, ow, p(dx));
        pl.dispatch(workers);
        try {
          K.maxPoolBackwardChunks(p(dy), p(argmax), n, c, h, w, oh, ow, p(dx), chunks, pl.counter, pl.result);
        } finally {
          pl.wait();
        }
        bad = pl.resultCount();
      }
      if (bad !== 0) throw kernelTable.maxPoolBackward.fail(bad, dy, argmax, n, c, h, w);
    },
    maxPoolCnhw(a, c, n, h, w, k, stride, bias, y, argmax) {
      kernelChecks.maxPoolCnhw(a, c, n, h, w, k, stride, bias, y, argmax);
      sizes('maxPoolCnhw', n, c, h, w, k, stride);
      positive('maxPoolCnhw', 'stride', stride);
      positive('maxPoolCnhw', 'k', k);
      const oh = Math.max(0, poolOut(h, k, stride)), ow = Math.max(0, poolOut(w, k, stride));
      const pa = p(a), pb = bias ? p(bias) : 0, py = p(y), pm = p(argmax);
      const workers = planeWorkers(c, n * c * h * w);
      if (workers <= 1) {
        K.maxPoolCnhw(pa, c, n, h, w, k, stride, oh, ow, pb, py, pm);
        return;
      }
      const chunks = Math.min(c, workers * CHUNKS_PER_THREAD);
      const pl = pool!;
      pl.setJob(Job.maxPoolCnhw, chunks, pa, c, n, h, w, k, stride, oh, ow, pb, py, pm);
      pl.dispatch(workers);
      try {
        K.maxPoolCnhwChunks(pa, c, n, h, w, k, stride, oh, ow, pb, py, pm, chunks, pl.counter);
      } finally {
        pl.wait();
      }
    },
    maxPoolBackwardCnhw(dy, argmax, n, c, h, w, oh, ow, dx, alpha, beta, sums) {
      kernelChecks.maxPoolBackwardCnhw(dy, argmax, n, c, h, w, oh, ow, dx, alpha, beta, sums);
      if (!(isSize(n) && isSize(c) && isSize(h) && isSize(w) && isSize(oh) && isSize(ow))) throw badSizes('maxPoolBackwardCnhw', ['n', 'c', 'h', 'w', 'oh', 'ow'], [n, c, h, w, oh, ow]);
      const pdy = p(dy), pm = p(argmax), pdx = p(dx), ps = sums ? p(sums) : 0;
      const workers = planeWorkers(c, n * c * h * w);
      let bad: number;
      if (workers <= 1) bad = K.maxPoolBackwardCnhw(pdy, pm, n, c, h, w, oh, ow, pdx, alpha, beta, ps);
      else {
        const chunks = Math.min(c, workers * CHUNKS_PER_THREAD);
        const pl = pool!;
        pl.setJob(Job.maxPoolBackwardCnhw, chunks, pdy, pm, n, c, h, w, oh, ow, pdx, alpha, beta, ps);
        pl.dispatch(workers);
        try {
          K.maxPoolBackwardCnhwChunks(pdy, pm, n, c, h, w, oh, ow, pdx, alpha, beta, ps, chunks, pl.counter, pl.result);
        } finally {
          pl.wait();
        }
        bad = pl.resultCount();
      }
      if (bad !== 0) throw kernelTable.maxPoolBackwardCnhw.fail(bad, dy, argmax, n, c, h, w);
    },
    batchNormTrain(x, n, c, hw, gamma, beta, eps, momentum, y, mean, invStd, runMean, runVar) {
      kernelChecks.batchNormTrain(x, n, c, hw, gamma, beta, eps, momentum, y, mean, invStd, runMean, runVar);
      if (!(isSize(n) && isSize(c) && isSize(hw))) throw badSizes('batchNormTrain', ['n', 'c', 'hw'], [n, c, hw]);
      const workers = planeWorkers(c, n * c * hw);
      const px = p(x), pg = p(gamma), pb = p(beta), py = p(y), pm = p(mean), pi = p(invStd), prm = p(runMean), prv = p(runVar);
      if (workers <= 1) {
        K.batchNormTrain(px, n, c, hw, pg, pb, eps, momentum, py, pm, pi, prm, prv);
        return;
      }
      const chunks = Math.min(c, workers * CHUNKS_PER_THREAD);
      const pl = pool!;
      pl.setJob(Job.batchNormTrain, chunks, px, n, c, hw, pg, pb, eps, momentum, py, pm, pi, prm, prv);
      pl.dispatch(workers);
      try {
        K.batchNormTrainChunks(px, n, c, hw, pg, pb, eps, momentum, py, pm, pi, prm, prv, chunks, pl.counter);
      } finally {
        pl.wait();
      }
    },
    batchNormBackward(x, dy, n, c, hw, gamma, mean, invStd, dx, dgamma, dbeta) {
      kernelChecks.batchNormBackward(x, dy, n, c, hw, gamma, mean, invStd, dx, dgamma, dbeta);
      if (!(isSize(n) && isSize(c) && isSize(hw))) throw badSizes('batchNormBackward', ['n', 'c', 'hw'], [n, c, hw]);
      const workers = planeWorkers(c, n * c * hw);
      const px = p(x), pdy = p(dy), pg = p(gamma), pm = p(mean), pi = p(invStd), pdx = p(dx), pdg = p(dgamma), pdb = p(dbeta);
      if (workers <= 1) {
        K.batchNormBackward(px, pdy, n, c, hw, pg, pm, pi, pdx, pdg, pdb);
        return;
      }
      const chunks = Math.min(c, workers * CHUNKS_PER_THREAD);
      const pl = pool!;
      pl.setJob(Job.batchNormBackward, chunks, px, pdy, n, c, hw, pg, pm, pi, pdx, pdg, pdb);
      pl.dispatch(workers);
      try {
        K.batchNormBackwardChunks(px, pdy, n, c, hw, pg, pm, pi, pdx, pdg, pdb, chunks, pl.counter);
      } finally {
        pl.wait();
      }
    },
  };
}
