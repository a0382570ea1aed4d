import type { ActivationName } from '../../backend/Backend.js';
import type { BiasInitScheme, GainName, WeightInitScheme } from '../init.js';
import { activation, crelu, dropout, layerNorm, linear, type LayerSpec } from '../LayerSpec.js';

export type HiddenActivation = ActivationName | 'crelu';

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
}

const gains: Record<HiddenActivation, GainName> = {
  identity: 'linear',
  relu: 'relu',
  leakyRelu: 'leaky-relu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  elu: 'elu',
  swish: 'swish',
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
  for (const width of opts.hidden) {
    layers.push(linear(width, { init, gain: gains[act], biasInit }));
    if (opts.layerNorm) layers.push(layerNorm());
    layers.push(act === 'crelu' ? crelu() : activation(act));
    if (opts.dropout) layers.push(dropout(opts.dropout));
  }
  layers.push(linear(opts.outputs, { init, gain: 'linear', biasInit }));
  return { type: 'sequential', layers };
}
