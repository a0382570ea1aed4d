import { aggregateSeeds, binByWidth, finalValue, type AggregateCurve, type FinalValue } from './aggregate.js';
import type { Condition } from './groupConditions.js';
import type { ReportOptions } from './reportOptions.js';
import { probesPerStep, runSeries, seriesId, type RunSeries, type SeriesSource, type XAxis } from './runSeries.js';

/** One condition's curve of a metric, over its seeds. */
export interface ConditionCurve {
  readonly condition: Condition;
  readonly curve: AggregateCurve;
  /** Mean over the last `finalFraction` of the curve (unbinned), over seeds. */
  readonly final: FinalValue | null;
  /** Seeds that recorded this metric at all. */
  readonly seeds: number;
}

/** A metric across conditions. */
export interface MetricSeries {
  readonly id: string;
  readonly source: SeriesSource;
  readonly key: string;
  readonly x: XAxis;
  /** Layers averaged into it (empty: a plain key). */
  readonly layers: readonly string[];
  /** Consecutive tasks averaged per point (1: none). */
  readonly binTasks: number;
  readonly curves: readonly ConditionCurve[];
}

/** Every metric of the runs, averaged over seeds per condition, in the order the metrics first appear. */
export function collectSeries(conditions: readonly Condition[], o: Pick<ReportOptions, 'binTasks' | 'points' | 'finalFraction' | 'maxPoints'>): Map<string, MetricSeries> {
  const runs = conditions.flatMap((c) => c.runs);
  const probeX = runs.some(probesPerStep) ? 'step' : 'task';
  const perRun = new Map(runs.map((r) => [r, runSeries(r, probeX)]));
  const meta = new Map<string, RunSeries>();
  for (const s of perRun.values()) for (const [id, rs] of s) if (!meta.has(id) || rs.layers.length > meta.get(id)!.layers.length) meta.set(id, rs);
  const out = new Map<string, MetricSeries>();
  for (const [id, m] of meta) {
    const binTasks = m.x === 'task' ? o.binTasks : 1;
    // RL episodes end at steps that differ between seeds: bin them by steps (1/100 of the longest run) so seeds line up.
    const episodeBin = m.key.startsWith('episode/') ? episodeBinWidth(runs.map((r) => perRun.get(r)!.get(id)?.points)) : 0;
    const curves: ConditionCurve[] = [];
    for (const condition of conditions) {
      const raw = condition.runs.map((r) => perRun.get(r)!.get(id)?.points).filter((p): p is Map<number, number> => p !== undefined && p.size > 0);
      if (raw.length === 0) continue;
      const binned = episodeBin > 1 ? raw.map((p) => binByWidth(p, episodeBin)) : binTasks > 1 ? raw.map((p) => binByWidth(p, binTasks)) : raw;
      curves.push({
        condition,
        curve: aggregateSeeds(binned, { points: o.points, maxPoints: o.maxPoints }),
        final: finalValue(raw, o.finalFraction),
        seeds: raw.length,
      });
    }
    if (curves.length) out.set(id, { id, source: m.source, key: m.key, x: m.x, layers: m.layers, binTasks, curves });
  }
  return out;
}

export { seriesId };

/** Bin width (env steps) for RL episode curves: a hundredth of the largest step any run reached. */
function episodeBinWidth(curves: ReadonlyArray<ReadonlyMap<number, number> | undefined>): number {
  let max = 0;
  for (const c of curves) if (c) for (const x of c.keys()) max = Math.max(max, x);
  return Math.max(1, Math.ceil(max / 100));
}
