import { z } from 'zod';
import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Edit } from '../nn/Edit.js';
import type { Layer } from '../nn/Layer.js';
import type { Model } from '../nn/Model.js';
import { UnitSlots } from '../nn/Slots.js';
import { PendingUpdate } from '../nn/PendingUpdate.js';
import { Linear } from '../nn/layers/Linear.js';
import { defaultMethodGroups, type UnitConsumer, type UnitGroup } from '../nn/UnitGroup.js';
import type { Method } from '../learn/Method.js';
import { noEdits } from './taskEvents.js';

export const cbpSchema = z.strictObject({
  rate: z.number().min(0).max(1).default(1e-4).describe('replacement rate rho: each step a layer adds rho * (its mature units) to its replacement accumulator'),
  maturity: z.number().int().min(0).default(100).describe('maturity threshold m: only units older than m steps can be replaced'),
  decay: z.number().min(0).lt(1).default(0.99).describe('decay rate eta of the running utility and mean activation'),
  utility: z
    .enum(['contribution', 'adaptable'])
    .default('contribution')
    .describe("contribution: |h| * sum_k |w_out,k| (Algorithm 1); adaptable: |h - mean h| * mean|w_out| / mean|w_in| (the reference configs' adaptable_contribution)"),
  compensateBias: z.boolean().default(false).describe("add a replaced unit's mean contribution (mean activation times its outgoing weights) to the next layer's bias"),
  groups: z.array(z.string()).default([]).describe('unit groups to act on (h1, h2, ...); empty: every hidden layer'),
});
/**
 * Validated options of {@link cbp} (continual backprop): replacement rate, maturity threshold, utility decay and
 * kind, bias compensation, and the unit groups it acts on.
 */
export type CbpConfig = z.output<typeof cbpSchema>;

/** Method state (checkpointed): per-unit slots that every unit reset clears, and per-layer counters. */
export interface CbpState {
  readonly utility: UnitSlots;
  readonly age: UnitSlots;
  /** decay^age per unit: the bias correction of a unit's running averages is 1 - decay^age. */
  readonly decayPower: UnitSlots;
  /** Running mean of each unit's features, one slot set per feature copy (a CReLU unit has two). */
  readonly mean: UnitSlots[];
  /** Per layer: mature units summed over all steps (E) and units replaced (R). The accumulator c = rate * E - R. */
  readonly matureSum: Record<string, number>;
  readonly replaced: Record<string, number>;
}

/**
 * The values the consumer of a group reads: the activation layer's output, or the pooling after it (Dohare's
 * reference code scores conv units on their pooled features, as the next layer sees them).
 */
function readLayerOf(model: Model, g: UnitGroup): Layer {
  const parent = model.layers.find((l) => l.children.includes(g.features) && l.children.includes(g.consumer));
  if (!parent) return g.features;
  const cs = parent.children;
  let read = g.features;
  for (let i = cs.indexOf(g.features) + 1; i < cs.indexOf(g.consumer); i++) {
    if (cs[i]!.type === 'maxpool2d' || cs[i]!.type === 'global-avg-pool') read = cs[i]!;
  }
  return read;
}

/** n float64 values in backend memory, where the backend's kernels address them (cbpUtility's state). */
function alloc64(backend: Backend, n: number): Float64Array {
  const bytes = backend.allocBytes(8 * n);
  return new Float64Array(bytes.buffer, bytes.byteOffset, n);
}

/**
 * Buffers and layout of one group, made once: the per-step work is backend reductions (column / row sums of |.|)
 * into these buffers plus loops over units and features, never over weights in JavaScript.
 */
