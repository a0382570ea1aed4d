import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableBackends, getBackend } from '../../backend/selectBackend.js';
import { gradCheck } from '../gradCheck.js';
import type { LayerSpec } from '../LayerSpec.js';
import { activation, attention, classToken, layerNorm, linear, patchEmbed, positionEmbedding, sequential, tokenPool, tokenwise } from '../LayerSpec.js';
import { sequenceTransformer, vit } from '../models/vit.js';

interface Case {
  name: string;
  spec: LayerSpec;
  input: number[];
  batch?: number;
}

// Tokens [T, D] in, so attention's input gradient (and through it the projections) is checked too.
const cases: Case[] = [
  { name: 'gelu (exact, per token)', spec: sequential(tokenwise(linear(6), activation('gelu'), linear(3))), input: [4, 5] },
  { name: 'gelu on a wide range', spec: sequential(linear(8), activation('gelu')), input: [3] },
  { name: 'attention, 1 head', spec: sequential(attention(1)), input: [3, 4] },
  { name: 'attention, 2 heads', spec: sequential(attention(2)), input: [5, 6] },
  { name: 'attention, causal, 3 heads', spec: sequential(attention(3, { causal: true })), input: [4, 6] },
  // Head widths for every vector path of the fused kernels (16 and 4 + 16 = 20 lanes; 4; 1), odd token counts.
  { name: 'attention, 2 heads of 16', spec: sequential(attention(2)), input: [7, 32] },
  { name: 'attention, causal, 2 heads of 20', spec: sequential(attention(2, { causal: true })), input: [9, 40] },
  { name: 'attention, causal, 3 heads of 4', spec: sequential(attention(3, { causal: true })), input: [6, 12] },
  { name: 'attention, 2 heads of 1', spec: sequential(attention(2)), input: [5, 2] },
  { name: 'attention without biases, batch 1', spec: sequential(attention(2, { bias: false })), input: [3, 4], batch: 1 },
  { name: 'layernorm per token', spec: sequential(tokenwise(layerNorm()), attention(2)), input: [3, 4] },
  { name: 'learned position embedding', spec: sequential(positionEmbedding('learned'), attention(2)), input: [3, 4] },
  { name: 'sinusoidal position embedding', spec: sequential(positionEmbedding('sinusoidal'), attention(2)), input: [3, 4] },
  { name: 'patch embedding 2x2', spec: sequential(patchEmbed(2, 5), tokenPool('mean')), input: [2, 4, 6] },
  { name: 'patch embedding 3x3, 1 channel', spec: sequential(patchEmbed(3, 4), tokenwise(linear(2))), input: [1, 6, 3] },
  { name: 'class token and cls pool', spec: sequential(classToken(), attention(2), tokenPool('cls')), input: [3, 4] },
  { name: 'last-token pool', spec: sequential(attention(2, { causal: true }), tokenPool('last')), input: [3, 4] },
  { name: 'vit (2 blocks, class token)', spec: vit({ outputs: 3, patch: 2, width: 8, depth: 2, heads: 2, mlpRatio: 2 }), input: [1, 4, 4], batch: 2 },
  { name: 'vit (mean pool, sinusoidal)', spec: vit({ outputs: 2, patch: 2, width: 6, depth: 1, heads: 3, mlpRatio: 1, pool: 'mean', position: 'sinusoidal' }), input: [2, 4, 4], batch: 2 },
  { name: 'sequence transformer (causal)', spec: sequenceTransformer({ outputs: 3, width: 8, depth: 2, heads: 2, mlpRatio: 2 }), input: [5, 3], batch: 2 },
];

for (const name of availableBackends()) {
  for (const c of cases) {
    test(`gradient check (float64 finite differences): ${c.name} on ${name}`, () => {
      const r = gradCheck(c.spec, c.input, getBackend(name), { batch: c.batch ?? 3, inputScale: c.name.includes('wide') ? 4 : 1 });
      assert.ok(r.checked > 0);
      assert.ok(r.worst <= 1, `worst ${r.worst.toFixed(2)} at ${r.where}\n${r.failures.join('\n')}`);
    });
  }
}
