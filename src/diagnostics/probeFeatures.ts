import type { Tensor } from '../tensor/Tensor.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { UnitGroup } from '../nn/UnitGroup.js';
import type { DiagnosticContext } from './Diagnostic.js';
import { singularValues } from './singularValues.js';

/**
 * The features of the unit groups on a probe batch, shared by the diagnostics of one probe (one forward pass, one
 * singular-value decomposition per group however many rank measures read it).
 *
 * The forward pass runs in evaluation mode: dropout draws nothing and BatchNorm uses its running statistics, so
 * the training run is not changed; the layers keep separate buffers per batch size, so the training step's
 * buffers are not touched either.
 */
interface ProbeWork {
  forwarded: boolean;
  singular: Map<string, Float64Array>;
  stats: Map<string, UnitStats>;
}

const memo = new WeakMap<DiagnosticContext, ProbeWork>();

function workOf(ctx: DiagnosticContext): ProbeWork {
  let w = memo.get(ctx);
  if (!w) memo.set(ctx, (w = { forwarded: false, singular: new Map(), stats: new Map() }));
  return w;
}

/** Run the model on the probe batch (once per context). */
export function probeForward(ctx: DiagnosticContext): void {
  const w = workOf(ctx);
  if (w.forwarded) return;
  ctx.model.forward(ctx.probe.x, false);
  w.forwarded = true;
}

/** How a group's values lie in its layers' outputs: [N, size * perUnit, spatial] features, [N, size, spatial] pre-activations. */
export interface GroupLayout {
  readonly n: number;
  readonly units: number;
  readonly perUnit: number;
  readonly spatial: number;
  readonly features: FloatArray;
  readonly pre: FloatArray;
}

/** The group's activations and pre-activations on the probe batch. */
export function groupLayout(ctx: DiagnosticContext, g: UnitGroup): GroupLayout {
  probeForward(ctx);
  const f = outputOf(g.features.output, g, 'features');
  const p = outputOf(g.preActivation.output, g, 'pre-activation');
  const n = f.shape[0]!;
  const spatial = g.spatial;
  if (f.data.length !== n * g.size * g.featuresPerUnit * spatial || p.data.length !== n * g.size * spatial) {
    throw new Error(`diagnostics: unit group ${g.name} has outputs of unexpected size (features ${f.data.length}, pre-activation ${p.data.length}; ${n} examples, ${g.size} units x ${g.featuresPerUnit} x ${spatial})`);
  }
  return { n, units: g.size, perUnit: g.featuresPerUnit, spatial, features: f.data, pre: p.data };
}

function outputOf(t: Tensor | null, g: UnitGroup, what: string): Tensor {
  if (!t) throw new Error(`diagnostics: unit group ${g.name} has no ${what} output; run the model first`);
  return t;
}

/**
 * The N x F feature matrix of a group used by the rank measures. Dense groups: the activations, one row per
 * example, one column per feature (2 per unit with CReLU). Conv groups: each channel averaged over space
 * (N x channels), the representation that global average pooling hands on and that Dohare et al. measure on
 * ResNet-18; the per-position matrix would count spatial correlations as rank.
 */
export function groupSingularValues(ctx: DiagnosticContext, g: UnitGroup): Float64Array {
  const w = workOf(ctx);
  const hit = w.singular.get(g.name);
  if (hit) return hit;
  const L = groupLayout(ctx, g);
  const cols = L.units * L.perUnit;
  let sv: Float64Array;
  if (L.spatial === 1) sv = singularValues(ctx.backend, L.features, L.n, cols);
  else {
    const pooled = ctx.backend.alloc(L.n * cols);
    try {
      ctx.backend.globalAvgPool(L.features, L.n, cols, L.spatial, pooled);
      sv = singularValues(ctx.backend, pooled, L.n, cols);
    } finally {
      ctx.backend.free(pooled);
    }
  }
  w.singular.set(g.name, sv);
  return sv;
}

/** Per-unit activity of a group on the probe batch. */
export interface UnitStats {
  /** mean |h| of each unit over examples, positions and its features (ReDo's activity score, unnormalized). */
  readonly meanAbs: Float64Array;
  /** Smallest pre-activation of each unit over examples and positions. */
  readonly minPre: Float64Array;
  /** Mean over examples of the L2 norm of the group's whole feature vector. */
  readonly featureNorm: number;
}

export function unitStats(ctx: DiagnosticContext, g: UnitGroup): UnitStats {
  const w = workOf(ctx);
  const hit = w.stats.get(g.name);
  if (hit) return hit;
  const { n, units, perUnit, spatial, features, pre } = groupLayout(ctx, g);
  const channels = units * perUnit;
  const sumAbs = new Float64Array(channels);
  let normSum = 0;
  for (let e = 0; e < n; e++) {
    let sq = 0;
    for (let c = 0; c < channels; c++) {
      const o = (e * channels + c) * spatial;
      let s = 0;
      for (let k = 0; k < spatial; k++) {
        const v = features[o + k]!;
        s += Math.abs(v);
        sq += v * v;
      }
      sumAbs[c]! += s;
    }
    normSum += Math.sqrt(sq);
  }
  const meanAbs = new Float64Array(units);
  for (let u = 0; u < units; u++) {
    let s = 0;
    for (let c = 0; c < perUnit; c++) s += sumAbs[u + c * units]!;
    meanAbs[u] = s / (n * spatial * perUnit);
  }
  const minPre = new Float64Array(units).fill(Infinity);
  for (let e = 0; e < n; e++) {
    for (let u = 0; u < units; u++) {
      const o = (e * units + u) * spatial;
      let m = minPre[u]!;
      for (let k = 0; k < spatial; k++) {
        const v = pre[o + k]!;
        if (!(v >= m)) m = v; // NaN counts as the minimum: a unit with NaN is not linear
      }
      minPre[u] = m;
    }
  }
  const stats = { meanAbs, minPre, featureNorm: normSum / n };
  w.stats.set(g.name, stats);
  return stats;
}
