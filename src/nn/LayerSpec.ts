import type { ActivationName } from '../backend/Backend.js';
import type { BiasInitScheme, GainName, WeightInitScheme } from './init.js';

/**
 * A model as plain data: JSON-serializable layer specifications. `buildModel` turns a spec into layers
 * with allocated, initialized parameters. Names are generated (fc1, conv2, bn1, ...) unless given.
 */
export type LayerSpec =
  | LinearSpec
  | Conv2dSpec
  | { readonly type: 'maxpool2d'; readonly kernel: number; readonly stride?: number; readonly name?: string }
  | { readonly type: 'global-avg-pool'; readonly name?: string }
  | { readonly type: 'flatten'; readonly name?: string }
  | { readonly type: 'batchnorm'; readonly eps?: number; readonly momentum?: number; readonly name?: string }
  | { readonly type: 'layernorm'; readonly eps?: number; readonly name?: string }
  | OnlineNormSpec
  | { readonly type: 'dropout'; readonly p: number; readonly name?: string }
  | { readonly type: 'activation'; readonly fn: ActivationName; readonly param?: number; readonly name?: string }
  | { readonly type: 'crelu'; readonly name?: string }
  | { readonly type: 'sequential'; readonly layers: readonly LayerSpec[]; readonly name?: string }
  | { readonly type: 'residual'; readonly main: readonly LayerSpec[]; readonly shortcut?: readonly LayerSpec[]; readonly name?: string }
  | { readonly type: 'tokenwise'; readonly layers: readonly LayerSpec[]; readonly name?: string }
  | AttentionSpec
  | { readonly type: 'position-embedding'; readonly kind: 'learned' | 'sinusoidal'; readonly name?: string }
  | PatchEmbedSpec
  | { readonly type: 'class-token'; readonly name?: string }
  | { readonly type: 'token-pool'; readonly mode: 'cls' | 'last' | 'mean'; readonly name?: string };

/** Multi-head self-attention over tokens [T, D] (heads must divide D); causal: a token attends to itself and earlier ones. */
export interface AttentionSpec {
  readonly type: 'attention';
  readonly heads: number;
  readonly causal?: boolean;
  /** Biases on the projections (default true, as PyTorch). */
  readonly bias?: boolean;
  readonly name?: string;
}

/** Images [C, H, W] to tokens [(H/p)(W/p), out]: p x p patches, each projected to `out` features. */
export interface PatchEmbedSpec extends InitOptions {
  readonly type: 'patch-embed';
  readonly patch: number;
  readonly out: number;
  readonly name?: string;
}

/** How a weight is initialized: a scheme, and for Kaiming/Xavier the gain (a nonlinearity's name or a number). */
export interface InitOptions {
  readonly init?: WeightInitScheme;
  readonly gain?: GainName | number;
  /** Slope for the leaky-relu gain. */
  readonly gainSlope?: number;
  readonly biasInit?: BiasInitScheme;
}

/** Spectral normalization of a layer's weight (Miyato et al. 2018): true for the defaults (1 power iteration). */
export type SpectralNormSpec = boolean | { readonly iterations?: number; readonly eps?: number };

export interface LinearSpec extends InitOptions {
  readonly type: 'linear';
  readonly out: number;
  readonly bias?: boolean;
  readonly spectralNorm?: SpectralNormSpec;
  readonly name?: string;
}

export interface Conv2dSpec extends InitOptions {
  readonly type: 'conv2d';
  readonly out: number;
  readonly kernel: number;
  readonly stride?: number;
  readonly padding?: number;
  readonly bias?: boolean;
  readonly spectralNorm?: SpectralNormSpec;
  readonly name?: string;
}

/** Online normalization (Chiley et al. 2019) per channel / feature; defaults as the authors' implementation. */
export interface OnlineNormSpec {
  readonly type: 'online-norm';
  readonly alphaForward?: number;
  readonly alphaBackward?: number;
  readonly eps?: number;
  readonly ecm?: 'clamp' | 'layer-scaling' | 'none';
  readonly clamp?: number;
  readonly lsEps?: number;
  readonly name?: string;
}

// Small constructors so model definitions read like PyTorch.
/**
 * A fully connected layer with `out` units (weight [out, in], unit i = row i); `opts` sets init, bias and spectral
 * norm.
 */
export const linear = (out: number, opts: Omit<LinearSpec, 'type' | 'out'> = {}): LinearSpec => ({ type: 'linear', out, ...opts });
/**
 * A 2-d convolution with `out` channels and a `kernel` x `kernel` window (weight [out, inC*k*k]); stride 1 and
 * padding 0 unless `opts` says otherwise.
 */
