import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import type { KernelTable, TableKernel } from '../kernelTable.js';

/** Where `npm run build` writes the compiled kernels. */
export const wasmPath = fileURLToPath(new URL('../../../wasm/kernels.wasm', import.meta.url));
/** The same kernels built with relaxed SIMD: gemm's micro-kernel uses fused multiply-adds (f32x4.relaxed_madd). */
export const wasmFmaPath = fileURLToPath(new URL('../../../wasm/kernels-fma.wasm', import.meta.url));

/** The type of a wasm value, as a helper's parameter: `ptr` is an i32 byte offset into the shared memory. */
export type WasmParam = `${string}:${'ptr' | 'i32' | 'f32' | 'f64'}`;

/** The parameters of the attention exports up to the share of the pairs: as the kernels' arguments. */
const attentionForward = ['qkv:ptr', 'n:i32', 'tokens:i32', 'heads:i32', 'headDim:i32', 'causal:i32', 'scale:f64', 'probs:ptr', 'out:ptr'] as const;
const attentionBackward = ['qkv:ptr', 'probs:ptr', 'dOut:ptr', 'n:i32', 'tokens:i32', 'heads:i32', 'headDim:i32', 'causal:i32', 'scale:f64', 'dQkv:ptr'] as const;

/**
 * The exports of kernels.wasm besides those of kernelTable's rows (a row not marked 'custom' is an export of the
 * kernel's name): the building blocks of the hand-written wrappers (gemm's paths, one example's dense layer and whole dense-ReLU step, threaded
 * im2col/col2im, pooling and batch norm) and of the worker threads. Pointers are byte offsets; sizes are counts. kernels.test.ts checks
 * the compiled module against these and the table, parameter types included.
 */
