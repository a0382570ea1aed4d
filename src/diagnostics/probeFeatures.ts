import { Tensor } from '../tensor/Tensor.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Model } from '../nn/Model.js';
import type { UnitGroup } from '../nn/UnitGroup.js';
import type { DiagnosticContext } from './Diagnostic.js';
import { singularValues } from './singularValues.js';

/**
 * What the diagnostics read of each unit group on a probe batch, gathered in one forward pass and shared by the
 * diagnostics of one probe (one singular-value decomposition per group however many rank measures read it).
 *
 * The forward pass runs in evaluation mode: dropout draws nothing and BatchNorm uses its running statistics, so
 * the training run is not changed; layers keep separate buffers per batch size, so the training step's buffers
 * are not touched either. Networks with convolutions are run in chunks of at most `ctx.chunk` examples, and
 * only per-unit reductions and the spatially averaged features are kept, so a 2000-example probe of a conv net
 * needs no more memory than a training batch of that size.
 */
export interface GroupSummary {
  readonly n: number;
  readonly units: number;
  readonly perUnit: number;
  readonly spatial: number;
  /**
   * The N x F matrix of the rank measures (F = units * perUnit): the activations; conv: averaged over space. In
   * backend memory, kept for the model's next probe (which overwrites it).
   */
  readonly rankMatrix: FloatArray;
  /** mean |h| of each unit over examples, positions and its features (ReDo's activity, unnormalized). */
  readonly meanAbs: Float64Array;
  /**
   * Share of (example, position, feature) values of each unit that are not exactly 0: how often the unit is
   * active (Dohare et al.'s dormant measure, lop/incremental_cifar/post_run_analysis.py, counts h != 0).
   */
  readonly activeShare: Float64Array;
  /** Smallest and largest pre-activation of each unit over examples and positions. */
  readonly minPre: Float64Array;
  readonly maxPre: Float64Array;
  /**
   * Largest distance of the unit's activations from the nearest extreme of its nonlinearity (ReLU: 0; tanh:
   * -1, 1; sigmoid: 0, 1; ELU: -alpha; Swish, GELU: 0); null when the nonlinearity has no such extreme.
   */
  readonly maxDistance: Float64Array | null;
  /** Mean over examples of the L2 norm of the group's whole feature vector. */
  readonly featureNorm: number;
}

/** Default examples per forward pass for networks with convolutions (their im2col buffers grow with the batch). */
export const convChunk = 128;

interface ProbeWork {
  summaries: Map<string, GroupSummary> | null;
  singular: Map<string, Float64Array>;
}

const memo = new WeakMap<DiagnosticContext, ProbeWork>();

function workOf(ctx: DiagnosticContext): ProbeWork {
  let w = memo.get(ctx);
  if (!w) memo.set(ctx, (w = { summaries: null, singular: new Map() }));
  return w;
}

/** The distance of an activation value from the nearest extreme of the group's nonlinearity, or null. */
function distanceOf(g: UnitGroup): ((v: number) => number) | null {
  const layer = g.activation as { type: string; param?: number };
  switch (layer.type) {
    case 'relu':
    case 'crelu':
    case 'swish':
    case 'gelu':
      return Math.abs;
    case 'tanh':
      return (v) => 1 - Math.abs(v);
    case 'sigmoid':
      return (v) => Math.min(v, 1 - v);
    case 'elu': {
      const floor = -(layer.param ?? 1);
      return (v) => v - floor;
    }
    default:
      return null;
  }
}

/** Equal chunks of at most `max` examples (so that few batch sizes meet the layers' buffer caches). */
export function chunkSize(model: Model, n: number, max = convChunk): number {
  if (!(Number.isInteger(max) && max >= 1)) throw new Error(`diagnostics: chunk = ${max} is not allowed; it is a positive integer`);
  // Convolutions' columns and attention's per-head scores grow with the batch.
  if (!model.layers.some((l) => l.type === 'conv2d' || l.type === 'patch-embed' || l.type === 'attention')) return n;
  return Math.ceil(n / Math.ceil(n / max));
}

class Accumulator {
  readonly channels: number;
  readonly rankMatrix: FloatArray;
  readonly sumAbs: Float64Array;
  readonly nonzero: Float64Array;
  readonly minPre: Float64Array;
  readonly maxPre: Float64Array;
  readonly maxDistance: Float64Array | null;
  readonly distance: ((v: number) => number) | null;
  normSum = 0;

