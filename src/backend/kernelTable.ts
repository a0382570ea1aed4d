import type { FloatArray } from '../tensor/FloatArray.js';
import { Activation, type ActivationCode, type Backend } from './Backend.js';
import { checkBatch, checkEncode, checkGemm, checkLength, convOut, poolOut } from './checks.js';

// The one table of the kernels: for each kernel of Backend, its arguments (name and kind), the argument checks every
// backend runs, and how it crosses into WebAssembly (the export's parameter list). From it come the wasm ABI type
// (wasm/kernels.ts), the wasm wrappers of the simple kernels (wasm/wrapKernels.ts), the check that kernels.wasm
// exports what the table says (wasm/kernels.test.ts) and the conformance suite's list of kernels. The compiler keeps
// it in step with Backend.ts: a kernel missing here, an extra one, or an argument kind that does not fit the
// parameter's type is a type error.

/**
 * How an argument crosses into wasm:
 * - `arr` a FloatArray in backend memory (a pointer); `arr?` the same or null (pointer 0);
 * - `size` an i32 count, rejected unless an integer in [0, 2^31); `i32` an integer passed as is (codes, offsets);
 * - `f32` / `f64` a number, to a parameter of that type; `flag` a boolean, as 1 or 0;
 * - `f64arr`, `bytes`, `int32arr?`, `seeds`: the arguments of the hand-written wrappers (gram, encodeBytes,
 *   addNormal) that have no generic translation;
 * - `sizes` (a list of counts) and `arrs` (a list of FloatArrays, entries possibly null): denseReluStep's layer
 *   stack, also without a generic translation.
 */
export type ArgKind = 'arr' | 'arr?' | 'size' | 'i32' | 'f32' | 'f64' | 'flag' | 'f64arr' | 'bytes' | 'int32arr?' | 'seeds' | 'sizes' | 'arrs';

/** The kinds an argument of TypeScript type T may have. */
type KindOf<T> = [T] extends [boolean]
  ? 'flag'
  : [T] extends [number]
    ? 'size' | 'i32' | 'f32' | 'f64'
    : [T] extends [FloatArray]
      ? [FloatArray] extends [T]
        ? 'arr'
        : 'f64arr'
      : [T] extends [FloatArray | null]
        ? 'arr?'
        : [T] extends [Uint8Array]
          ? 'bytes'
          : [T] extends [Int32Array | null]
            ? 'int32arr?'
            : [T] extends [readonly number[]]
              ? 'seeds' | 'sizes'
              : [T] extends [readonly (FloatArray | null)[]]
                ? 'arrs'
                : never;

/** `name:kind` for each parameter of a kernel, in order. */
type ArgList<P extends readonly unknown[]> = { readonly [I in keyof P]: `${string}:${KindOf<P[I]>}` };

/** What a kernel returns: nothing, a number (an f64 from wasm) or a boolean (an i32 from wasm, nonzero = true). */
// biome-ignore lint/suspicious/noConfusingVoidType: void is the return type of a kernel that returns nothing
type ResultSpec<R> = [R] extends [void] ? { readonly result?: never } : [R] extends [boolean] ? { readonly result: 'bool' } : { readonly result: 'f64' };

/** One row of the table. */
export type KernelSpec<P extends readonly unknown[], R> = {
  /** The arguments as Backend declares them: `name:kind`. */
  readonly args: ArgList<P>;
  /** The checks every backend runs first (lengths against sizes, empty batches, codes, labels); throws on bad input. */
  readonly check?: (...args: P) => void;
  /**
   * The wasm export of the same name takes these, in order: an argument's name (translated by its kind), `#name`
   * (the length of array `name`) or `!name` (1 when number `name` is 0, else 0). Default: the arguments in order.
   * 'custom': the wasm backend has a hand-written wrapper (threads, fast paths, staging) over the exports of
   * wasmHelpers (wasm/kernels.ts).
   */
  readonly wasm?: 'custom' | readonly string[];
  /** The export returns a count of bad values (i32): nonzero throws this error. */
  readonly fail?: (bad: number, ...args: P) => Error;
} & ResultSpec<R>;

/** Members of Backend that are not kernels: identity, memory, and optional capabilities. */
type NotKernel = 'name' | 'description' | 'alloc' | 'allocBytes' | 'allocInt32' | 'free' | 'owns' | 'symmetricEigenvalues';

/** The names of the kernels of Backend. */
export type KernelName = Exclude<keyof Backend, NotKernel>;

/** The shape the table must have: one row per kernel, its kinds fitting Backend's parameter types. */
export type KernelTableSpec = { readonly [K in KernelName]: KernelSpec<Parameters<Backend[K]>, ReturnType<Backend[K]>> };

function linearSizes(kernel: string, n: number, outFeatures: number, inFeatures: number): void {
  checkBatch(kernel, n);
  if (!(outFeatures >= 1 && inFeatures >= 1 && Number.isInteger(outFeatures) && Number.isInteger(inFeatures))) {
    throw new Error(`${kernel}: outFeatures = ${outFeatures}, inFeatures = ${inFeatures} must be positive integers`);
  }
}

