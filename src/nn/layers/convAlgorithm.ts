/**
 * How a {@link Conv2d} computes: 'im2col' (unfold + one gemm), 'winograd' (F(2x2, 3x3) transforms + 16 gemms, for
 * 3x3 stride-1 kernels only; others fall back to im2col) or 'auto' (Winograd where it measured faster, see
 * {@link winogradPays}). Read when a layer is built; SUPPLE_CONV sets the default (tests and benches force either).
 */
export type ConvAlgorithm = 'auto' | 'im2col' | 'winograd';

function fromEnv(): ConvAlgorithm {
  const v = typeof process === 'undefined' ? undefined : process.env.SUPPLE_CONV;
  if (v === undefined || v === '') return 'auto';
  if (v === 'auto' || v === 'im2col' || v === 'winograd') return v;
  throw new Error(`SUPPLE_CONV=${v}: expected auto, im2col or winograd`);
}

let current: ConvAlgorithm = fromEnv();

/** Sets the algorithm of the convolutions built from now on; returns the previous setting. */
export function setConvAlgorithm(a: ConvAlgorithm): ConvAlgorithm {
  const old = current;
  current = a;
  return old;
}

export function convAlgorithm(): ConvAlgorithm {
  return current;
}

/** Can a conv use Winograd F(2x2, 3x3): a 3x3 kernel, stride 1, padding at most 2 (the input gradient's is 2 - pad). */
export function winogradFits(kernel: number, stride: number, padding: number): boolean {
  return kernel === 3 && stride === 1 && padding <= 2;
}

/**
 * Does Winograd pay for this shape ('auto'): the transforms cost ~16 values per tile and channel against the
 * products' 16 x outC x inC multiply-adds per tile (2.25x fewer than im2col's), so narrow convs (an RGB stem)
 * are faster by im2col. The threshold is from the per-shape timings in the Winograd commit's message.
 */
export function winogradPays(inC: number, outC: number, padding: number, backendName: string): boolean {
  // Measured (bench/convAlgorithms.ts, forward and backward, batch 64, padding 1): wasm wins from 8 channels
  // (1.4-1.6x) and loses on conv-b128's valid convs. Native (OpenBLAS's 16 products of depth = channels) wins from 32
  // since the wasm transforms stage their planes: 32 channels 1.11-1.13x, 64 to 256 1.48-1.54x, 16 0.93x (8: 1.17x,
  // a reading we do not trust enough to go below 32).
  if (padding !== 1) return false;
  // The ts backends are the reference: they compute convolutions the textbook way (im2col), unless forced.
  if (backendName !== 'wasm' && backendName !== 'native') return false;
  return backendName === 'native' ? inC >= 32 && outC >= 32 : inC >= 8 && outC >= 8;
}

/** The algorithm a conv of this shape uses under the current setting. */
export function useWinograd(kernel: number, stride: number, padding: number, inC: number, outC: number, backendName: string): boolean {
  if (current === 'im2col' || !winogradFits(kernel, stride, padding)) return false;
  return current === 'winograd' || winogradPays(inC, outC, padding, backendName);
}