  constructor(readonly g: UnitGroup, readonly n: number, rankMatrix: FloatArray) {
    this.channels = g.size * g.featuresPerUnit;
    this.rankMatrix = rankMatrix;
    this.sumAbs = new Float64Array(this.channels);
    this.nonzero = new Float64Array(this.channels);
    this.minPre = new Float64Array(g.size).fill(Infinity);
    this.maxPre = new Float64Array(g.size).fill(-Infinity);
    this.distance = distanceOf(g);
    this.maxDistance = this.distance ? new Float64Array(g.size) : null;
  }

  /**
   * Add examples [from, from + count) from the layers' outputs of the last forward. A group over tokens has `tokens`
   * rows per example (laid out [example, token, channel, spatial]); tokens count as positions, as space does for conv.
   */
  add(from: number, count: number): void {
    const { g, channels } = this;
    const S = g.spatial, P = g.preSpatial, units = g.size, tok = g.tokens ?? 1;
    const f = g.features.output?.data, p = g.preActivation.output?.data;
    if (!f || !p || f.length !== count * tok * channels * S || p.length !== count * tok * units * P) {
      throw new Error(`diagnostics: unit group ${g.name} has outputs of unexpected size (features ${f?.length}, pre-activation ${p?.length}; ${count} examples x ${tok} tokens, ${units} units x ${g.featuresPerUnit} x ${S}, pre-activation x ${P})`);
    }
    if (S === 1 && P === 1 && tok === 1) {
      this.addDense(from, count, f, p);
      return;
    }
    const dist = this.distance, maxD = this.maxDistance;
    for (let e = 0; e < count; e++) {
      let sq = 0;
      const row = (from + e) * channels;
      for (let c = 0; c < channels; c++) {
        const u = c % units;
        let s = 0, a = 0, nz = 0, d = maxD ? maxD[u]! : 0;
        for (let t = 0; t < tok; t++) {
          const o = ((e * tok + t) * channels + c) * S;
          for (let k = 0; k < S; k++) {
            const v = f[o + k]!;
            s += v;
            a += Math.abs(v);
            if (v !== 0) nz++;
            sq += v * v;
            if (dist) {
              const x = dist(v);
              if (!(x <= d)) d = x; // NaN is as far as can be
            }
          }
        }
        this.rankMatrix[row + c] = s / (S * tok);
        this.sumAbs[c]! += a;
        this.nonzero[c]! += nz;
        if (maxD) maxD[u] = d;
      }
      this.normSum += Math.sqrt(sq);
      for (let u = 0; u < units; u++) {
        let lo = this.minPre[u]!, hi = this.maxPre[u]!;
        for (let t = 0; t < tok; t++) {
          const o = ((e * tok + t) * units + u) * P;
          for (let k = 0; k < P; k++) {
            const v = p[o + k]!;
            if (!(v >= lo)) lo = v; // NaN counts as the minimum: a unit with NaN is not linear
            if (v > hi) hi = v;
          }
        }
        this.minPre[u] = lo;
        this.maxPre[u] = hi;
      }
    }
  }

  /**
   * add() for groups with one value per (example, feature) and one pre-activation per (example, unit): dense
   * layers, the probes' common case. The same operations in the same order as the general loop (so the same
   * results), without its position loops, modulo and per-value closure call (ReLU's distance is |v|).
   */
  private addDense(from: number, count: number, f: FloatArray, p: FloatArray): void {
    const { channels, rankMatrix, sumAbs, nonzero, minPre, maxPre } = this;
    const units = this.g.size;
    const dist = this.distance, maxD = this.maxDistance, absDistance = dist === Math.abs;
    for (let e = 0; e < count; e++) {
      let sq = 0;
      const row = (from + e) * channels, o = e * channels;
      for (let base = 0; base < channels; base += units) {
        for (let u = 0; u < units; u++) {
          const c = base + u;
          const v = f[o + c]!;
          rankMatrix[row + c] = 0 + v;
          sumAbs[c]! += 0 + Math.abs(v);
          if (v !== 0) nonzero[c]! += 1;
          sq += v * v;
          if (maxD) {
            const x = absDistance ? Math.abs(v) : dist!(v);
            if (!(x <= maxD[u]!)) maxD[u] = x; // NaN is as far as can be
          }
        }
      }
      this.normSum += Math.sqrt(sq);
      const po = e * units;
      for (let u = 0; u < units; u++) {
        const v = p[po + u]!;
        if (!(v >= minPre[u]!)) minPre[u] = v; // NaN counts as the minimum: a unit with NaN is not linear
        if (v > maxPre[u]!) maxPre[u] = v;
      }
    }
  }