function checkDenseReluStep(sizes: readonly number[], x: FloatArray, label: FloatArray, weights: readonly FloatArray[], biases: readonly (FloatArray | null)[], pre: readonly FloatArray[], post: readonly FloatArray[], coefs: Float64Array, dlogits: FloatArray, scratch: FloatArray, changes?: Float64Array, rowAbsSums?: FloatArray): void {
  const k = 'denseReluStep';
  const layers = sizes.length - 1;
  if (!(layers >= 1)) throw new Error(`${k}: sizes has ${sizes.length} entries; it needs the input width and at least one layer's`);
  if (rowAbsSums) checkLength(k, 'rowAbsSums', rowAbsSums, sizes[1]!);
  let widest = 0;
  for (let l = 0; l <= layers; l++) {
    const s = sizes[l]!;
    if (!(s >= 1 && Number.isInteger(s) && s < 2 ** 31)) throw new Error(`${k}: sizes[${l}] = ${s} must be a positive integer`);
    if (l > 0 && l < layers && s > widest) widest = s;
  }
  if (weights.length !== layers || biases.length !== layers || pre.length !== layers || post.length !== layers - 1) {
    throw new Error(`${k}: ${layers} layers need ${layers} weights, biases and pre and ${layers - 1} post; got ${weights.length}, ${biases.length}, ${pre.length}, ${post.length}`);
  }
  checkLength(k, 'x', x, sizes[0]!);
  checkLength(k, 'label', label, 1);
  for (let l = 0; l < layers; l++) {
    const out = sizes[l + 1]!;
    const b = biases[l];
    // The names are built only on failure (a template string per layer and step would be garbage).
    if (weights[l]!.length < out * sizes[l]! || (b && b.length < out) || pre[l]!.length < out || (l < layers - 1 && post[l]!.length < out)) {
      checkLength(k, `weights[${l}]`, weights[l]!, out * sizes[l]!);
      if (b) checkLength(k, `biases[${l}]`, b, out);
      checkLength(k, `pre[${l}]`, pre[l]!, out);
      checkLength(k, `post[${l}]`, post[l]!, out);
    }
  }
  checkLength(k, 'coefs', coefs, 4 * layers);
  const classes = sizes[layers]!;
  checkLength(k, 'dlogits', dlogits, classes);
  checkLength(k, 'scratch', scratch, 2 * widest);
  if (changes) checkLength(k, 'changes', changes, layers);
  const c = label[0]!;
  if (!(c >= 0 && c < classes && Number.isInteger(c))) throw new Error(`${k}: label ${c} is not a class index in [0, ${classes})`);
}

function attentionSizes(kernel: string, n: number, tokens: number, heads: number, headDim: number): void {
  checkBatch(kernel, n);
  // No array of the sizes: this runs twice per attention layer per step, and allocation there is garbage.
  if (!(Number.isInteger(tokens) && tokens >= 1)) throw new Error(`${kernel}: tokens = ${tokens} must be a positive integer`);
  if (!(Number.isInteger(heads) && heads >= 1)) throw new Error(`${kernel}: heads = ${heads} must be a positive integer`);
  if (!(Number.isInteger(headDim) && headDim >= 1)) throw new Error(`${kernel}: headDim = ${headDim} must be a positive integer`);
}

function checkKind(kind: ActivationCode): void {
  if (!(Number.isInteger(kind) && kind >= Activation.identity && kind <= Activation.gelu)) throw new Error(`activation: unknown kind ${kind as number}`);
}

function convChecks(kernel: string, x: FloatArray, n: number, c: number, h: number, w: number, kh: number, kw: number, stride: number, pad: number, cols: FloatArray): void {
  checkBatch(kernel, n);
  checkLength(kernel, 'x', x, n * c * h * w);
  checkLength(kernel, 'cols', cols, c * kh * kw * n * convOut(h, kh, stride, pad) * convOut(w, kw, stride, pad));
}

/** Values of a Winograd F(2x2, 3x3) transform-domain array [16, c, n * tiles] for an oh x ow output. */
export function winogradValues(n: number, c: number, oh: number, ow: number): number {
  return 16 * c * n * Math.ceil(oh / 2) * Math.ceil(ow / 2);
}

function winogradSizes(kernel: string, n: number, oh: number, ow: number): void {
  checkBatch(kernel, n);
  if (!(oh >= 1 && ow >= 1)) throw new Error(`${kernel}: the output would be ${oh}x${ow}; a 3x3 kernel needs a nonempty output`);
}

/**
 * The kernels of Backend, in its order: arguments, checks, and the wasm export's parameters. Adding a kernel: its
 * signature and documentation in Backend.ts, its row here, the reference in ts/tsBackend.ts, the AssemblyScript
 * export (wasm/assembly), and conformance cases (test/backendConformance.test.ts); the wasm and native backends
 * follow from the row.
 */
