import type { ActivationName } from '../../backend/Backend.js';
import type { BiasInitScheme, GainName, WeightInitScheme } from '../init.js';
import { activation, crelu, dropout, layerNorm, linear, onlineNorm, type LayerSpec } from '../LayerSpec.js';

/**
 * A hidden nonlinearity of the builders: an activation kernel's name, or 'crelu' (which doubles each hidden layer's
 * output width).
 */
export type HiddenActivation = ActivationName | 'crelu';

/**
 * Which weights are spectrally normalized: none, every layer ('all', Miyato et al. 2018), the hidden layers, or
 * only the last hidden layer ('penultimate', as Gogianu et al. 2021 in deep RL).
 */
export const spectralNormModes = ['none', 'all', 'hidden', 'penultimate'] as const;
/** Which weights are spectrally normalized: 'none', 'all', 'hidden' or 'penultimate' (see {@link spectralNormModes}). */
export type SpectralNormMode = (typeof spectralNormModes)[number];

/** Whether hidden layer i of n (or the output layer, i = n) is spectrally normalized under a mode. */
export function spectralAt(mode: SpectralNormMode | undefined, i: number, n: number): boolean {
  switch (mode ?? 'none') {
    case 'none':
      return false;
    case 'all':
      return true;
    case 'hidden':
      return i < n;
    case 'penultimate':
      return i === n - 1;
  }
}

/**
 * The shape and options of {@link mlp}: hidden widths and outputs, activation (default relu), init, and the
 * normalization / dropout / spectral-norm interventions.
 */
export interface MlpOptions {
  /** Hidden widths, e.g. [100, 100, 100]. */
  readonly hidden: readonly number[];
  readonly outputs: number;
  readonly activation?: HiddenActivation;
  /** Default 'kaiming-uniform' with the activation's gain (Dohare et al.'s DeepFFNN). */
  readonly init?: WeightInitScheme;
  /** Default 'zero'. */
  readonly biasInit?: BiasInitScheme;
  /** LayerNorm after each hidden linear layer, before the activation. */
  readonly layerNorm?: boolean;
  /** Dropout probability after each hidden activation (0: none). */
  readonly dropout?: number;
  /** Online normalization (Chiley et al. 2019) after each hidden linear layer, before the activation. */
  readonly onlineNorm?: boolean;
  /** Spectral normalization of weights (default 'none'). */
  readonly spectralNorm?: SpectralNormMode;
}

const gains: Record<HiddenActivation, GainName> = {
  identity: 'linear',
  relu: 'relu',
  leakyRelu: 'leaky-relu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  elu: 'elu',
  swish: 'swish',
  // PyTorch has no gain for GELU; relu's sqrt(2), as for elu and swish.
  gelu: 'relu',
  crelu: 'relu',
};

/**
 * A fully connected network, the learner of online permuted MNIST (784-100-100-100-10) and slowly-changing
 * regression (20-5-1). With CReLU each hidden layer's output doubles (the next layer reads 2x features).
 */
export function mlp(opts: MlpOptions): LayerSpec {
  const act = opts.activation ?? 'relu';
  const init = opts.init ?? 'kaiming-uniform';
  const biasInit = opts.biasInit ?? 'zero';
  const layers: LayerSpec[] = [];
  if (opts.layerNorm && opts.onlineNorm) throw new Error('mlp: layerNorm and onlineNorm are both set; choose one normalization');
  const n = opts.hidden.length;
  const sn = (i: number) => (spectralAt(opts.spectralNorm, i, n) ? { spectralNorm: true } : {});
  opts.hidden.forEach((width, i) => {
    layers.push(linear(width, { init, gain: gains[act], biasInit, ...sn(i) }));
    if (opts.layerNorm) layers.push(layerNorm());
    if (opts.onlineNorm) layers.push(onlineNorm());
    layers.push(act === 'crelu' ? crelu() : activation(act));
    if (opts.dropout) layers.push(dropout(opts.dropout));
  });
  layers.push(linear(opts.outputs, { init, gain: 'linear', biasInit, ...sn(n) }));
  return { type: 'sequential', layers };
}
