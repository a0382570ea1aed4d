import type { Rng } from '../tensor/Rng.js';
import type { FloatArray } from '../tensor/FloatArray.js';

/**
 * A distribution to draw values from: what a parameter was initialized with, kept so that units can be
 * redrawn from exactly the same distribution later (continual backprop, ReDo, resets).
 */
export type InitSpec =
  | { readonly dist: 'uniform'; readonly bound: number }
  | { readonly dist: 'normal'; readonly std: number }
  | { readonly dist: 'constant'; readonly value: number };

/** Weight initialization schemes (all use fan_in = inputs per unit, times kernel area for conv). */
export const weightInitSchemes = [
  'kaiming-uniform',
  'kaiming-normal',
  'xavier-uniform',
  'xavier-normal',
  'lecun-uniform',
  'lecun-normal',
  'torch-default',
] as const;
/**
 * A weight initialization scheme: kaiming / xavier / lecun, each uniform or normal, or torch-default
 * (U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
 */
export type WeightInitScheme = (typeof weightInitSchemes)[number];

/** Bias initialization: zeros, or PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
export const biasInitSchemes = ['zero', 'torch-default'] as const;
export type BiasInitScheme = (typeof biasInitSchemes)[number];

/** Nonlinearities for gains, as torch.nn.init.calculate_gain names them. */
export type GainName = 'linear' | 'relu' | 'leaky-relu' | 'tanh' | 'sigmoid' | 'selu' | 'elu' | 'swish';

/**
 * The recommended gain of a nonlinearity (torch.nn.init.calculate_gain): linear/sigmoid 1, relu sqrt(2),
 * leaky-relu sqrt(2 / (1 + slope^2)), tanh 5/3, selu 3/4. PyTorch has no gain for elu and swish; supple uses
 * relu's sqrt(2) for both, as the reference code of Dohare et al. 2024 does (lop/nets/ffnn.py).
 */
export function gainOf(name: GainName, slope = 0.01): number {
  switch (name) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'relu':
    case 'elu':
    case 'swish':
      return Math.SQRT2;
    case 'leaky-relu':
      return Math.sqrt(2 / (1 + slope * slope));
    case 'tanh':
      return 5 / 3;
    case 'selu':
      return 3 / 4;
  }
}

/** The distribution of a weight with this fan-in / fan-out under a scheme and gain. */
export function weightInit(scheme: WeightInitScheme, fanIn: number, fanOut: number, gain: number): InitSpec {
  switch (scheme) {
    case 'kaiming-uniform':
      return { dist: 'uniform', bound: gain * Math.sqrt(3 / fanIn) };
    case 'kaiming-normal':
      return { dist: 'normal', std: gain / Math.sqrt(fanIn) };
    case 'xavier-uniform':
      return { dist: 'uniform', bound: gain * Math.sqrt(6 / (fanIn + fanOut)) };
    case 'xavier-normal':
      return { dist: 'normal', std: gain * Math.sqrt(2 / (fanIn + fanOut)) };
    case 'lecun-uniform':
      return { dist: 'uniform', bound: Math.sqrt(3 / fanIn) };
    case 'lecun-normal':
      return { dist: 'normal', std: 1 / Math.sqrt(fanIn) };
    case 'torch-default':
      // kaiming_uniform_(a = sqrt(5)) in nn.Linear / nn.Conv2d: bound = 1 / sqrt(fan_in).
      return { dist: 'uniform', bound: 1 / Math.sqrt(fanIn) };
  }
}

/** The distribution of a bias under a scheme: the constant 0, or PyTorch's U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
export function biasInit(scheme: BiasInitScheme, fanIn: number): InitSpec {
  return scheme === 'zero' ? { dist: 'constant', value: 0 } : { dist: 'uniform', bound: 1 / Math.sqrt(fanIn) };
}

/** Draw values[start, end) from a distribution. */
export function drawInit(spec: InitSpec, rng: Rng, out: FloatArray, start = 0, end = out.length): void {
  switch (spec.dist) {
    case 'uniform':
      rng.fillUniform(out, -spec.bound, spec.bound, start, end);
      return;
    case 'normal':
      rng.fillNormal(out, 0, spec.std, start, end);
      return;
    case 'constant':
      out.fill(spec.value, start, end);
      return;
  }
}