class GroupPlan {
  readonly units: number;
  readonly copies: number;
  /** Positions per feature where the consumer reads (conv: after pooling; dense: 1). */
  readonly positions: number;
  /** Consumer columns per feature: kernel taps for a conv consumer, positions for a dense one. */
  readonly block: number;
  readonly consumerConv: boolean;
  readonly read: Layer;
  readonly absSum: FloatArray;
  readonly colSum: FloatArray;
  readonly rowSum: FloatArray | null;
  readonly featureMean: FloatArray | null;
  readonly deviation: Float64Array | null;
  /** Bias-corrected mean per feature (with one feature per unit, the last row of `state`: the online kernel writes it). */
  readonly corrected: Float64Array;
  readonly value: Float64Array;
  /** Units older than the maturity threshold, counted by this step's measure. */
  mature = 0;
  /**
   * The adaptable utility's incoming row sums kept up to date by the whole online step (a first layer only: see
   * keepRowSums), and the weight accesses counted when `rowSum` was last whole; null: summed every step.
   */
  kept: PendingUpdate | null = null;
  keptAt = -1;
  /** Incoming weights per unit (one row of the producer's weight). */
  readonly rowSize: number;

  /**
   * The group's float64 state in backend memory as Backend.cbpUtility reads it: rows of `units` values (utility, age,
   * decay power, and when the mean is tracked the mean and its corrected value). CbpState's arrays are views of it.
   */
  readonly state: Float64Array;
  /**
   * The rows handed out as CbpState's arrays (utility, age, decay power, mean), to see that the state still uses
   * them: a checkpoint of another size is restored into fresh arrays, and the general path then serves.
   */
  readonly views: readonly [Float64Array, Float64Array, Float64Array, Float64Array | null];

  constructor(readonly group: UnitGroup, model: Model, backend: Backend, adaptable: boolean, trackMean: boolean) {
    const g = group;
    this.units = g.size;
    this.copies = g.featuresPerUnit;
    this.read = readLayerOf(model, g);
    const features = this.units * this.copies;
    const perExample = this.read.outShape.reduce((a, b) => a * b, 1);
    this.positions = perExample / features;
    this.consumerConv = g.consumer.type === 'conv2d';
    const w = g.consumer.weight;
    const cols = w.data.length / w.shape[0]!;
    this.block = cols / features;
    if (!Number.isInteger(this.positions) || !Number.isInteger(this.block) || (!this.consumerConv && this.block !== this.positions)) {
      throw new Error(`cbp: cannot lay out group ${g.name}: ${features} features, ${perExample} values per example at ${this.read.name}, ${cols} consumer columns`);
    }
    this.absSum = backend.alloc(perExample);
    this.colSum = backend.alloc(cols);
    this.rowSum = adaptable ? backend.alloc(this.units) : null;
    this.rowSize = g.producer.weight.data.length / this.units;
    this.featureMean = trackMean ? backend.alloc(features) : null;
    this.deviation = adaptable ? new Float64Array(perExample) : null;
    this.state = alloc64(backend, (trackMean ? 5 : 3) * this.units);
    this.state.fill(1, 2 * this.units, 3 * this.units);
    this.views = [this.row(0), this.row(1), this.row(2), trackMean ? this.row(3) : null];
    this.corrected = trackMean && this.copies === 1 ? this.row(4) : alloc64(backend, features);
    this.value = new Float64Array(this.units);
  }

  /**
   * The adaptable utility sums |w| over each incoming row every step: 78,400 weights on the online MLP's 784-wide
   * first layer, more than the step itself reads twice. The whole online step (DenseReluStep) updates that layer's
   * weights row by row and sums the rows it writes as it goes, into `rowSum`, when the layer's PendingUpdate asks for
   * them; every other writer reads or replaces `param.data`, which the PendingUpdate counts, and a count that moved
   * since the sums were last whole means they are summed again here. Only a top-level plain Linear at the front of
   * the model qualifies (the only layer the whole step treats so), and only one reader per layer.
   */
  keepRowSums(model: Model, backend: Backend): void {
    const w = this.group.producer.weight;
    if (!this.rowSum || this.group.incomingRows || this.group.producer !== model.root.children[0] || Object.getPrototypeOf(this.group.producer) !== Linear.prototype) return;
    const u = PendingUpdate.of(w, backend);
    if (u.rowAbsSums) return;
    u.rowAbsSums = this.rowSum;
    this.kept = u;
  }

  /** Row k of the state (0 utility, 1 age, 2 decay power, 3 mean, 4 corrected mean). */
  row(k: number): Float64Array {
    return this.state.subarray(k * this.units, (k + 1) * this.units);
  }
}

