// WebAssembly SIMD kernels (AssemblyScript). Pointers are byte offsets into the shared linear memory that the
// JavaScript side manages; kernels never allocate and keep no state in memory (no static data, no globals
// written), so worker threads can instantiate the same module on the same memory. Sizes are element counts.

export * from './vector';
export * from './matrix';
export * from './gemm';
export * from './thin';
export { gemvT, gemvN, ger } from './gemv';
export { linearForwardSingle, linearBackwardSingle, dxPartialFloats } from './linear';
export { cbpUtilityStep } from './cbpUtility';
export { denseReluStepShared } from './denseStep';
export { gemmSmallNT, gemmSmallNN, transposeInto } from './small';
export * from './activations';
export * from './conv';
export * from './pool';
export * from './norm';
export * from './softmax';
export * from './attention';
export * from './loss';
export * from './optim';
export * from './random';
export { multiplyAddPeak } from './peak';

/** The end of the module's static data: the JavaScript allocator starts above it. */
export function heapBase(): usize {
  return __heap_base;
}
export * from './winograd';
