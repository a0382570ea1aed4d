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
export const linear = (out: number, opts: Omit<LinearSpec, 'type' | 'out'> = {}): LinearSpec => ({ type: 'linear', out, ...opts });
export const conv2d = (out: number, kernel: number, opts: Omit<Conv2dSpec, 'type' | 'out' | 'kernel'> = {}): Conv2dSpec => ({ type: 'conv2d', out, kernel, ...opts });
export const maxPool2d = (kernel: number, stride?: number): LayerSpec => ({ type: 'maxpool2d', kernel, ...(stride !== undefined ? { stride } : {}) });
export const globalAvgPool = (): LayerSpec => ({ type: 'global-avg-pool' });
export const flatten = (): LayerSpec => ({ type: 'flatten' });
export const batchNorm = (opts: { eps?: number; momentum?: number } = {}): LayerSpec => ({ type: 'batchnorm', ...opts });
export const layerNorm = (opts: { eps?: number } = {}): LayerSpec => ({ type: 'layernorm', ...opts });
export const onlineNorm = (opts: Omit<OnlineNormSpec, 'type'> = {}): LayerSpec => ({ type: 'online-norm', ...opts });
export const dropout = (p: number): LayerSpec => ({ type: 'dropout', p });
export const activation = (fn: ActivationName, param?: number): LayerSpec => ({ type: 'activation', fn, ...(param !== undefined ? { param } : {}) });
export const relu = (): LayerSpec => activation('relu');
export const crelu = (): LayerSpec => ({ type: 'crelu' });
export const sequential = (...layers: LayerSpec[]): LayerSpec => ({ type: 'sequential', layers });
/** Layers applied to each token of [T, D] on its own (LayerNorm, the MLP of a transformer block). */
export const tokenwise = (...layers: LayerSpec[]): LayerSpec => ({ type: 'tokenwise', layers });
export const attention = (heads: number, opts: Omit<AttentionSpec, 'type' | 'heads'> = {}): LayerSpec => ({ type: 'attention', heads, ...opts });
export const positionEmbedding = (kind: 'learned' | 'sinusoidal'): LayerSpec => ({ type: 'position-embedding', kind });
export const patchEmbed = (patch: number, out: number, opts: Omit<PatchEmbedSpec, 'type' | 'patch' | 'out'> = {}): LayerSpec => ({ type: 'patch-embed', patch, out, ...opts });
export const classToken = (): LayerSpec => ({ type: 'class-token' });
export const tokenPool = (mode: 'cls' | 'last' | 'mean'): LayerSpec => ({ type: 'token-pool', mode });
export const residual = (main: LayerSpec[], shortcut?: LayerSpec[]): LayerSpec => ({ type: 'residual', main, ...(shortcut ? { shortcut } : {}) });
