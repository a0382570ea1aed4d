import type { LayerSpec } from './LayerSpec.js';

/** What a model will take in memory, in bytes, estimated from its spec before anything is allocated. */
export interface MemoryEstimate {
  readonly parameters: number;
  /** Parameters, their gradients and the optimizer's slots. */
  readonly parameterBytes: number;
  /** Buffers of one batch size: the layers' outputs and input gradients, a convolution's columns, shared scratch. */
  readonly activationBytes: number;
  readonly totalBytes: number;
}

interface Walk {
  params: number;
  /** Values per example kept by layers (outputs, input gradients, columns). */
  perExample: number;
  /** Largest per-example scratch (shared by all convolutions, live during one call). */
  scratch: number;
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function walk(spec: LayerSpec, inShape: readonly number[], w: Walk): readonly number[] {
  const n = size(inShape);
  switch (spec.type) {
    case 'linear':
      w.params += spec.out * n + (spec.bias === false ? 0 : spec.out);
      w.perExample += spec.out + n;
      return [spec.out];
    case 'conv2d': {
      const [c, h, wd] = inShape as [number, number, number];
      const k = spec.kernel, s = spec.stride ?? 1, p = spec.padding ?? 0;
      const oh = Math.floor((h + 2 * p - k) / s) + 1, ow = Math.floor((wd + 2 * p - k) / s) + 1;
      const cols = c * k * k * oh * ow, out = spec.out * oh * ow;
      w.params += spec.out * c * k * k + (spec.bias === false ? 0 : spec.out);
      w.perExample += cols + out + n;
      w.scratch = Math.max(w.scratch, cols + 2 * out);
      return [spec.out, oh, ow];
    }
    case 'maxpool2d': {
      const [c, h, wd] = inShape as [number, number, number];
      const s = spec.stride ?? spec.kernel;
      const out = [c, Math.floor((h - spec.kernel) / s) + 1, Math.floor((wd - spec.kernel) / s) + 1];
      w.perExample += 2 * size(out) + n;
      return out;
    }
    case 'global-avg-pool':
      w.perExample += inShape[0]! + n;
      return [inShape[0]!];
    case 'flatten':
      return [n];
    case 'batchnorm':
    case 'layernorm':
    case 'online-norm':
      w.params += 2 * inShape[0]!;
      w.perExample += 3 * n;
      return inShape;
    case 'dropout':
      w.perExample += 3 * n;
      return inShape;
    case 'activation':
      w.perExample += 2 * n;
      return inShape;
    case 'crelu':
      w.perExample += 3 * n;
      return [2 * inShape[0]!, ...inShape.slice(1)];
    case 'sequential': {
      let s = inShape;
      for (const l of spec.layers) s = walk(l, s, w);
      return s;
    }
    case 'residual': {
      let s = inShape;
      for (const l of spec.main) s = walk(l, s, w);
      let t = inShape;
      for (const l of spec.shortcut ?? []) t = walk(l, t, w);
      w.perExample += size(s) + n;
      return s;
    }
    case 'tokenwise': {
      // Each token is an example of the inner layers.
      const [t, d] = inShape as [number, number];
      const inner: Walk = { params: 0, perExample: 0, scratch: 0 };
      let s: readonly number[] = [d];
      for (const l of spec.layers) s = walk(l, s, inner);
      w.params += inner.params;
      w.perExample += t * inner.perExample;
      w.scratch = Math.max(w.scratch, t * inner.scratch);
      return [t, ...s];
    }
    case 'attention': {
      const [t, d] = inShape as [number, number];
      const bias = spec.bias === false ? 0 : 4 * d;
      w.params += 4 * d * d + bias;
      // qkv, its regrouped copy and their gradients; probabilities and their gradient; heads, outputs, gradients.
      w.perExample += 18 * t * d + 2 * spec.heads * t * t;
      return inShape;
    }
    case 'position-embedding':
      if (spec.kind === 'learned') w.params += n;
      w.perExample += n;
      return inShape;
    case 'patch-embed': {
      const [c, h, wd] = inShape as [number, number, number];
      const p = spec.patch, t = (h / p) * (wd / p);
      w.params += spec.out * c * p * p + spec.out;
      w.perExample += 2 * c * p * p * t + spec.out * t + n;
      return [t, spec.out];
    }
    case 'class-token': {
      const [t, d] = inShape as [number, number];
      w.params += d;
      w.perExample += (t + 1) * d + n;
      return [t + 1, d];
    }
    case 'token-pool':
      w.perExample += inShape[1]! + n;
      return [inShape[1]!];
  }
}

/**
 * Estimate the memory of a model before building it: parameters with their gradients and `optimizerSlots`
 * values each (momentum: 1, Adam: 2), and the buffers of a batch of `batchSize` (plus a second, smaller batch
 * size: the last partial batch of an epoch). Within about 25% of what the layers allocate; used to refuse a
 * model that cannot fit before it fails deep inside an allocation.
 */
export function estimateMemory(spec: LayerSpec, inputShape: readonly number[], batchSize: number, optimizerSlots: number): MemoryEstimate {
  const w: Walk = { params: 0, perExample: 0, scratch: 0 };
  walk(spec, inputShape, w);
  const parameterBytes = 4 * w.params * (2 + optimizerSlots);
  const activationBytes = 4 * batchSize * (w.perExample + w.scratch);
  return { parameters: w.params, parameterBytes, activationBytes, totalBytes: parameterBytes + activationBytes };
}