/**
 * Continual backprop (Dohare et al. 2024, Algorithm 1). After every update, per layer: ages += 1; utilities are
 * running averages (decay eta) of each unit's contribution; c += rate * (units older than `maturity`); while
 * c >= 1 the mature unit with the lowest bias-corrected utility u / (1 - eta^age) is replaced: incoming weights
 * redrawn from their init distribution, bias 0, normalization entries reset, outgoing weights 0, its utility,
 * age and mean 0, and its optimizer slots (Adam moments and per-element counts) reset, all by `reinitUnits`.
 * Conv units are channels; their activations are averaged over batch and space.
 *
 * Where the reference code (lop/algos/gnt.py, convGnT.py) differs, this follows the paper's Algorithm 1:
 * - the accumulator grows by rate * (mature units) (convGnT adds rate * (all units) once any unit is mature);
 * - contribution sums |w_out| over the next layer's units (the code averages: a constant factor per layer, the
 *   same ranking);
 * - the accumulator is kept as rate * E - R with integer counts E and R, so that 0.1 added ten times is 1;
 * - bias compensation uses the unit's mean before the reset (gnt.py zeroes the mean first, so it adds nothing).
 *   For a conv consumer it assumes every tap sees the mean (exact away from the padding); after flattening, the
 *   channel mean stands for every position.
 * As the code, conv units are scored on what the next layer reads (after max pooling), each position of a
 * flattened channel paired with its own outgoing column.
 */
