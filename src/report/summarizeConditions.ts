import { meanAndSe } from './aggregate.js';
import type { MetricSeries } from './collectSeries.js';
import { describeMetric } from './describeMetric.js';
import type { Condition } from './groupConditions.js';
import type { RunData } from './RunFolder.js';
import type { XAxis } from './runSeries.js';

/** Mean ± standard error over seeds. */
export interface MeanSe {
  readonly mean: number;
  readonly se: number | null;
  readonly n: number;
}

/** The final number of one metric of one condition. */
export interface FinalMetric extends MeanSe {
  /** Series id (`task:online/accuracy`). */
  readonly metric: string;
  readonly title: string;
  /** d3 format ('.0%': a fraction). */
  readonly format: string;
  /** The window averaged: x from..to (count values) on this axis. */
  readonly x: XAxis;
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/** A condition in numbers: what summary.json and the table hold. */
export interface ConditionSummary {
  readonly label: string;
  readonly color: string;
  readonly seeds: readonly (number | null)[];
  readonly runs: readonly string[];
  /** Runs with a summary.json saying complete. */
  readonly complete: number;
  /** The config keys that set conditions apart, with this one's values. */
  readonly settings: Readonly<Record<string, string>>;
  /** Final numbers of every metric, by series id. */
  readonly final: Readonly<Record<string, FinalMetric>>;
  /** Wall-clock seconds per run (complete runs). */
  readonly seconds: MeanSe | null;
  /** Training examples per second per run (complete runs). */
  readonly examplesPerSecond: MeanSe | null;
}

export function summarizeConditions(conditions: readonly Condition[], series: ReadonlyMap<string, MetricSeries>, regression: boolean): ConditionSummary[] {
  return conditions.map((c) => {
    const final: Record<string, FinalMetric> = {};
    for (const s of series.values()) {
      const cc = s.curves.find((x) => x.condition === c);
      if (!cc?.final) continue;
      const d = describeMetric(s.key, regression);
      final[s.id] = { metric: s.id, title: d.title, format: d.format, x: s.x, ...cc.final };
    }
    const done = c.runs.filter((r) => r.summary?.status === 'complete' && typeof r.summary.seconds === 'number' && r.summary.seconds > 0);
    const seconds = done.length ? meanAndSe(done.map((r) => r.summary!.seconds!)) : null;
    const rates = done.map((r) => examplesOf(r) / r.summary!.seconds!).filter((v) => Number.isFinite(v) && v > 0);
    return {
      label: c.label,
      color: c.color,
      seeds: c.runs.map((r) => r.seed),
      runs: c.runs.map((r) => r.path),
      complete: c.runs.filter((r) => r.summary?.status === 'complete').length,
      settings: c.settings,
      final,
      seconds,
      examplesPerSecond: rates.length ? meanAndSe(rates) : null,
    };
  });
}

/** Examples a run trained on (the last `examples` count it recorded). */
export function examplesOf(r: RunData): number {
  let n = 0;
  for (const rec of r.records) if (typeof rec.examples === 'number' && rec.examples > n) n = rec.examples;
  return n;
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Long-format CSV: one row per condition and metric. */
export function summaryCsv(summaries: readonly ConditionSummary[]): string {
  const rows: unknown[][] = [['condition', 'metric', 'title', 'x_axis', 'window_from', 'window_to', 'window_points', 'n_seeds', 'mean', 'se']];
  for (const s of summaries) {
    for (const f of Object.values(s.final)) rows.push([s.label, f.metric, f.title, f.x, f.from, f.to, f.count, f.n, f.mean, f.se]);
    if (s.seconds) rows.push([s.label, 'run/seconds', 'Seconds per run', '', '', '', '', s.seconds.n, s.seconds.mean, s.seconds.se]);
    if (s.examplesPerSecond) rows.push([s.label, 'run/examplesPerSecond', 'Examples per second', '', '', '', '', s.examplesPerSecond.n, s.examplesPerSecond.mean, s.examplesPerSecond.se]);
  }
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** Long-format CSV of every drawn curve point: condition, metric, x, n, mean, se. */
export function seriesCsv(series: ReadonlyMap<string, MetricSeries>): string {
  const rows: unknown[][] = [['condition', 'metric', 'x_axis', 'x', 'n_seeds', 'mean', 'se']];
  for (const s of series.values()) {
    for (const c of s.curves) for (const p of c.curve.points) rows.push([c.condition.label, s.id, s.x, p.x, p.n, p.mean, p.se]);
  }
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