export const wasmHelpers = {
  heapBase: { params: [], result: 'i32' },
  gemmScratchBytes: { params: [], result: 'i32' },
  winogradScratchFloats: { params: [], result: 'i32' },
  gemmPart: { params: ['transA:i32', 'transB:i32', 'm:i32', 'n:i32', 'k:i32', 'alpha:f64', 'a:ptr', 'b:ptr', 'beta:f64', 'c:ptr', 'part:i32', 'parts:i32', 'scratch:ptr'] },
  gemmUnits: { params: ['m:i32', 'n:i32'], result: 'i32' },
  multiplyAddPeak: { params: ['rounds:i32', 'x:f32'], result: 'f64' },
  gemmChunks: { params: ['transA:i32', 'transB:i32', 'm:i32', 'n:i32', 'k:i32', 'alpha:f64', 'a:ptr', 'b:ptr', 'beta:f64', 'c:ptr', 'chunks:i32', 'counter:ptr', 'scratch:ptr'] },
  thinLaneFloats: { params: ['m:i32', 'n:i32'], result: 'i32' },
  thinHalf: { params: ['m:i32', 'n:i32', 'k:i32', 'a:ptr', 'b:ptr', 'lanes:ptr', 'half:i32'] },
  thinHalves: { params: ['m:i32', 'n:i32', 'k:i32', 'a:ptr', 'b:ptr', 'lanes:ptr', 'counter:ptr'] },
  thinFinish: { params: ['m:i32', 'n:i32', 'alpha:f64', 'beta:f64', 'lanes:ptr', 'c:ptr'] },
  dxPartialFloats: { params: ['inp:i32'], result: 'i32' },
  gemvT: { params: ['rows:i32', 'len:i32', 'alpha:f64', 'x:ptr', 'w:ptr', 'ldw:i32', 'beta:f64', 'y:ptr'] },
  gemvN: { params: ['cols:i32', 'len:i32', 'alpha:f64', 'x:ptr', 'w:ptr', 'ldw:i32', 'beta:f64', 'y:ptr'] },
  ger: { params: ['m:i32', 'n:i32', 'alpha:f64', 'x:ptr', 'v:ptr', 'beta:f64', 'c:ptr'] },
  linearForwardSingle: { params: ['rows:i32', 'len:i32', 'x:ptr', 'w:ptr', 'bias:ptr', 'y:ptr'] },
  linearBackwardSingle: {
    params: ['out:i32', 'inp:i32', 'dy:ptr', 'x:ptr', 'w:ptr', 'dx:ptr', 'alpha:f64', 'beta:f64', 'buf:ptr', 'balpha:f64', 'bbeta:f64', 'bb:ptr', 'partials:ptr'],
  },
  cbpUtilityStep: {
    params: ['units:i32', 'rowsOut:i32', 'wOut:ptr', 'h:ptr', 'inSize:i32', 'wIn:ptr', 'decay:f64', 'maturity:f64', 'mean:i32', 'state:ptr', 'colSum:ptr', 'rowSum:ptr'],
    result: 'i32',
  },
  denseReluStepShared: {
    params: ['layers:i32', 'desc:ptr', 'coefs:ptr', 'x:ptr', 'label:ptr', 'dlogits:ptr', 'scratchA:ptr', 'scratchB:ptr', 'pending:ptr', 'pal:f64', 'pbt:f64', 'apply:i32', 'partials:ptr', 'changes:ptr', 'rowSums:ptr', 'threads:i32', 'thread:i32', 'sync:ptr', 'errorAt:ptr'],
    result: 'f64',
  },
  gemmSmallNT: { params: ['m:i32', 'n:i32', 'k:i32', 'alpha:f64', 'a:ptr', 'lda:i32', 'w:ptr', 'ldw:i32', 'beta:f64', 'c:ptr'] },
  gemmSmallNN: { params: ['m:i32', 'n:i32', 'k:i32', 'alpha:f64', 'a:ptr', 'ars:i32', 'aps:i32', 'w:ptr', 'ldw:i32', 'beta:f64', 'c:ptr', 'rowsOuter:i32'] },
  transposeInto: { params: ['src:ptr', 'rows:i32', 'cols:i32', 'dst:ptr'] },
  gram: { params: ['a:ptr', 'rows:i32', 'cols:i32', 'out:ptr'] },
  im2col: { params: [...conv('x', 'cols'), 'part:i32', 'parts:i32'] },
  col2im: { params: [...conv('cols', 'x'), 'part:i32', 'parts:i32'] },
  im2colChunks: { params: [...conv('x', 'cols'), 'chunks:i32', 'counter:ptr'] },
  col2imChunks: { params: [...conv('cols', 'x'), 'chunks:i32', 'counter:ptr'] },
  winogradPart: { params: ['kind:i32', 'src:ptr', 'n:i32', 'c:i32', 'h:i32', 'w:i32', 'pad:i32', 'bias:ptr', 'dst:ptr', 'part:i32', 'parts:i32', 'scratch:ptr'] },
  winogradChunks: { params: ['kind:i32', 'src:ptr', 'n:i32', 'c:i32', 'h:i32', 'w:i32', 'pad:i32', 'bias:ptr', 'dst:ptr', 'chunks:i32', 'counter:ptr', 'scratch:ptr'] },
  attentionScratchFloats: { params: ['tokens:i32', 'headDim:i32'], result: 'i32' },
  attentionForwardPairs: { params: [...attentionForward, 'first:i32', 'last:i32', 'scratch:ptr'] },
  attentionForwardChunks: { params: [...attentionForward, 'chunks:i32', 'counter:ptr', 'scratch:ptr'] },
  attentionBackwardPairs: { params: [...attentionBackward, 'first:i32', 'last:i32', 'scratch:ptr'] },
  attentionBackwardChunks: { params: [...attentionBackward, 'chunks:i32', 'counter:ptr', 'scratch:ptr'] },
  maxPool: { params: ['x:ptr', 'n:i32', 'c:i32', 'h:i32', 'w:i32', 'k:i32', 'stride:i32', 'oh:i32', 'ow:i32', 'y:ptr', 'argmax:ptr'] },
  activation: { params: ['kind:i32', 'x:ptr', 'y:ptr', 'n:i32', 'param:f32'] },
  activationChunks: { params: ['kind:i32', 'x:ptr', 'y:ptr', 'n:i32', 'param:f32', 'chunks:i32', 'counter:ptr'] },
  activationBackward: { params: ['kind:i32', 'x:ptr', 'y:ptr', 'dy:ptr', 'dx:ptr', 'n:i32', 'param:f32'] },
  activationBackwardChunks: { params: ['kind:i32', 'x:ptr', 'y:ptr', 'dy:ptr', 'dx:ptr', 'n:i32', 'param:f32', 'chunks:i32', 'counter:ptr'] },
  transpose01: { params: ['a:ptr', 'd0:i32', 'd1:i32', 'inner:i32', 'out:ptr'] },
  transpose01Chunks: { params: ['a:ptr', 'd0:i32', 'd1:i32', 'inner:i32', 'out:ptr', 'chunks:i32', 'counter:ptr'] },
  transpose01AddBias: { params: ['a:ptr', 'd0:i32', 'd1:i32', 'inner:i32', 'bias:ptr', 'out:ptr'] },
  transpose01AddBiasChunks: { params: ['a:ptr', 'd0:i32', 'd1:i32', 'inner:i32', 'bias:ptr', 'out:ptr', 'chunks:i32', 'counter:ptr'] },
  transpose01SumChannels: { params: ['a:ptr', 'd0:i32', 'd1:i32', 'inner:i32', 'out:ptr', 'alpha:f64', 'beta:f64', 'sums:ptr'] },
  transpose01SumChannelsChunks: { params: ['a:ptr', 'd0:i32', 'd1:i32', 'inner:i32', 'out:ptr', 'alpha:f64', 'beta:f64', 'sums:ptr', 'chunks:i32', 'counter:ptr'] },
  maxPoolBackward: { params: ['dy:ptr', 'argmax:ptr', 'n:i32', 'c:i32', 'h:i32', 'w:i32', 'oh:i32', 'ow:i32', 'dx:ptr'], result: 'i32' },
  batchNormTrain: {
    params: ['x:ptr', 'n:i32', 'c:i32', 'hw:i32', 'gamma:ptr', 'beta:ptr', 'eps:f64', 'momentum:f64', 'y:ptr', 'mean:ptr', 'invStd:ptr', 'runMean:ptr', 'runVar:ptr'],
  },
  batchNormBackward: { params: ['x:ptr', 'dy:ptr', 'n:i32', 'c:i32', 'hw:i32', 'gamma:ptr', 'mean:ptr', 'invStd:ptr', 'dx:ptr', 'dgamma:ptr', 'dbeta:ptr'] },
  maxPoolCnhw: { params: ['a:ptr', 'c:i32', 'n:i32', 'h:i32', 'w:i32', 'k:i32', 'stride:i32', 'oh:i32', 'ow:i32', 'bias:ptr', 'y:ptr', 'argmax:ptr'] },
  maxPoolCnhwChunks: { params: ['a:ptr', 'c:i32', 'n:i32', 'h:i32', 'w:i32', 'k:i32', 'stride:i32', 'oh:i32', 'ow:i32', 'bias:ptr', 'y:ptr', 'argmax:ptr', 'chunks:i32', 'counter:ptr'] },
  maxPoolBackwardCnhw: { params: ['dy:ptr', 'argmax:ptr', 'n:i32', 'c:i32', 'h:i32', 'w:i32', 'oh:i32', 'ow:i32', 'dx:ptr', 'alpha:f64', 'beta:f64', 'sums:ptr'], result: 'i32' },
  maxPoolBackwardCnhwChunks: {
    params: ['dy:ptr', 'argmax:ptr', 'n:i32', 'c:i32', 'h:i32', 'w:i32', 'oh:i32', 'ow:i32', 'dx:ptr', 'alpha:f64', 'beta:f64', 'sums:ptr', 'chunks:i32', 'counter:ptr', 'bad:ptr'],
  },
  maxPoolChunks: { params: ['x:ptr', 'n:i32', 'c:i32', 'h:i32', 'w:i32', 'k:i32', 'stride:i32', 'oh:i32', 'ow:i32', 'y:ptr', 'argmax:ptr', 'chunks:i32', 'counter:ptr'] },
  maxPoolBackwardChunks: { params: ['dy:ptr', 'argmax:ptr', 'n:i32', 'c:i32', 'h:i32', 'w:i32', 'oh:i32', 'ow:i32', 'dx:ptr', 'chunks:i32', 'counter:ptr', 'bad:ptr'] },
  batchNormTrainChunks: {
    params: ['x:ptr', 'n:i32', 'c:i32', 'hw:i32', 'gamma:ptr', 'beta:ptr', 'eps:f64', 'momentum:f64', 'y:ptr', 'mean:ptr', 'invStd:ptr', 'runMean:ptr', 'runVar:ptr', 'chunks:i32', 'counter:ptr'],
  },
  batchNormBackwardChunks: {
    params: ['x:ptr', 'dy:ptr', 'n:i32', 'c:i32', 'hw:i32', 'gamma:ptr', 'mean:ptr', 'invStd:ptr', 'dx:ptr', 'dgamma:ptr', 'dbeta:ptr', 'chunks:i32', 'counter:ptr'],
  },
  encodeBytes: { params: ['src:ptr', 'n:i32', 'plane:i32', 'lut:ptr', 'perm:ptr', 'out:ptr'], result: 'i32' },
  addNormal: { params: ['y:ptr', 'n:i32', 'sigma:f32', 's0:i32', 's1:i32', 's2:i32', 's3:i32'] },
  shrinkAddNormalBlocks: { params: ['y:ptr', 'n:i32', 'shrink:f32', 'sigma:f32', 's0:i32', 's1:i32', 's2:i32', 's3:i32', 'first:i32', 'end:i32', 'pool:ptr'] },
  shrinkAddNormalChunks: { params: ['y:ptr', 'n:i32', 'shrink:f32', 'sigma:f32', 's0:i32', 's1:i32', 's2:i32', 's3:i32', 'counter:ptr', 'pool:ptr'] },
} as const satisfies Record<string, { readonly params: readonly WasmParam[]; readonly result?: 'i32' | 'f64' }>;

