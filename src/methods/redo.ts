import { z } from 'zod';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Edit } from '../nn/Edit.js';
import { defaultMethodGroups, type UnitGroup } from '../nn/UnitGroup.js';
import type { Method } from '../learn/Method.js';
import { noEdits } from './taskEvents.js';

export const redoSchema = z.strictObject({
  tau: z.number().default(0.1).describe('dormancy threshold: units with score <= tau are reset (0: only silent units; negative: none)'),
  period: z.number().int().min(1).default(1000).describe('check every this many updates'),
  scoreBatch: z
    .number()
    .int()
    .min(0)
    .default(256)
    .describe('examples of the current task drawn to score units at each check (the ReDo code: 256); 0: the training batch of that step'),
  groups: z.array(z.string()).default([]).describe('unit groups to act on (h1, h2, ...); empty: every hidden layer'),
});
/**
 * Validated options of {@link redo}: dormancy threshold tau, check period in updates, examples scored per check, and
 * the unit groups it acts on.
 */
export type RedoConfig = z.output<typeof redoSchema>;

/**
 * What {@link redo} keeps between checks (checkpointed): units reset so far and the dormant share at the last check,
 * per group.
 */
export interface RedoState {
  /** Units reset so far, per group. */
  readonly reset: Record<string, number>;
  /** Share of dormant units at the last check, per group. */
  readonly dormant: Record<string, number>;
}

/**
 * The tau-dormant scores of a group from the activations its features layer holds: s_i = mean|h_i| / ((1/H)
 * sum_k mean|h_k|), means over the batch (and space for conv units; over both features of a CReLU unit).
 * A layer whose units are all silent scores 0 everywhere.
 */
export function dormantScores(g: UnitGroup, sums: FloatArray, out: Float64Array, colSumsAbs: (a: FloatArray, rows: number, cols: number, o: FloatArray) => void): boolean {
  const h = g.features.output;
  if (!h) return false;
  const n = h.shape[0]!;
  const per = h.data.length / n;
  colSumsAbs(h.data, n, per, sums);
  const C = g.size, K = g.featuresPerUnit, S = per / (C * K);
  let total = 0;
  for (let i = 0; i < C; i++) {
    let s = 0;
    for (let k = 0; k < K; k++) for (let j = 0; j < S; j++) s += sums[(k * C + i) * S + j]!;
    out[i] = s / (n * K * S);
    total += out[i]!;
  }
  const mean = total / C;
  for (let i = 0; i < C; i++) out[i] = mean > 0 ? out[i]! / mean : 0;
  return true;
}

/**
 * ReDo (Sokar et al. 2023): every `period` updates, score each hidden unit by its normalized mean absolute
 * activation and reinitialize those with score <= tau (incoming weights redrawn, outgoing weights 0, optimizer
 * slots reset). As the authors' code, scores come from a separate batch (`scoreBatch` examples of the current
 * task, a forward pass in evaluation mode) taken after the update; scoreBatch = 0 uses the step's own batch.
 * That forward overwrites the layers' activations: in a combination, list methods that read this step's
 * activations (cbp) before redo.
 */
export const redo: Method<typeof redoSchema> = {
  name: 'redo',
  description: 'ReDo: reinitialize tau-dormant units every period steps (Sokar et al. 2023)',
  reference: 'Sokar, Agarwal, Castro, Evci. The Dormant Neuron Phenomenon in Deep Reinforcement Learning. ICML 2023',
  schema: redoSchema,
  create(c, { model, backend, rng }) {
    const groups = c.groups.length ? c.groups.map((n) => model.group(n)) : defaultMethodGroups(model.unitGroups);
    const state: RedoState = {
      reset: Object.fromEntries(groups.map((g) => [g.name, 0])),
      dormant: Object.fromEntries(groups.map((g) => [g.name, 0])),
    };
    const sums = new Map<UnitGroup, FloatArray>();
    const scores = new Map(groups.map((g) => [g, new Float64Array(g.size)]));
    const colSumsAbs = backend.colSumsAbs.bind(backend);
    return {
      state,
      afterUpdate({ step, taskData }) {
        if (step % c.period !== 0) return noEdits;
        if (c.scoreBatch > 0) {
          // A stream of its own per check: the draws depend on the step only, so a resumed run draws the same.
          const batch = taskData.probe(c.scoreBatch, rng.split(`score${step}`));
          model.forward(batch.x, false);
        }
        const edits: Edit[] = [];
        for (const g of groups) {
          if (!model.unitGroups.includes(g)) continue;
          const per = g.features.output ? g.features.output.data.length / g.features.output.shape[0]! : 0;
          let buf = sums.get(g);
          if (!buf || buf.length !== per) {
            if (buf) backend.free(buf);
            sums.set(g, (buf = backend.alloc(per)));
          }
          const s = scores.get(g)!;
          if (!dormantScores(g, buf, s, colSumsAbs)) continue;
          const units: number[] = [];
          for (let i = 0; i < g.size; i++) if (s[i]! <= c.tau) units.push(i);
          state.dormant[g.name] = units.length / g.size;
          if (units.length === 0) continue;
          state.reset[g.name] = state.reset[g.name]! + units.length;
          edits.push({ kind: 'reinitUnits', group: g.name, units, outgoing: 'zero', reason: 'redo' });
        }
        return edits.length ? edits : noEdits;
      },
      metrics: () => {
        const out: Record<string, number> = {};
        for (const g of groups) {
          out[`method/redo/reset/${g.name}`] = state.reset[g.name]!;
          out[`method/redo/dormant/${g.name}`] = state.dormant[g.name]!;
        }
        return out;
      },
    };
  },
};