  summary(): GroupSummary {
    const { g, n, channels } = this;
    const meanAbs = new Float64Array(g.size);
    const activeShare = new Float64Array(g.size);
    for (let u = 0; u < g.size; u++) {
      let s = 0, nz = 0;
      for (let c = u; c < channels; c += g.size) {
        s += this.sumAbs[c]!;
        nz += this.nonzero[c]!;
      }
      const values = n * (g.tokens ?? 1) * g.spatial * g.featuresPerUnit;
      meanAbs[u] = s / values;
      activeShare[u] = nz / values;
    }
    return {
      n,
      units: g.size,
      perUnit: g.featuresPerUnit,
      spatial: g.spatial,
      rankMatrix: this.rankMatrix,
      meanAbs,
      activeShare,
      minPre: this.minPre,
      maxPre: this.maxPre,
      maxDistance: this.maxDistance,
      featureNorm: this.normSum / n,
    };
  }
}

/**
 * Each model's rank matrices by group, in backend memory, kept from one probe to the next: a fresh array per group
 * and probe (1.6 MB for 2000 x 100 in float64) cost more than the feature pass that fills it (new pages, zeroed),
 * and the singular values read it where it is (no copy). Every entry is written by each probe.
 */
const rankBuffers = new WeakMap<Model, Map<string, FloatArray>>();

function rankBuffer(model: Model, group: string, size: number): FloatArray {
  let m = rankBuffers.get(model);
  if (!m) rankBuffers.set(model, (m = new Map()));
  let a = m.get(group);
  if (!a || a.length !== size) {
    if (a) model.backend.free(a);
    a = model.backend.alloc(size);
    m.set(group, a);
  }
  return a;
}

/** Every group's summary on the probe batch (one chunked forward pass per context). */
export function groupSummaries(ctx: DiagnosticContext): Map<string, GroupSummary> {
  const w = workOf(ctx);
  if (w.summaries) return w.summaries;
  const { model, probe } = ctx;
  const n = probe.x.shape[0]!;
  if (!(n >= 1)) throw new Error('diagnostics: the probe batch is empty');
  const per = probe.x.perExample;
  const acc = model.unitGroups.map((g) => new Accumulator(g, n, rankBuffer(model, g.name, n * g.size * g.featuresPerUnit)));
  const chunk = chunkSize(model, n, ctx.chunk ?? convChunk);
  for (let from = 0; from < n; from += chunk) {
    const count = Math.min(chunk, n - from);
    const x = count === n ? probe.x : new Tensor(probe.x.data.subarray(from * per, (from + count) * per), [count, ...probe.x.shape.slice(1)]);
    model.forward(x, false);
    for (const a of acc) a.add(from, count);
  }
  w.summaries = new Map(acc.map((a) => [a.g.name, a.summary()]));
  return w.summaries;
}

export function groupSummary(ctx: DiagnosticContext, g: UnitGroup): GroupSummary {
  const s = groupSummaries(ctx).get(g.name);
  if (!s) throw new Error(`diagnostics: no unit group named ${g.name} in this model`);
  return s;
}

/**
 * Singular values of a group's N x F feature matrix. Dense groups: the activations, one row per example, one
 * column per feature (2 per unit with CReLU). Conv groups: each channel averaged over space (N x channels), the
 * representation that global average pooling hands on and that Dohare et al. measure on ResNet-18; the
 * per-position matrix would count spatial correlations as rank.
 */
export function groupSingularValues(ctx: DiagnosticContext, g: UnitGroup): Float64Array {
  const w = workOf(ctx);
  const hit = w.singular.get(g.name);
  if (hit) return hit;
  const s = groupSummary(ctx, g);
  const sv = singularValues(ctx.backend, s.rankMatrix, s.n, s.units * s.perUnit);
  w.singular.set(g.name, sv);
  return sv;
}