/** The parameters of the im2col/col2im exports up to the output: source, shape, window, output size, destination. */
function conv<S extends string, D extends string>(src: S, dst: D) {
  return [`${src}:ptr`, 'n:i32', 'c:i32', 'h:i32', 'w:i32', 'kh:i32', 'kw:i32', 'stride:i32', 'pad:i32', 'oh:i32', 'ow:i32', `${dst}:ptr`] as const;
}

/** A number for each entry of a parameter list (a tuple stays a tuple: the arity is checked). */
type Numbers<S extends readonly unknown[]> = { -readonly [I in keyof S]: number };

/** A row's export parameters: its wasm list, else its arguments. */
type ExportParams<E> = E extends { wasm: infer S extends readonly string[] } ? S : E extends { args: infer A extends readonly string[] } ? A : never;

/** An f64 for `result: 'f64'`, an i32 for 'bool' or a count of bad values (`fail`); else nothing. */
// biome-ignore lint/suspicious/noConfusingVoidType: void is the return type of a kernel that returns nothing
type ExportResult<E> = E extends { result: string } ? number : E extends { fail: unknown } ? number : void;

/**
 * The exports of kernels.wasm (src/backend/wasm/assembly), derived from kernelTable and wasmHelpers: every
 * parameter and result is a number (pointers are byte offsets; sizes are counts).
 */
