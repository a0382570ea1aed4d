import { batchNorm, conv2d, globalAvgPool, linear, relu, residual, type LayerSpec } from '../LayerSpec.js';

/** The shape of {@link resnet18}: number of outputs, first-stage width and blocks per stage. */
export interface ResNet18Options {
  readonly outputs: number;
  /** Channels of the first stage; stages use w, 2w, 4w, 8w. Default 64 (the standard ResNet-18). */
  readonly width?: number;
  /** Basic blocks per stage; default [2, 2, 2, 2]. */
  readonly blocks?: readonly number[];
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
  const conv = (out: number, k: number, stride = 1, bias = false): LayerSpec =>
    conv2d(out, k, { stride, padding: k === 3 ? 1 : 0, bias, init: 'kaiming-normal', gain: 'relu', biasInit: 'zero' });
  const layers: LayerSpec[] = [conv(w, 3, 1, true), batchNorm(), relu()];
  let inC = w;
  blocks.forEach((count, stage) => {
    const c = w * 2 ** stage;
    for (let b = 0; b < count; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const main = [conv(c, 3, stride), batchNorm(), relu(), conv(c, 3), batchNorm()];
      const shortcut = stride !== 1 || inC !== c ? [conv(c, 1, stride), batchNorm()] : undefined;
      layers.push(residual(main, shortcut), relu());
      inC = c;
    }
  });
  layers.push(globalAvgPool(), linear(opts.outputs, { init: 'kaiming-normal', gain: 'linear', biasInit: 'zero' }));
  return { type: 'sequential', layers };
}