export const kernelTable = {
  // --- vector ops ---
  fill: { args: ['y:arr', 'value:f32'], wasm: ['y', '#y', 'value'] },
  copy: { args: ['x:arr', 'y:arr'], check: (x, y) => checkLength('copy', 'y', y, x.length), wasm: ['x', 'y', '#x'] },
  scale: { args: ['y:arr', 'alpha:f32'], wasm: ['y', '#y', 'alpha'] },
  axpy: { args: ['alpha:f32', 'x:arr', 'y:arr'], check: (_alpha, x, y) => checkLength('axpy', 'y', y, x.length), wasm: ['#x', 'alpha', 'x', 'y'] },
  axpby: {
    args: ['alpha:f32', 'x:arr', 'beta:f32', 'y:arr'],
    check: (_alpha, x, _beta, y) => checkLength('axpby', 'y', y, x.length),
    // beta = 0 must not read y (NaN in y is ignored): the kernel takes that as a flag.
    wasm: ['#x', 'alpha', 'x', 'beta', '!beta', 'y'],
  },
  mul: {
    args: ['x:arr', 'y:arr', 'out:arr'],
    check(x, y, out) {
      checkLength('mul', 'y', y, x.length);
      checkLength('mul', 'out', out, x.length);
    },
    wasm: ['x', 'y', 'out', '#x'],
  },
  sum: { args: ['x:arr'], wasm: ['x', '#x'], result: 'f64' },
  sumAbs: { args: ['x:arr'], wasm: ['x', '#x'], result: 'f64' },
  sumSquares: { args: ['x:arr'], wasm: ['x', '#x'], result: 'f64' },
  dot: { args: ['x:arr', 'y:arr'], check: (x, y) => checkLength('dot', 'y', y, x.length), wasm: ['x', 'y', '#x'], result: 'f64' },
  sumAbsDiffAndCopy: { args: ['x:arr', 'copy:arr'], check: (x, copy) => checkLength('sumAbsDiffAndCopy', 'copy', copy, x.length), wasm: ['x', 'copy', '#x'], result: 'f64' },
  hasNonFinite: { args: ['x:arr'], wasm: ['x', '#x'], result: 'bool' },

  // --- matrix ops ---
  gemm: {
    args: ['transA:flag', 'transB:flag', 'm:size', 'n:size', 'k:size', 'alpha:f64', 'a:arr', 'b:arr', 'beta:f64', 'c:arr'],
    check: (transA, transB, m, n, k, _alpha, a, b, _beta, c) => checkGemm(transA, transB, m, n, k, a, b, c),
    wasm: 'custom',
  },
  linearForward: {
    args: ['n:size', 'outFeatures:size', 'inFeatures:size', 'x:arr', 'w:arr', 'bias:arr?', 'y:arr'],
    check(n, outFeatures, inFeatures, x, w, bias, y) {
      linearSizes('linearForward', n, outFeatures, inFeatures);
      checkLength('linearForward', 'x', x, n * inFeatures);
      checkLength('linearForward', 'w', w, outFeatures * inFeatures);
      if (bias) checkLength('linearForward', 'bias', bias, outFeatures);
      checkLength('linearForward', 'y', y, n * outFeatures);
    },
    wasm: 'custom',
  },
  linearBackward: {
    args: ['n:size', 'outFeatures:size', 'inFeatures:size', 'dy:arr', 'x:arr', 'w:arr', 'dx:arr?', 'wAlpha:f64', 'wBeta:f64', 'wBuf:arr?', 'biasAlpha:f64', 'biasBeta:f64', 'biasBuf:arr?'],
    check(n, outFeatures, inFeatures, dy, x, w, dx, _wAlpha, _wBeta, wBuf, _biasAlpha, _biasBeta, biasBuf) {
      linearSizes('linearBackward', n, outFeatures, inFeatures);
      checkLength('linearBackward', 'dy', dy, n * outFeatures);
      checkLength('linearBackward', 'x', x, n * inFeatures);
      checkLength('linearBackward', 'w', w, outFeatures * inFeatures);
      if (dx) checkLength('linearBackward', 'dx', dx, n * inFeatures);
      if (wBuf) checkLength('linearBackward', 'wBuf', wBuf, outFeatures * inFeatures);
      if (biasBuf) checkLength('linearBackward', 'biasBuf', biasBuf, outFeatures);
    },
    wasm: 'custom',
  },
  denseReluStep: {
    args: ['sizes:sizes', 'x:arr', 'label:arr', 'weights:arrs', 'biases:arrs', 'pre:arrs', 'post:arrs', 'coefs:f64arr', 'dlogits:arr', 'scratch:arr'],
    check: checkDenseReluStep,
    wasm: 'custom',
    result: 'f64',
  },
  denseReluStepDeferred: {
    args: ['sizes:sizes', 'x:arr', 'label:arr', 'weights:arrs', 'biases:arrs', 'pre:arrs', 'post:arrs', 'coefs:f64arr', 'dlogits:arr', 'scratch:arr', 'pending:arr', 'pendingAlpha:f64', 'pendingBeta:f64', 'apply:flag'],
    check(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch, pending) {
      checkDenseReluStep(sizes, x, label, weights, biases, pre, post, coefs, dlogits, scratch);
      checkLength('denseReluStepDeferred', 'pending', pending, sizes[0]! + sizes[1]!);
    },
    wasm: 'custom',
    result: 'f64',
  },
  addRowVector: {
    args: ['a:arr', 'rows:size', 'cols:size', 'v:arr'],
    check(a, rows, cols, v) {
      checkLength('addRowVector', 'a', a, rows * cols);
      checkLength('addRowVector', 'v', v, cols);
    },
  },
  sumRows: {
    args: ['a:arr', 'rows:size', 'cols:size', 'alpha:f64', 'beta:f64', 'out:arr'],
    check(a, rows, cols, _alpha, _beta, out) {
      checkLength('sumRows', 'a', a, rows * cols);
      checkLength('sumRows', 'out', out, cols);
    },
  },
  colSumsAbs: {
    args: ['a:arr', 'rows:size', 'cols:size', 'out:arr'],
    check(a, rows, cols, out) {
      checkLength('colSumsAbs', 'a', a, rows * cols);
      checkLength('colSumsAbs', 'out', out, cols);
    },
  },
  rowSumsAbs: {
    args: ['a:arr', 'rows:size', 'cols:size', 'out:arr'],
    check(a, rows, cols, out) {
      checkLength('rowSumsAbs', 'a', a, rows * cols);
      checkLength('rowSumsAbs', 'out', out, rows);
    },
  },
  cbpUtility: {
    args: ['units:size', 'rowsOut:size', 'wOut:arr?', 'h:arr', 'inSize:size', 'wIn:arr?', 'decay:f64', 'maturity:f64', 'mean:flag', 'state:f64arr', 'colSum:arr', 'rowSum:arr?'],
    check(units, rowsOut, wOut, h, inSize, wIn, _decay, _maturity, mean, state, colSum, rowSum) {
      if (wOut) checkLength('cbpUtility', 'wOut', wOut, rowsOut * units);
      checkLength('cbpUtility', 'h', h, units);
      checkLength('cbpUtility', 'state', state, (mean ? 5 : 3) * units);
      checkLength('cbpUtility', 'colSum', colSum, units);
      if (wIn) {
        checkLength('cbpUtility', 'wIn', wIn, units * inSize);
        if (!rowSum) throw new Error('cbpUtility: rowSum is null but wIn is given (the adaptable utility needs its row sums)');
      }
      if (rowSum) {
        if (!mean) throw new Error('cbpUtility: mean is false but rowSum is given (the adaptable utility reads the running mean)');
        if (!(inSize >= 1)) throw new Error(`cbpUtility: inSize = ${inSize}; the adaptable utility (rowSum given) divides by it`);
        checkLength('cbpUtility', 'rowSum', rowSum, units);
      }
    },
    // The float64 state is staged through wasm memory when it lives elsewhere.
    wasm: 'custom',
    result: 'f64',
  },
  gram: {
    args: ['a:arr', 'rows:size', 'cols:size', 'out:f64arr'],
    check(a, rows, cols, out) {
      checkLength('gram', 'a', a, rows * cols);
      checkLength('gram', 'out', out, cols * cols);
    },
    // out is a plain Float64Array, staged through wasm memory.
    wasm: 'custom',
  },
  transpose01: {
    args: ['a:arr', 'd0:size', 'd1:size', 'inner:size', 'out:arr'],
    check(a, d0, d1, inner, out) {
      checkLength('transpose01', 'a', a, d0 * d1 * inner);
      checkLength('transpose01', 'out', out, d0 * d1 * inner);
    },
    // Split between threads by rows of a.
    wasm: 'custom',
  },
  transpose01AddBias: {
    args: ['a:arr', 'd0:size', 'd1:size', 'inner:size', 'bias:arr', 'out:arr'],
    check(a, d0, d1, inner, bias, out) {
      checkLength('transpose01AddBias', 'a', a, d0 * d1 * inner);
      checkLength('transpose01AddBias', 'bias', bias, d0);
      checkLength('transpose01AddBias', 'out', out, d0 * d1 * inner);
    },
    // Split between threads by rows of a.
    wasm: 'custom',
  },
  transpose01SumChannels: {
    args: ['a:arr', 'd0:size', 'd1:size', 'inner:size', 'out:arr', 'alpha:f64', 'beta:f64', 'sums:arr'],
    check(a, d0, d1, inner, out, _alpha, _beta, sums) {
      checkBatch('transpose01SumChannels', d0);
      checkLength('transpose01SumChannels', 'a', a, d0 * d1 * inner);
      checkLength('transpose01SumChannels', 'out', out, d0 * d1 * inner);
      checkLength('transpose01SumChannels', 'sums', sums, d1);
    },
    // Split between threads by channels (d1), each channel's sum in one thread.
    wasm: 'custom',
  },

  // --- channels ---
  addChannelBias: {
    args: ['a:arr', 'n:size', 'c:size', 'hw:size', 'bias:arr'],
    check(a, n, c, hw, bias) {
      checkBatch('addChannelBias', n);
      checkLength('addChannelBias', 'a', a, n * c * hw);
      checkLength('addChannelBias', 'bias', bias, c);
    },
  },
  sumChannels: {
    args: ['a:arr', 'n:size', 'c:size', 'hw:size', 'alpha:f64', 'beta:f64', 'out:arr'],
    check(a, n, c, hw, _alpha, _beta, out) {
      checkBatch('sumChannels', n);
      checkLength('sumChannels', 'a', a, n * c * hw);
      checkLength('sumChannels', 'out', out, c);
    },
  },

  // --- activations ---
  activation: {
    args: ['kind:i32', 'x:arr', 'y:arr', 'param:f32'],
    check(kind, x, y) {
      checkLength('activation', 'y', y, x.length);
      checkKind(kind);
    },
    // Split between threads by range.
    wasm: 'custom',
  },
  activationBackward: {
    args: ['kind:i32', 'x:arr', 'y:arr', 'dy:arr', 'dx:arr', 'param:f32'],
    check(kind, x, y, dy, dx) {
      const n = dy.length;
      checkLength('activationBackward', 'x', x, n);
      checkLength('activationBackward', 'y', y, n);
      checkLength('activationBackward', 'dx', dx, n);
      checkKind(kind);
    },
    // Split between threads by range.
    wasm: 'custom',
  },
  crelu: {
    args: ['x:arr', 'n:size', 'c:size', 'hw:size', 'y:arr'],
    check(x, n, c, hw, y) {
      checkBatch('crelu', n);
      checkLength('crelu', 'x', x, n * c * hw);
      checkLength('crelu', 'y', y, 2 * n * c * hw);
    },
  },
  creluBackward: {
    args: ['x:arr', 'dy:arr', 'n:size', 'c:size', 'hw:size', 'dx:arr'],
    check(x, dy, n, c, hw, dx) {
      checkBatch('creluBackward', n);
      checkLength('creluBackward', 'x', x, n * c * hw);
      checkLength('creluBackward', 'dy', dy, 2 * n * c * hw);
      checkLength('creluBackward', 'dx', dx, n * c * hw);
    },
  },

  // --- convolution and pooling ---
  im2col: {
    args: ['x:arr', 'n:size', 'c:size', 'h:size', 'w:size', 'kh:size', 'kw:size', 'stride:size', 'pad:size', 'cols:arr'],
    check: (x, n, c, h, w, kh, kw, stride, pad, cols) => convChecks('im2col', x, n, c, h, w, kh, kw, stride, pad, cols),
    // Split between threads by rows of cols.
    wasm: 'custom',
  },
  winogradInput: {
    args: ['x:arr', 'n:size', 'c:size', 'h:size', 'w:size', 'pad:size', 'v:arr'],
    check(x, n, c, h, w, pad, v) {
      winogradSizes('winogradInput', n, h + 2 * pad - 2, w + 2 * pad - 2);
      checkLength('winogradInput', 'x', x, n * c * h * w);
      checkLength('winogradInput', 'v', v, winogradValues(n, c, h + 2 * pad - 2, w + 2 * pad - 2));
    },
    // Split between threads by channel.
    wasm: 'custom',
  },
  winogradOutput: {
    args: ['m:arr', 'n:size', 'c:size', 'oh:size', 'ow:size', 'bias:arr?', 'y:arr'],
    check(m, n, c, oh, ow, bias, y) {
      winogradSizes('winogradOutput', n, oh, ow);
      checkLength('winogradOutput', 'm', m, winogradValues(n, c, oh, ow));
      checkLength('winogradOutput', 'y', y, n * c * oh * ow);
      if (bias) checkLength('winogradOutput', 'bias', bias, c);
    },
    wasm: 'custom',
  },
  winogradFilter: {
    args: ['w:arr', 'outC:size', 'inC:size', 'u:arr'],
    check(w, outC, inC, u) {
      checkLength('winogradFilter', 'w', w, outC * inC * 9);
      checkLength('winogradFilter', 'u', u, 16 * outC * inC);
    },
    wasm: ['w', 'outC', 'inC', 'u'],
  },
  winogradOutputAdjoint: {
    args: ['dy:arr', 'n:size', 'c:size', 'oh:size', 'ow:size', 'dm:arr'],
    check(dy, n, c, oh, ow, dm) {
      winogradSizes('winogradOutputAdjoint', n, oh, ow);
      checkLength('winogradOutputAdjoint', 'dy', dy, n * c * oh * ow);
      checkLength('winogradOutputAdjoint', 'dm', dm, winogradValues(n, c, oh, ow));
    },
    wasm: 'custom',
  },
  winogradFilterAdjoint: {
    args: ['du:arr', 'outC:size', 'inC:size', 'alpha:f64', 'beta:f64', 'dw:arr'],
    check(du, outC, inC, _alpha, _beta, dw) {
      checkLength('winogradFilterAdjoint', 'du', du, 16 * outC * inC);
      checkLength('winogradFilterAdjoint', 'dw', dw, outC * inC * 9);
    },
    wasm: ['du', 'outC', 'inC', 'alpha', 'beta', '!beta', 'dw'],
  },
  col2im: {
    args: ['cols:arr', 'n:size', 'c:size', 'h:size', 'w:size', 'kh:size', 'kw:size', 'stride:size', 'pad:size', 'x:arr'],
    check: (cols, n, c, h, w, kh, kw, stride, pad, x) => convChecks('col2im', x, n, c, h, w, kh, kw, stride, pad, cols),
    // Split between threads by channel.
    wasm: 'custom',
  },
  maxPool: {
    args: ['x:arr', 'n:size', 'c:size', 'h:size', 'w:size', 'k:size', 'stride:size', 'y:arr', 'argmax:arr'],
    check(x, n, c, h, w, k, stride, y, argmax) {
      checkBatch('maxPool', n);
      const outs = n * c * poolOut(h, k, stride) * poolOut(w, k, stride);
      checkLength('maxPool', 'x', x, n * c * h * w);
      checkLength('maxPool', 'y', y, outs);
      checkLength('maxPool', 'argmax', argmax, outs);
    },
    // The export takes the output size too, and an empty output is no call; split between threads by plane.
    wasm: 'custom',
  },
  maxPoolBackward: {
    args: ['dy:arr', 'argmax:arr', 'n:size', 'c:size', 'h:size', 'w:size', 'oh:size', 'ow:size', 'dx:arr'],
    check(dy, argmax, n, c, h, w, oh, ow, dx) {
      checkBatch('maxPoolBackward', n);
      checkLength('maxPoolBackward', 'dy', dy, n * c * oh * ow);
      checkLength('maxPoolBackward', 'argmax', argmax, n * c * oh * ow);
      checkLength('maxPoolBackward', 'dx', dx, n * c * h * w);
    },
    fail: (bad, _dy, _argmax, _n, _c, h, w) => new Error(`maxPoolBackward: ${bad} argmax value(s) are not an index of a ${h}x${w} plane`),
    // Split between threads by plane.
    wasm: 'custom',
  },
  maxPoolCnhw: {
    args: ['a:arr', 'c:size', 'n:size', 'h:size', 'w:size', 'k:size', 'stride:size', 'bias:arr?', 'y:arr', 'argmax:arr'],
    check(a, c, n, h, w, k, stride, bias, y, argmax) {
      checkBatch('maxPoolCnhw', n);
      const outs = n * c * poolOut(h, k, stride) * poolOut(w, k, stride);
      checkLength('maxPoolCnhw', 'a', a, c * n * h * w);
      if (bias) checkLength('maxPoolCnhw', 'bias', bias, c);
      checkLength('maxPoolCnhw', 'y', y, outs);
      checkLength('maxPoolCnhw', 'argmax', argmax, outs);
    },
    // Split between threads by channel.
    wasm: 'custom',
  },
  maxPoolBackwardCnhw: {
    args: ['dy:arr', 'argmax:arr', 'n:size', 'c:size', 'h:size', 'w:size', 'oh:size', 'ow:size', 'dx:arr', 'alpha:f64', 'beta:f64', 'sums:arr?'],
    check(dy, argmax, n, c, h, w, oh, ow, dx, _alpha, _beta, sums) {
      checkBatch('maxPoolBackwardCnhw', n);
      checkLength('maxPoolBackwardCnhw', 'dy', dy, n * c * oh * ow);
      checkLength('maxPoolBackwardCnhw', 'argmax', argmax, n * c * oh * ow);
      checkLength('maxPoolBackwardCnhw', 'dx', dx, n * c * h * w);
      if (sums) checkLength('maxPoolBackwardCnhw', 'sums', sums, c);
    },
    fail: (bad, _dy, _argmax, _n, _c, h, w) => new Error(`maxPoolBackwardCnhw: ${bad} argmax value(s) are not an index of a ${h}x${w} plane`),
    // Split between threads by channel, each channel's sum in one thread.
    wasm: 'custom',
  },
  globalAvgPool: {
    args: ['x:arr', 'n:size', 'c:size', 'hw:size', 'y:arr'],
    check(x, n, c, hw, y) {
      checkBatch('globalAvgPool', n);
      checkLength('globalAvgPool', 'x', x, n * c * hw);
      checkLength('globalAvgPool', 'y', y, n * c);
    },
  },
  globalAvgPoolBackward: {
    args: ['dy:arr', 'n:size', 'c:size', 'hw:size', 'dx:arr'],
    check(dy, n, c, hw, dx) {
      checkBatch('globalAvgPoolBackward', n);
      checkLength('globalAvgPoolBackward', 'dy', dy, n * c);
      checkLength('globalAvgPoolBackward', 'dx', dx, n * c * hw);
    },
  },

  // --- normalization ---
  batchNormTrain: {
    args: ['x:arr', 'n:size', 'c:size', 'hw:size', 'gamma:arr', 'beta:arr', 'eps:f64', 'momentum:f64', 'y:arr', 'mean:arr', 'invStd:arr', 'runMean:arr', 'runVar:arr'],
    check(x, n, c, hw, gamma, beta, _eps, _momentum, y, mean, invStd, runMean, runVar) {
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
    // Split between threads by channel.
    wasm: 'custom',
  },
  batchNormEval: {
    args: ['x:arr', 'n:size', 'c:size', 'hw:size', 'gamma:arr', 'beta:arr', 'runMean:arr', 'runVar:arr', 'eps:f64', 'y:arr'],
    check(x, n, c, hw, gamma, beta, runMean, runVar, _eps, y) {
      checkBatch('batchNormEval', n);
      checkLength('batchNormEval', 'x', x, n * c * hw);
      checkLength('batchNormEval', 'y', y, n * c * hw);
      checkLength('batchNormEval', 'gamma', gamma, c);
      checkLength('batchNormEval', 'beta', beta, c);
      checkLength('batchNormEval', 'runMean', runMean, c);
      checkLength('batchNormEval', 'runVar', runVar, c);
    },
  },
  batchNormBackward: {
    args: ['x:arr', 'dy:arr', 'n:size', 'c:size', 'hw:size', 'gamma:arr', 'mean:arr', 'invStd:arr', 'dx:arr', 'dgamma:arr', 'dbeta:arr'],
    check(x, dy, n, c, hw, gamma, mean, invStd, dx, dgamma, dbeta) {
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
    // Split between threads by channel.
    wasm: 'custom',
  },
  layerNorm: {
    args: ['x:arr', 'rows:size', 'cols:size', 'gamma:arr', 'beta:arr', 'eps:f64', 'y:arr', 'mean:arr', 'invStd:arr'],
    check(x, rows, cols, gamma, beta, _eps, y, mean, invStd) {
      checkBatch('layerNorm', rows);
      checkLength('layerNorm', 'x', x, rows * cols);
      checkLength('layerNorm', 'y', y, rows * cols);
      checkLength('layerNorm', 'gamma', gamma, cols);
      checkLength('layerNorm', 'beta', beta, cols);
      checkLength('layerNorm', 'mean', mean, rows);
      checkLength('layerNorm', 'invStd', invStd, rows);
    },
  },
  layerNormBackward: {
    args: ['x:arr', 'dy:arr', 'rows:size', 'cols:size', 'gamma:arr', 'mean:arr', 'invStd:arr', 'dx:arr', 'dgamma:arr', 'dbeta:arr'],
    check(x, dy, rows, cols, gamma, mean, invStd, dx, dgamma, dbeta) {
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
  },

  // --- attention ---
  softmaxRows: {
    args: ['x:arr', 'rows:size', 'cols:size', 'causal:flag', 'y:arr'],
    check(x, rows, cols, causal, y) {
      checkBatch('softmaxRows', rows);
      if (cols < 1) throw new Error(`softmaxRows: cols = ${cols} must be at least 1`);
      if (causal && rows % cols !== 0) throw new Error(`softmaxRows: causal rows = ${rows} must be a multiple of cols = ${cols} (square blocks)`);
      checkLength('softmaxRows', 'x', x, rows * cols);
      checkLength('softmaxRows', 'y', y, rows * cols);
    },
  },
  softmaxRowsBackward: {
    args: ['y:arr', 'dy:arr', 'rows:size', 'cols:size', 'dx:arr'],
    check(y, dy, rows, cols, dx) {
      checkBatch('softmaxRowsBackward', rows);
      checkLength('softmaxRowsBackward', 'y', y, rows * cols);
      checkLength('softmaxRowsBackward', 'dy', dy, rows * cols);
      checkLength('softmaxRowsBackward', 'dx', dx, rows * cols);
    },
  },

  attentionForward: {
    args: ['qkv:arr', 'n:size', 'tokens:size', 'heads:size', 'headDim:size', 'causal:flag', 'scale:f64', 'probs:arr', 'out:arr'],
    check(qkv, n, tokens, heads, headDim, _causal, _scale, probs, out) {
      attentionSizes('attentionForward', n, tokens, heads, headDim);
      const d = heads * headDim;
      checkLength('attentionForward', 'qkv', qkv, n * tokens * 3 * d);
      checkLength('attentionForward', 'probs', probs, n * heads * tokens * tokens);
      checkLength('attentionForward', 'out', out, n * tokens * d);
    },
    // Split between threads by (example, head) pair.
    wasm: 'custom',
  },
  attentionBackward: {
    args: ['qkv:arr', 'probs:arr', 'dOut:arr', 'n:size', 'tokens:size', 'heads:size', 'headDim:size', 'causal:flag', 'scale:f64', 'dQkv:arr'],
    check(qkv, probs, dOut, n, tokens, heads, headDim, _causal, _scale, dQkv) {
      attentionSizes('attentionBackward', n, tokens, heads, headDim);
      const d = heads * headDim;
      checkLength('attentionBackward', 'qkv', qkv, n * tokens * 3 * d);
      checkLength('attentionBackward', 'probs', probs, n * heads * tokens * tokens);
      checkLength('attentionBackward', 'dOut', dOut, n * tokens * d);
      checkLength('attentionBackward', 'dQkv', dQkv, n * tokens * 3 * d);
    },
    wasm: 'custom',
  },

  // --- losses ---
  softmaxCrossEntropy: {
    args: ['logits:arr', 'labels:arr', 'rows:size', 'cols:size', 'ld:size', 'scale:f64', 'dlogits:arr'],
    check(logits, labels, rows, cols, ld, _scale, dlogits) {
      checkBatch('softmaxCrossEntropy', rows);
      if (cols < 1 || cols > ld) throw new Error(`softmaxCrossEntropy: cols = ${cols} must be in [1, ld = ${ld}]`);
      checkLength('softmaxCrossEntropy', 'logits', logits, rows * ld);
      checkLength('softmaxCrossEntropy', 'labels', labels, rows);
      checkLength('softmaxCrossEntropy', 'dlogits', dlogits, rows * ld);
      // Kernels index with the labels: all are checked before any row is computed.
      for (let r = 0; r < rows; r++) {
        const label = labels[r]!;
        if (!(label >= 0 && label < cols && Number.isInteger(label))) {
          throw new Error(`softmaxCrossEntropy: label ${label} of row ${r} is not a class index in [0, ${cols})`);
        }
      }
    },
    result: 'f64',
  },
  squaredError: {
    args: ['pred:arr', 'target:arr', 'scale:f64', 'dpred:arr'],
    check(pred, target, _scale, dpred) {
      checkLength('squaredError', 'target', target, pred.length);
      checkLength('squaredError', 'dpred', dpred, pred.length);
    },
    wasm: ['pred', 'target', '#pred', 'scale', 'dpred'],
    result: 'f64',
  },
  argmaxRows: {
    args: ['a:arr', 'rows:size', 'cols:size', 'ld:size', 'out:arr'],
    check(a, rows, cols, ld, out) {
      checkLength('argmaxRows', 'a', a, rows * ld);
      checkLength('argmaxRows', 'out', out, rows);
      if (cols > ld) throw new Error(`argmaxRows: cols = ${cols} must be at most ld = ${ld}`);
    },
  },

  // --- data ---
  encodeBytes: {
    args: ['src:bytes', 'srcOffset:i32', 'n:i32', 'plane:i32', 'lut:arr', 'perm:int32arr?', 'out:arr', 'outOffset:i32'],
    check: checkEncode,
    // Byte and integer arrays, offsets into them, and an empty call is none.
    wasm: 'custom',
  },

  // --- randomness ---
  addNormal: {
    args: ['y:arr', 'sigma:f32', 'seeds:seeds'],
    check(_y, sigma) {
      if (!Number.isFinite(sigma)) throw new Error(`addNormal: sigma = ${sigma} is not a finite number`);
    },
    wasm: 'custom',
  },
  shrinkAddNormal: {
    args: ['y:arr', 'shrink:f32', 'sigma:f32', 'seeds:seeds'],
    check(_y, shrink, sigma) {
      if (!Number.isFinite(shrink)) throw new Error(`shrinkAddNormal: shrink = ${shrink} is not a finite number`);
      if (!Number.isFinite(sigma)) throw new Error(`shrinkAddNormal: sigma = ${sigma} is not a finite number`);
    },
    wasm: 'custom',
  },

  // --- optimizer kernels ---
  adam: {
    args: ['g:arr', 'm:arr', 'v:arr', 'p1:arr', 'p2:arr', 'b1:f64', 'b2:f64', 'eps:f32'],
    check(g, m, v, p1, p2) {
      const n = g.length;
      checkLength('adam', 'm', m, n);
      checkLength('adam', 'v', v, n);
      checkLength('adam', 'p1', p1, n);
      checkLength('adam', 'p2', p2, n);
    },
    wasm: ['g', 'm', 'v', 'p1', 'p2', '#g', 'b1', 'b2', 'eps'],
  },
  momentum: {
    args: ['g:arr', 'buf:arr', 'mu:f32', 'nesterov:flag'],
    check: (g, buf) => checkLength('momentum', 'buf', buf, g.length),
    wasm: ['g', 'buf', '#g', 'mu', 'nesterov'],
  },
} as const satisfies KernelTableSpec;

/** The table's type, row by row (literal argument lists: wasm/kernels.ts derives the ABI from them). */
export type KernelTable = typeof kernelTable;

/** The kernel names, in the table's order. */
export const kernelNames = Object.keys(kernelTable) as KernelName[];

/** The kernels the wasm backend wraps from their rows alone: an export of the same name (all rows but 'custom'). */
export type TableKernel = { [K in KernelName]: KernelTable[K] extends { wasm: 'custom' } ? never : K }[KernelName];

/** The kernels whose rows have checks. */
type CheckedKernel = { [K in KernelName]: KernelTable[K] extends { check: unknown } ? K : never }[KernelName];

/**
 * The argument checks of each kernel, shared by every backend (the reference runs them before its loops, the wasm
 * wrappers before they hand pointers to wasm): lengths against the sizes, empty batches, codes and labels.
 */
export const kernelChecks = Object.fromEntries(
  kernelNames.flatMap((k) => {
    const check = (kernelTable[k] as { check?: unknown }).check;
    return check ? [[k, check]] : [];
  }),
) as { readonly [K in CheckedKernel]: (...args: Parameters<Backend[K]>) => void };
