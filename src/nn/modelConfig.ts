import { z } from 'zod';
import { weightInitSchemes, biasInitSchemes } from './init.js';
import { flatten, type LayerSpec } from './LayerSpec.js';
import { mlp, spectralNormModes } from './models/mlp.js';
import { convNet } from './models/convNet.js';
import { resnet18 } from './models/resnet18.js';
import { sequenceTransformer, vit } from './models/vit.js';

export const activationNames = ['relu', 'leakyRelu', 'tanh', 'sigmoid', 'elu', 'swish', 'gelu', 'identity', 'crelu'] as const;

/**
 * The network of a run. Benchmarks give defaults (the paper's net); every field can be set from the CLI as
 * model.<key>. Model options that the literature treats as interventions (crelu, layernorm, dropout) are
 * fields here, not methods.
 */
export const modelSchema = z.strictObject({
  arch: z
    .enum(['mlp', 'conv-net', 'resnet18', 'vit', 'transformer'])
    .default('mlp')
    .describe('mlp (fully connected), conv-net (Continual ImageNet net), resnet18 (CIFAR variant), vit (Vision Transformer on images), transformer (over sequences [T, F])'),
  hidden: z.array(z.number().int().positive()).default([100, 100, 100]).describe('mlp: hidden widths; conv-net: dense widths after the convolutions'),
  channels: z.array(z.number().int().positive()).default([32, 64, 128]).describe('conv-net: channels of the conv layers'),
  kernels: z.array(z.number().int().positive()).optional().describe('conv-net: kernel side of each conv layer (default [5, 3, 3]; as many as channels)'),
  width: z.number().int().positive().default(64).describe('resnet18: channels of the first stage (64 is standard); vit, transformer: the residual-stream width'),
  patch: z.number().int().positive().default(4).describe('vit: patch side (28x28 or 32x32 images with patch 4: 49 or 64 tokens)'),
  depth: z.number().int().positive().default(4).describe('vit, transformer: transformer blocks'),
  heads: z.number().int().positive().default(4).describe('vit, transformer: attention heads per block (must divide width)'),
  mlpRatio: z.number().positive().default(2).describe("vit, transformer: a block's MLP hidden units per residual channel"),
  pool: z.enum(['cls', 'mean', 'last']).optional().describe('vit: cls (class token, the default) or mean (of the patch tokens); transformer: last (token, the default) or mean'),
  position: z.enum(['learned', 'sinusoidal']).default('learned').describe('vit, transformer: position embedding'),
  causal: z.boolean().default(true).describe('transformer: causal attention (a token sees itself and earlier tokens); vit attention is never causal'),
  activation: z.enum(activationNames).default('relu').describe('hidden nonlinearity; crelu concatenates relu(x) and relu(-x)'),
  init: z.enum(weightInitSchemes).default('kaiming-uniform').describe('mlp weight init (Kaiming uses the activation gain)'),
  biasInit: z.enum(biasInitSchemes).default('zero').describe('mlp bias init'),
  layerNorm: z.boolean().default(false).describe('LayerNorm before each hidden nonlinearity (resnet18: in place of its batch norms; vit: also before the GELU of each block, beside its pre-norm LayerNorms)'),
  dropout: z.number().min(0).lt(1).default(0).describe('dropout probability after each hidden nonlinearity'),
  onlineNorm: z.boolean().default(false).describe('online normalization (Chiley et al. 2019) before each hidden nonlinearity'),
  spectralNorm: z.enum(spectralNormModes).default('none').describe('spectral normalization (Miyato et al. 2018) of none, all, hidden or the penultimate layer weights (resnet18: the convs and the head; vit: the blocks\' MLP layers and the head)'),
});
/**
 * A validated model config (the output of {@link modelSchema}, defaults filled in): architecture, widths, activation,
 * init and interventions.
 */
export type ModelConfig = z.output<typeof modelSchema>;

/** The layer spec of a model config for a stream's input shape and number of outputs. */
export function buildModelSpec(c: ModelConfig, inputShape: readonly number[], outputs: number): LayerSpec {
  switch (c.arch) {
    case 'mlp': {
      const net = mlp({ hidden: c.hidden, outputs, activation: c.activation, init: c.init, biasInit: c.biasInit, layerNorm: c.layerNorm, dropout: c.dropout, onlineNorm: c.onlineNorm, spectralNorm: c.spectralNorm });
      // Images go through a flatten first.
      return inputShape.length === 1 || net.type !== 'sequential' ? net : { type: 'sequential', layers: [flatten(), ...net.layers] };
    }
    case 'conv-net':
      return convNet({ outputs, channels: c.channels, ...(c.kernels ? { kernels: c.kernels } : {}), dense: c.hidden, activation: c.activation, layerNorm: c.layerNorm, dropout: c.dropout, onlineNorm: c.onlineNorm, spectralNorm: c.spectralNorm });
    case 'resnet18':
      if (c.onlineNorm) throw new Error('model: onlineNorm is an option of mlp and conv-net, not of resnet18 (onlineNorm = true)');
      return resnet18({ outputs, width: c.width, layerNorm: c.layerNorm, spectralNorm: c.spectralNorm });
    case 'vit': {
      if (inputShape.length !== 3) throw new Error(`model: arch vit needs images [C, H, W]; the input is [${inputShape.join(', ')}]`);
      if (c.pool === 'last') throw new Error("model.pool: 'last' is for arch transformer; vit allows cls or mean");
      return vit({ outputs, patch: c.patch, width: c.width, depth: c.depth, heads: c.heads, mlpRatio: c.mlpRatio, pool: c.pool ?? 'cls', position: c.position, layerNorm: c.layerNorm, spectralNorm: c.spectralNorm });
    }
    case 'transformer': {
      if (inputShape.length !== 2) throw new Error(`model: arch transformer needs sequences [T, F]; the input is [${inputShape.join(', ')}]`);
      if (c.pool === 'cls') throw new Error("model.pool: 'cls' is for arch vit; transformer allows last or mean");
      return sequenceTransformer({ outputs, width: c.width, depth: c.depth, heads: c.heads, mlpRatio: c.mlpRatio, causal: c.causal, pool: c.pool ?? 'last', position: c.position });
    }
  }
}