export const conv2d = (out: number, kernel: number, opts: Omit<Conv2dSpec, 'type' | 'out' | 'kernel'> = {}): Conv2dSpec => ({ type: 'conv2d', out, kernel, ...opts });
/** Max pooling over `kernel` x `kernel` windows, moving `stride` (default: `kernel`) per step; no padding. */
export const maxPool2d = (kernel: number, stride?: number): LayerSpec => ({ type: 'maxpool2d', kernel, ...(stride !== undefined ? { stride } : {}) });
/** Averages each channel's H x W plane: [C, H, W] -> [C] per example. */
export const globalAvgPool = (): LayerSpec => ({ type: 'global-avg-pool' });
/** Reshapes [C, H, W] to [C*H*W] per example (a view; channel c owns columns [c*H*W, (c+1)*H*W)). */
export const flatten = (): LayerSpec => ({ type: 'flatten' });
/** Batch normalization per channel / feature, PyTorch semantics (eps 1e-5, momentum 0.1 unless given). */
export const batchNorm = (opts: { eps?: number; momentum?: number } = {}): LayerSpec => ({ type: 'batchnorm', ...opts });
/** Layer normalization over all features of each example with elementwise gain and shift (eps 1e-5 unless given). */
export const layerNorm = (opts: { eps?: number } = {}): LayerSpec => ({ type: 'layernorm', ...opts });
/** Online normalization (Chiley et al. 2019) per channel / feature; options left out take the authors' defaults. */
export const onlineNorm = (opts: Omit<OnlineNormSpec, 'type'> = {}): LayerSpec => ({ type: 'online-norm', ...opts });
/**
 * Inverted dropout that zeroes each value with probability `p` in training and scales survivors by 1/(1-p); identity
 * in evaluation.
 */
export const dropout = (p: number): LayerSpec => ({ type: 'dropout', p });
/** An elementwise nonlinearity; `param` is leaky-relu's slope (default 0.01) or elu's alpha (default 1). */
export const activation = (fn: ActivationName, param?: number): LayerSpec => ({ type: 'activation', fn, ...(param !== undefined ? { param } : {}) });
/** Shorthand for `activation('relu')`. */
export const relu = (): LayerSpec => activation('relu');
/** Concatenated ReLU, [relu(x), relu(-x)] along the feature / channel axis: doubles the width. */
export const crelu = (): LayerSpec => ({ type: 'crelu' });
/** Runs `layers` in order as one layer; their names are scoped under the sequential's name. */
export const sequential = (...layers: LayerSpec[]): LayerSpec => ({ type: 'sequential', layers });
/** Layers applied to each token of [T, D] on its own (LayerNorm, the MLP of a transformer block). */
export const tokenwise = (...layers: LayerSpec[]): LayerSpec => ({ type: 'tokenwise', layers });
/** Multi-head self-attention over tokens [T, D] with `heads` heads (dividing D); causal on request. */
export const attention = (heads: number, opts: Omit<AttentionSpec, 'type' | 'heads'> = {}): LayerSpec => ({ type: 'attention', heads, ...opts });
/** Adds a learned or sinusoidal [T, D] position table to tokens [T, D]. */
export const positionEmbedding = (kind: 'learned' | 'sinusoidal'): LayerSpec => ({ type: 'position-embedding', kind });
/** Images [C, H, W] to tokens [(H/p)(W/p), out]: non-overlapping p x p patches, each projected to `out` features. */
export const patchEmbed = (patch: number, out: number, opts: Omit<PatchEmbedSpec, 'type' | 'patch' | 'out'> = {}): LayerSpec => ({ type: 'patch-embed', patch, out, ...opts });
/** Prepends a learned class token: [T, D] -> [T + 1, D]. */
export const classToken = (): LayerSpec => ({ type: 'class-token' });
/** [T, D] -> [D]: the first token ('cls'), the last ('last') or the mean over tokens ('mean'). */
export const tokenPool = (mode: 'cls' | 'last' | 'mean'): LayerSpec => ({ type: 'token-pool', mode });
/**
 * A residual block y = main(x) + shortcut(x), each branch a chain of layers; without a shortcut the input is added
 * back unchanged.
 */
export const residual = (main: LayerSpec[], shortcut?: LayerSpec[]): LayerSpec => ({ type: 'residual', main, ...(shortcut ? { shortcut } : {}) });
