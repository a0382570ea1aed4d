import { activation, attention, classToken, layerNorm, linear, patchEmbed, positionEmbedding, residual, tokenPool, tokenwise, type LayerSpec } from '../LayerSpec.js';
import { spectralAt, type SpectralNormMode } from './mlp.js';

/** The options of a pre-norm transformer block stack (shared by the ViT and the sequence model). */
export interface TransformerBlockOptions {
  /** Residual-stream width D. */
  readonly width: number;
  /** Blocks. */
  readonly depth: number;
  /** Attention heads per block (must divide the width). */
  readonly heads: number;
  /** MLP hidden units per block = mlpRatio * width (rounded). */
  readonly mlpRatio?: number;
  readonly causal?: boolean;
  /** LayerNorm before each block's GELU (the hidden nonlinearity), on top of the pre-norm ones (default false). */
  readonly layerNorm?: boolean;
  /**
   * Spectral normalization of the dense layers (the blocks' MLP layers count as hidden layers, in order, and the
   * head as the output layer; attention projections and the patch embedding are never normalized).
   */
  readonly spectralNorm?: SpectralNormMode;
}

/**
 * Pre-norm transformer blocks (as ViT and GPT-2): x + Attn(LN(x)), then x + MLP(LN(x)) with MLP = Linear(D -> rD),
 * GELU, Linear(rD -> D), Xavier-uniform weights and zero biases. The MLP's hidden units are a dense unit group
 * (per token); each attention block's heads are a unit group.
 */
export function transformerBlocks(opts: TransformerBlockOptions): LayerSpec[] {
  const d = opts.width;
  const hidden = Math.max(1, Math.round((opts.mlpRatio ?? 4) * d));
  const n = 2 * opts.depth;
  const dense = (out: number, i: number) => linear(out, { init: 'xavier-uniform', gain: 'linear', biasInit: 'zero', ...(spectralAt(opts.spectralNorm, i, n) ? { spectralNorm: true } : {}) });
  const out: LayerSpec[] = [];
  for (let i = 0; i < opts.depth; i++) {
    out.push(residual([tokenwise(layerNorm()), attention(opts.heads, { causal: opts.causal ?? false })]));
    const mlpHidden = opts.layerNorm ? [dense(hidden, 2 * i), layerNorm()] : [dense(hidden, 2 * i)];
    out.push(residual([tokenwise(layerNorm(), ...mlpHidden, activation('gelu'), dense(d, 2 * i + 1))]));
  }
  return out;
}

/** The options of `vit`: the block stack's, plus the head's outputs, the patch side, pooling and position embedding. */
export interface VitOptions extends TransformerBlockOptions {
  readonly outputs: number;
  /** Patch side p: images [C, H, W] become (H/p)(W/p) tokens. */
  readonly patch: number;
  /** 'cls': a class token read by the head (ViT); 'mean': the mean of the patch tokens. */
  readonly pool?: 'cls' | 'mean';
  readonly position?: 'learned' | 'sinusoidal';
}

/**
 * A Vision Transformer (Dosovitskiy et al. 2021), pre-norm: patch embedding, class token (pool 'cls'), position
 * embedding, `depth` transformer blocks, a final LayerNorm, the class token (or the mean token), a linear head.
 * ViT-tiny for 28x28 or 32x32 images: patch 4, width 64-192, depth 2-6.
 */
export function vit(opts: VitOptions): LayerSpec {
  const pool = opts.pool ?? 'cls';
  const layers: LayerSpec[] = [patchEmbed(opts.patch, opts.width)];
  if (pool === 'cls') layers.push(classToken());
  layers.push(positionEmbedding(opts.position ?? 'learned'));
  layers.push(...transformerBlocks(opts));
  const head = spectralAt(opts.spectralNorm, 2 * opts.depth, 2 * opts.depth) ? { spectralNorm: true } : {};
  layers.push(tokenwise(layerNorm()), tokenPool(pool), linear(opts.outputs, { init: 'xavier-uniform', gain: 'linear', biasInit: 'zero', ...head }));
  return { type: 'sequential', layers };
}

/** The options of `sequenceTransformer`: the block stack's, plus the head's outputs, pooling and position embedding. */
export interface SequenceTransformerOptions extends TransformerBlockOptions {
  readonly outputs: number;
  readonly position?: 'learned' | 'sinusoidal';
  /** 'last' (default for causal: the summary of the whole sequence), or 'mean'. */
  readonly pool?: 'last' | 'mean';
}

/**
 * A small transformer over sequences [T, F]: each token's F features projected to the width, position embedding
 * (sinusoidal by default), `depth` blocks (causal by default: a GPT-style decoder), a final LayerNorm, the last
 * token (or the mean), a linear head.
 */
export function sequenceTransformer(opts: SequenceTransformerOptions): LayerSpec {
  const causal = opts.causal ?? true;
  return {
    type: 'sequential',
    layers: [
      tokenwise(linear(opts.width, { init: 'xavier-uniform', gain: 'linear', biasInit: 'zero' })),
      positionEmbedding(opts.position ?? 'sinusoidal'),
      ...transformerBlocks({ ...opts, causal }),
      tokenwise(layerNorm()),
      tokenPool(opts.pool ?? (causal ? 'last' : 'mean')),
      linear(opts.outputs, { init: 'xavier-uniform', gain: 'linear', biasInit: 'zero' }),
    ],
  };
}
