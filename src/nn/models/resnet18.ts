import { batchNorm, conv2d, globalAvgPool, layerNorm, linear, relu, residual, type LayerSpec } from '../LayerSpec.js';
import { spectralAt, type SpectralNormMode } from './mlp.js';

/** The shape of {@link resnet18}: number of outputs, first-stage width and blocks per stage. */
export interface ResNet18Options {
  readonly outputs: number;
  /** Channels of the first stage; stages use w, 2w, 4w, 8w. Default 64 (the standard ResNet-18). */
  readonly width?: number;
  /** Basic blocks per stage; default [2, 2, 2, 2]. */
  readonly blocks?: readonly number[];
  /**
   * Layer norm instead of batch norm after every conv (per example over [C, H, W]): the layer-norm intervention of
   * Lyle et al. on a net that already normalizes (default false: batch norm).
   */
  readonly layerNorm?: boolean;
  /**
   * Spectral normalization (Miyato et al. 2018): 'all' = every conv and the head, 'hidden' = every conv,
   * 'penultimate' = the last conv (the second of the last block); convs are counted in the order they are built.
   */
  readonly spectralNorm?: SpectralNormMode;
}

/**
 * ResNet-18, CIFAR variant (as lop/nets/torchvision_modified_resnet.py): a 3x3 stride-1 stem with bias and
 * no max-pool, four stages of basic blocks (3x3 conv - BN - ReLU - 3x3 conv - BN, plus the shortcut: identity,
 * or 1x1 conv - BN when the shape changes), ReLU after each sum, global average pool, a linear head.
 * Kaiming-normal (fan-in, relu gain) convs with zero bias, BN gain 1 / shift 0, head Kaiming-normal (linear).
 * The head can grow by k classes (class-incremental learning) with the growHead edit.
 */
export function resnet18(opts: ResNet18Options): LayerSpec {
  const w = opts.width ?? 64;
  const blocks = opts.blocks ?? [2, 2, 2, 2];
  // The convs are numbered as built, so that spectralAt can place 'penultimate' on the last one.
  let convs = 1;
  blocks.reduce((inC, count, stage) => {
    const c = w * 2 ** stage;
    for (let b = 0; b < count; b++) convs += 2 + ((stage > 0 && b === 0) || (b === 0 && inC !== c) ? 1 : 0);
    return count > 0 ? c : inC;
  }, w);
  let built = 0;
  const sn = (i: number) => (spectralAt(opts.spectralNorm, i, convs) ? { spectralNorm: true } : {});
  const conv = (out: number, k: number, stride = 1, bias = false): LayerSpec =>
    conv2d(out, k, { stride, padding: k === 3 ? 1 : 0, bias, init: 'kaiming-normal', gain: 'relu', biasInit: 'zero', ...sn(built++) });
  const norm = (): LayerSpec => (opts.layerNorm ? layerNorm() : batchNorm());
  const layers: LayerSpec[] = [conv(w, 3, 1, true), norm(), relu()];
  let inC = w;
  blocks.forEach((count, stage) => {
    const c = w * 2 ** stage;
    for (let b = 0; b < count; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      // The shortcut's conv is built first, so that the last conv built is the main path's second of the last block.
      const shortcut = stride !== 1 || inC !== c ? [conv(c, 1, stride), norm()] : undefined;
      const main = [conv(c, 3, stride), norm(), relu(), conv(c, 3), norm()];
      layers.push(residual(main, shortcut), relu());
      inC = c;
    }
  });
  if (built !== convs) throw new Error(`resnet18: counted ${convs} convs but built ${built}`);
  layers.push(globalAvgPool(), linear(opts.outputs, { init: 'kaiming-normal', gain: 'linear', biasInit: 'zero', ...sn(convs) }));
  return { type: 'sequential', layers };
}
