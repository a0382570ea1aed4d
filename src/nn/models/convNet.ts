import { activation, conv2d, crelu, dropout, flatten, layerNorm, linear, maxPool2d, onlineNorm, type LayerSpec } from '../LayerSpec.js';
import { spectralAt, type HiddenActivation, type SpectralNormMode } from './mlp.js';

/**
 * The shape and options of {@link convNet}: conv channels and kernels, dense widths, outputs, activation (default
 * relu) and the normalization / dropout / spectral-norm interventions.
 */
export interface ConvNetOptions {
  readonly outputs: number;
  /** Conv channels; default [32, 64, 128] with kernels [5, 3, 3] (Dohare et al.'s Continual ImageNet net). */
  readonly channels?: readonly number[];
  readonly kernels?: readonly number[];
  /** Dense widths after the convolutions; default [128, 128]. */
  readonly dense?: readonly number[];
  readonly activation?: HiddenActivation;
  readonly layerNorm?: boolean;
  readonly dropout?: number;
  /** Online normalization after each conv and hidden dense layer, before the activation. */
  readonly onlineNorm?: boolean;
  /** Spectral normalization of weights (conv and dense layers count together; default 'none'). */
  readonly spectralNorm?: SpectralNormMode;
}

/**
 * The Continual ImageNet network: conv(32, 5) - relu - maxpool 2, conv(64, 3) - relu - maxpool 2,
 * conv(128, 3) - relu - maxpool 2, flatten, fc 128 - relu, fc 128 - relu, fc outputs. PyTorch default init
 * (as lop/nets/conv_net.py). On 32x32x3 inputs the flattened size is 128 * 2 * 2 = 512.
 */
export function convNet(opts: ConvNetOptions): LayerSpec {
  const channels = opts.channels ?? [32, 64, 128];
  const kernels = opts.kernels ?? [5, 3, 3];
  if (kernels.length !== channels.length) throw new Error(`convNet: ${channels.length} channel counts but ${kernels.length} kernel sizes`);
  const act = opts.activation ?? 'relu';
  const nonlin = (): LayerSpec => (act === 'crelu' ? crelu() : activation(act));
  const layers: LayerSpec[] = [];
  if (opts.layerNorm && opts.onlineNorm) throw new Error('convNet: layerNorm and onlineNorm are both set; choose one normalization');
  const dense = opts.dense ?? [128, 128];
  const hidden = channels.length + dense.length;
  const sn = (i: number) => (spectralAt(opts.spectralNorm, i, hidden) ? { spectralNorm: true } : {});
  const norm = () => {
    if (opts.layerNorm) layers.push(layerNorm());
    if (opts.onlineNorm) layers.push(onlineNorm());
  };
  channels.forEach((c, i) => {
    layers.push(conv2d(c, kernels[i]!, sn(i)));
    norm();
    layers.push(nonlin(), maxPool2d(2, 2));
  });
  layers.push(flatten());
  dense.forEach((w, j) => {
    layers.push(linear(w, sn(channels.length + j)));
    norm();
    layers.push(nonlin());
    if (opts.dropout) layers.push(dropout(opts.dropout));
  });
  layers.push(linear(opts.outputs, sn(hidden)));
  return { type: 'sequential', layers };
}
