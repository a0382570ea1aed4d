import { z } from 'zod';
import type { Param } from '../nn/Param.js';
import type { Diagnostic } from './Diagnostic.js';

/** The layer a parameter belongs to: its name without the last part ('block1.conv1.weight' -> 'block1.conv1'). */
export function layerOf(p: Param): string {
  const i = p.name.lastIndexOf('.');
  return i > 0 ? p.name.slice(0, i) : p.name;
}

const noOptions = z.strictObject({});

/** Mean |w| over all weights (not biases, not normalization gains) of the network, and per layer. */
export const weightMagnitude: Diagnostic<typeof noOptions> = {
  name: 'weightMagnitude',
  description: 'mean |w| over all weights of the network (biases and norm gains excluded), and per layer',
  schema: noOptions,
  compute(ctx) {
    const out: Record<string, number> = {};
    let sum = 0, count = 0;
    for (const p of ctx.model.params) {
      if (p.role !== 'weight') continue;
      const s = ctx.backend.sumAbs(p.data);
      out[`diag/weightMagnitude/${layerOf(p)}`] = s / p.data.length;
      sum += s;
      count += p.data.length;
    }
    if (count > 0) out['diag/weightMagnitude'] = sum / count;
    return out;
  },
};

/**
 * ||theta - theta_0||_2 over all parameters (weights, biases, norm gains), and per layer. Entries added after step
 * 0 (rows of a grown head) have no initial value and are left out.
 */
export const distanceFromInit: Diagnostic<typeof noOptions> = {
  name: 'distanceFromInit',
  description: 'L2 distance of the parameters from their values at step 0, whole network and per layer',
  schema: noOptions,
  compute(ctx) {
    const perLayer = new Map<string, number>();
    let total = 0;
    for (const p of ctx.model.params) {
      const init = ctx.initial[p.index];
      if (!init) continue;
      const d = p.data, len = Math.min(d.length, init.length);
      let s = 0;
      for (let i = 0; i < len; i++) {
        const v = d[i]! - init[i]!;
        s += v * v;
      }
      const layer = layerOf(p);
      perLayer.set(layer, (perLayer.get(layer) ?? 0) + s);
      total += s;
    }
    const out: Record<string, number> = { 'diag/distanceFromInit': Math.sqrt(total) };
    for (const [layer, s] of perLayer) out[`diag/distanceFromInit/${layer}`] = Math.sqrt(s);
    return out;
  },
};