export type Kernels = { readonly [K in TableKernel]: (...args: Numbers<ExportParams<KernelTable[K]>>) => ExportResult<KernelTable[K]> } & {
  readonly [H in keyof typeof wasmHelpers]: (...args: Numbers<(typeof wasmHelpers)[H]['params']>) => (typeof wasmHelpers)[H] extends { result: string } ? number : void;
};

/** Is the compiled module present? */
export function wasmAvailable(): boolean {
  return existsSync(wasmPath);
}

let compiled: WebAssembly.Module | null = null;
let compiledFma = false;

/**
 * The relaxed-SIMD build, compiled, when this engine runs it, else null. V8 ships relaxed SIMD from 11.4 (Node 22);
 * V8 11.3 (Node 20) has it behind --experimental-wasm-relaxed-simd, which is set here when the build does not
 * validate as is (a wasm feature flag, read when a module is compiled; it changes nothing else). SUPPLE_WASM_FMA=0
 * keeps the plain build. On x64 without FMA3, V8 lowers relaxed_madd to a multiply and an add.
 */
function fmaModule(): WebAssembly.Module | null {
  const env = process.env.SUPPLE_WASM_FMA;
  if (env !== undefined && env !== '' && env !== '0' && env !== '1') throw new Error(`SUPPLE_WASM_FMA = '${env}' must be 0 (plain SIMD) or 1 (fused multiply-adds where the engine has them)`);
  if (env === '0' || !existsSync(wasmFmaPath)) return null;
  const bytes = readFileSync(wasmFmaPath);
  const compile = (): WebAssembly.Module | null => {
    try {
      return new WebAssembly.Module(bytes);
    } catch {
      return null; // a CompileError: this engine lacks relaxed SIMD
    }
  };
  const m = compile();
  if (m) return m;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return null;
  }
  return compile();
}

/** The compiled module, compiled once per thread and shared by every instance: the FMA build where it runs. */
export function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    if (!wasmAvailable()) throw new Error(`wasm backend: ${wasmPath} is missing; run \`npm run build\``);
    const fma = fmaModule();
    compiledFma = fma !== null;
    compiled = fma ?? new WebAssembly.Module(readFileSync(wasmPath));
  }
  return compiled;
}

/** Whether kernelModule() is the fused multiply-add build. */
export function kernelsUseFma(): boolean {
  kernelModule();
  return compiledFma;
}

/** Instantiates the kernels on a shared memory. The module has no data segment, so this writes nothing to it. */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => {
        throw new Error('wasm kernel aborted');
      },
    },
  });
  return instance.exports as unknown as Kernels;
}