export const cbp: Method<typeof cbpSchema> = {
  name: 'cbp',
  description: 'continual backprop: replace a small fraction of mature low-utility units with fresh ones (Dohare et al. 2024)',
  reference: 'Dohare, Hernandez-Garcia, Lan, Rahman, Mahmood, Sutton. Loss of plasticity in deep continual learning. Nature 632 (2024), Algorithm 1',
  schema: cbpSchema,
  create(c, { model, backend }) {
    const groups = c.groups.length ? c.groups.map((n) => model.group(n)) : defaultMethodGroups(model.unitGroups);
    const adaptable = c.utility === 'adaptable';
    const trackMean = adaptable || c.compensateBias;
    const plans = groups.map((g) => new GroupPlan(g, model, backend, adaptable, trackMean));
    for (const p of plans) p.keepRowSums(model, backend);
    // Rows of the plans' state blocks (updated in place by the online kernel); a second feature copy's mean (CReLU)
    // has arrays of its own.
    const rows = (k: number) => Object.fromEntries(plans.map((p) => [p.group.name, p.views[k]!]));
    const perGroup = (fill: number) => Object.fromEntries(groups.map((g) => [g.name, new Float64Array(g.size).fill(fill)]));
    const maxCopies = Math.max(1, ...groups.map((g) => g.featuresPerUnit));
    const state: CbpState = {
      utility: new UnitSlots('cbp.utility', rows(0), 0),
      age: new UnitSlots('cbp.age', rows(1), 0),
      decayPower: new UnitSlots('cbp.decayPower', rows(2), 1),
      mean: Array.from({ length: trackMean ? maxCopies : 0 }, (_, k) => new UnitSlots(`cbp.mean${k}`, k === 0 ? rows(3) : perGroup(0), 0)),
      matureSum: Object.fromEntries(groups.map((g) => [g.name, 0])),
      replaced: Object.fromEntries(groups.map((g) => [g.name, 0])),
    };

    const eta = c.decay;

    /** This step's utility of every unit of a group into plan.value; false when the group has no activations yet. */
    const measure = (p: GroupPlan): boolean => {
      const r = p.read.output;
      if (!r) return false;
      const g = p.group, name = g.name;
      const C = p.units, K = p.copies, S = p.positions, B = p.block;
      const n = r.shape[0]!;
      const F = C * K * S;
      const wc = g.consumer.weight;
      const rowsC = wc.shape[0]!;
      const age = state.age.arrays[name]!, power = state.decayPower.arrays[name]!;
      const maturity = c.maturity;
      const u = state.utility.arrays[name]!;
      const m = p.featureMean ? state.mean[0]!.arrays[name]! : null;
      const v = p.views;
      if (n === 1 && K === 1 && S === 1 && !p.consumerConv && !(adaptable && g.incomingRows) && u === v[0] && age === v[1] && power === v[2] && m === v[3]) {
        // The online dense case (every MLP layer at batch 1): the sums and the loop over the units in one kernel
        // call, with the arithmetic of the general path below.
        // Adaptable: the incoming row sums are summed here unless the step kept them (GroupPlan.keepRowSums).
        const wp = adaptable ? g.producer.weight : null;
        const kept = p.kept;
        const wIn = wp && !(kept && kept.accesses === p.keptAt) ? wp.data : null;
        p.mature = backend.cbpUtility(C, rowsC, wc.data, r.data, wp ? p.rowSize : 0, wIn, eta, maturity, m !== null, p.state, p.colSum, p.rowSum);
        if (kept) p.keptAt = kept.accesses;
        return true;
      }
      backend.colSumsAbs(wc.data, rowsC, wc.data.length / rowsC, p.colSum);
      let mature = 0;
      for (let i = 0; i < C; i++) {
        const a = age[i]! + 1;
        age[i] = a;
        power[i] = power[i]! * eta;
        if (a > maturity) mature++;
      }
      p.mature = mature;
      if (p.featureMean) {
        backend.sumChannels(r.data, n, C * K, S, 1 / (n * S), 0, p.featureMean);
        for (let k = 0; k < K; k++) {
          const m = state.mean[k]!.arrays[name]!;
          for (let i = 0; i < C; i++) {
            m[i] = eta * m[i]! + (1 - eta) * p.featureMean[k * C + i]!;
            p.corrected[k * C + i] = m[i]! / (1 - power[i]!);
          }
        }
      }
      const y = p.value;
      const col = p.colSum;
      if (!adaptable && K === 1 && S === 1 && !p.consumerConv) {
        // The dense case (every MLP layer): one pass over the units, |h| straight from the batch-1 activations.
        const a = p.absSum;
        if (n === 1) {
          for (let i = 0; i < C; i++) y[i] = Math.abs(r.data[i]!) * col[i]!;
        } else {
          backend.colSumsAbs(r.data, n, F, a);
          const inv = 1 / n;
          for (let i = 0; i < C; i++) y[i] = a[i]! * col[i]! * inv;
        }
      } else if (!adaptable) {
        // contribution: mean over batch (and positions) of |h| times the summed |outgoing weights|.
        backend.colSumsAbs(r.data, n, F, p.absSum);
        const a = p.absSum;
        for (let i = 0; i < C; i++) {
          let v = 0;
          for (let k = 0; k < K; k++) {
            const f = k * C + i;
            if (p.consumerConv) {
              let h = 0, w = 0;
              for (let s = 0; s < S; s++) h += a[f * S + s]!;
              for (let t = 0; t < B; t++) w += col[f * B + t]!;
              v += (h * w) / (n * S * B);
            } else {
              let hw = 0;
              for (let s = 0; s < S; s++) hw += a[f * S + s]! * col[f * S + s]!;
              v += hw / (n * S);
            }
          }
          y[i] = v;
        }
      } else {
        // adaptable: mean |h - mean h| times mean |outgoing weights|, over mean |incoming weights|.
        const wp = g.producer.weight;
        let rowSize = wp.data.length / C;
        if (g.incomingRows) {
          // Units own row ranges (attention heads: query, key and value rows): sum |w| over each unit's ranges.
          const rs = wp.data.length / wp.shape[0]!;
          for (let i = 0; i < C; i++) {
            let sum = 0, count = 0;
            for (const [start, rows] of g.incomingRows(i)) {
              for (let j = start * rs; j < (start + rows) * rs; j++) sum += Math.abs(wp.data[j]!);
              count += rows * rs;
            }
            p.rowSum![i] = sum;
            rowSize = count;
          }
        } else backend.rowSumsAbs(wp.data, C, rowSize, p.rowSum!);
        const d = p.deviation!, x = r.data, mh = p.corrected;
        d.fill(0);
        for (let e = 0; e < n; e++) {
          const o = e * F;
          for (let f = 0; f < C * K; f++) {
            const m = mh[f]!;
            for (let s = 0; s < S; s++) d[f * S + s] = d[f * S + s]! + Math.abs(x[o + f * S + s]! - m);
          }
        }
        for (let i = 0; i < C; i++) {
          let v = 0;
          for (let k = 0; k < K; k++) {
            const f = k * C + i;
            if (p.consumerConv) {
              let h = 0, w = 0;
              for (let s = 0; s < S; s++) h += d[f * S + s]!;
              for (let t = 0; t < B; t++) w += col[f * B + t]!;
              v += (h / (n * S)) * (w / (rowsC * B));
            } else {
              let hw = 0;
              for (let s = 0; s < S; s++) hw += d[f * S + s]! * col[f * S + s]!;
              v += hw / (n * S * rowsC);
            }
          }
          const inMag = p.rowSum![i]! / rowSize;
          y[i] = inMag > 0 ? v / inMag : v > 0 ? Infinity : 0;
        }
      }
      for (let i = 0; i < C; i++) u[i] = eta * u[i]! + (1 - eta) * y[i]!;
      return true;
    };

    /** The units to replace in a group this step (lowest bias-corrected utility among the mature), or null. */
    const choose = (p: GroupPlan): number[] | null => {
      const name = p.group.name;
      const age = state.age.arrays[name]!, power = state.decayPower.arrays[name]!, u = state.utility.arrays[name]!;
      const mature = p.mature;
      state.matureSum[name] = state.matureSum[name]! + mature;
      const due = Math.floor(c.rate * state.matureSum[name]! - state.replaced[name]!);
      const k = Math.min(due, mature);
      if (k <= 0) return null;
      const chosen: number[] = [];
      for (let j = 0; j < k; j++) {
        let best = -1, bestValue = Infinity;
        for (let i = 0; i < p.units; i++) {
          if (!(age[i]! > c.maturity) || chosen.includes(i)) continue;
          const v = u[i]! / (1 - power[i]!);
          if (best < 0 || v < bestValue) {
            best = i;
            bestValue = v;
          }
        }
        chosen.push(best);
      }
      state.replaced[name] = state.replaced[name]! + k;
      return chosen;
    };

    /** Next-layer bias += the replaced units' mean activation times their outgoing weights (every reader with a bias). */
    const compensation = (p: GroupPlan, units: readonly number[], reader: UnitConsumer): Edit | null => {
      const bias = reader.layer.bias;
      if (!bias) return null;
      const w = reader.layer.weight;
      const rows = w.shape[0]!, cols = w.data.length / rows;
      const values = new Array<number>(rows).fill(0);
      for (const i of units) {
        const ranges = reader.outgoing(i);
        ranges.forEach(([start, count], k) => {
          const m = p.corrected[k * p.units + i]!;
          for (let r = 0; r < rows; r++) {
            let s = 0;
            for (let j = start; j < start + count; j++) s += w.data[r * cols + j]!;
            values[r] = values[r]! + m * s;
          }
        });
      }
      return { kind: 'addToParam', param: bias.name, indices: values.map((_, r) => r), values, reason: 'cbp bias compensation' };
    };

    return {
      state,
      afterUpdate() {
        if (c.rate === 0) return noEdits;
        let edits: Edit[] | null = null;
        for (const p of plans) {
          // A group can disappear (plasticity injection replaces its consumer).
          if (!model.unitGroups.includes(p.group) || !measure(p)) continue;
          const units = choose(p);
          if (!units) continue;
          edits ??= [];
          if (c.compensateBias) {
            for (const reader of p.group.consumers) {
              const e = compensation(p, units, reader);
              if (e) edits.push(e);
            }
          }
          edits.push({ kind: 'reinitUnits', group: p.group.name, units, outgoing: 'zero', reason: 'cbp' });
        }
        return edits ?? noEdits;
      },
      metrics: () => Object.fromEntries(groups.map((g) => [`method/replaced/${g.name}`, state.replaced[g.name]!])),
    };
  },
};
