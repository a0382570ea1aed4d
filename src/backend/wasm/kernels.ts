import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where `npm run build` writes the compiled kernels. */
export const wasmPath = fileURLToPath(new URL('../../../wasm/kernels.wasm', import.meta.url));

type P = number; // a byte offset into the shared memory
type I = number; // an i32 size or flag

/** The exports of kernels.wasm (src/backend/wasm/assembly). Pointers are byte offsets; sizes are counts. */
export interface Kernels {
  heapBase(): P;
  fill(y: P, n: I, value: number): void;
  copy(x: P, y: P, n: I): void;
  scale(y: P, n: I, alpha: number): void;
  axpy(n: I, alpha: number, x: P, y: P): void;
  axpby(n: I, alpha: number, x: P, beta: number, betaZero: I, y: P): void;
  mul(x: P, y: P, out: P, n: I): void;
  sum(x: P, n: I): number;
  sumAbs(x: P, n: I): number;
  sumSquares(x: P, n: I): number;
  dot(x: P, y: P, n: I): number;
  hasNonFinite(x: P, n: I): I;
  encodeBytes(src: P, n: I, plane: I, lut: P, perm: P, out: P): I;
  addNormal(y: P, n: I, sigma: number, s0: I, s1: I, s2: I, s3: I): void;

  addRowVector(a: P, rows: I, cols: I, v: P): void;
  sumRows(a: P, rows: I, cols: I, alpha: number, beta: number, out: P): void;
  colSumsAbs(a: P, rows: I, cols: I, out: P): void;
  rowSumsAbs(a: P, rows: I, cols: I, out: P): void;
  gram(a: P, rows: I, cols: I, out: P): void;
  transpose01(a: P, d0: I, d1: I, inner: I, out: P): void;
  addChannelBias(a: P, n: I, c: I, hw: I, bias: P): void;
  sumChannels(a: P, n: I, c: I, hw: I, alpha: number, beta: number, out: P): void;

  gemmScratchBytes(): number;
  gemmPart(transA: I, transB: I, m: I, n: I, k: I, alpha: number, a: P, b: P, beta: number, c: P, part: I, parts: I, scratch: P): void;
  gemmUnits(m: I, n: I): I;
  gemmChunks(transA: I, transB: I, m: I, n: I, k: I, alpha: number, a: P, b: P, beta: number, c: P, chunks: I, counter: P, scratch: P): void;
  gemvT(rows: I, len: I, alpha: number, x: P, w: P, ldw: I, beta: number, y: P): void;
  gemvN(cols: I, len: I, alpha: number, x: P, w: P, ldw: I, beta: number, y: P): void;
  ger(m: I, n: I, alpha: number, x: P, v: P, beta: number, c: P): void;
  linearForwardSingle(rows: I, len: I, x: P, w: P, bias: P, y: P): void;
  linearBackwardSingle(out: I, inp: I, dy: P, x: P, w: P, dx: P, alpha: number, beta: number, buf: P, balpha: number, bbeta: number, bb: P): void;
  gemmSmallNT(m: I, n: I, k: I, alpha: number, a: P, lda: I, w: P, ldw: I, beta: number, c: P): void;
  gemmSmallNN(m: I, n: I, k: I, alpha: number, a: P, ars: I, aps: I, w: P, ldw: I, beta: number, c: P, rowsOuter: I): void;
  transposeInto(src: P, rows: I, cols: I, dst: P): void;

  activation(kind: I, x: P, y: P, n: I, param: number): void;
  activationBackward(kind: I, x: P, y: P, dy: P, dx: P, n: I, param: number): void;
  crelu(x: P, n: I, c: I, hw: I, y: P): void;
  creluBackward(x: P, dy: P, n: I, c: I, hw: I, dx: P): void;

  im2col(x: P, n: I, c: I, h: I, w: I, kh: I, kw: I, stride: I, pad: I, oh: I, ow: I, cols: P, part: I, parts: I): void;
  col2im(cols: P, n: I, c: I, h: I, w: I, kh: I, kw: I, stride: I, pad: I, oh: I, ow: I, x: P, part: I, parts: I): void;
  im2colChunks(x: P, n: I, c: I, h: I, w: I, kh: I, kw: I, stride: I, pad: I, oh: I, ow: I, cols: P, chunks: I, counter: P): void;
  col2imChunks(cols: P, n: I, c: I, h: I, w: I, kh: I, kw: I, stride: I, pad: I, oh: I, ow: I, x: P, chunks: I, counter: P): void;
  maxPool(x: P, n: I, c: I, h: I, w: I, k: I, stride: I, oh: I, ow: I, y: P, argmax: P): void;
  maxPoolBackward(dy: P, argmax: P, n: I, c: I, h: I, w: I, oh: I, ow: I, dx: P): I;
  globalAvgPool(x: P, n: I, c: I, hw: I, y: P): void;
  globalAvgPoolBackward(dy: P, n: I, c: I, hw: I, dx: P): void;

  batchNormTrain(x: P, n: I, c: I, hw: I, gamma: P, beta: P, eps: number, momentum: number, y: P, mean: P, invStd: P, runMean: P, runVar: P): void;
  batchNormEval(x: P, n: I, c: I, hw: I, gamma: P, beta: P, runMean: P, runVar: P, eps: number, y: P): void;
  batchNormBackward(x: P, dy: P, n: I, c: I, hw: I, gamma: P, mean: P, invStd: P, dx: P, dgamma: P, dbeta: P): void;
  layerNorm(x: P, rows: I, cols: I, gamma: P, beta: P, eps: number, y: P, mean: P, invStd: P): void;
  layerNormBackward(x: P, dy: P, rows: I, cols: I, gamma: P, mean: P, invStd: P, dx: P, dgamma: P, dbeta: P): void;

  softmaxCrossEntropy(logits: P, labels: P, rows: I, cols: I, ld: I, scale: number, dlogits: P): number;
  squaredError(pred: P, target: P, n: I, scale: number, dpred: P): number;
  argmaxRows(a: P, rows: I, cols: I, ld: I, out: P): void;

  adam(g: P, m: P, v: P, p1: P, p2: P, n: I, b1: number, b2: number, eps: number): void;
  momentum(g: P, buf: P, n: I, mu: number, nesterov: I): void;
}

/** Is the compiled module present? */
export function wasmAvailable(): boolean {
  return existsSync(wasmPath);
}

let compiled: WebAssembly.Module | null = null;

/** The compiled module, compiled once per thread and shared by every instance. */
export function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    if (!wasmAvailable()) throw new Error(`wasm backend: ${wasmPath} is missing; run \`npm run build\``);
    compiled = new WebAssembly.Module(readFileSync(wasmPath));
  }
  return compiled;
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
