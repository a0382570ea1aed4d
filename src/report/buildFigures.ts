import type { MetricSeries } from './collectSeries.js';
import { describeMetric } from './describeMetric.js';
import { curveFigure, dotFigure, type CurvePanel, type CurveRow, type DotPanel, type Swatch, type VegaLiteSpec } from './figureSpecs.js';
import type { Condition } from './groupConditions.js';
import type { ReportOptions } from './reportOptions.js';
import { STEPS_PER_TASK, type XAxis } from './runSeries.js';

/** A figure of the report, before rendering. */
export interface FigureDef {
  /** File name without extension. */
  readonly name: string;
  readonly title: string;
  /** What is drawn, in words: the statistic, the seeds, the bins. */
  readonly caption: string;
  readonly spec: VegaLiteSpec;
  /** The metric keys drawn (for the glossary links beside the figure). */
  readonly keys: readonly string[];
}

/** Whether a series shows nothing: every point of every condition has the same value (a flat line). */
export function isFlat(s: MetricSeries): boolean {
  const values = s.curves.flatMap((c) => c.curve.points.map((p) => p.mean));
  return values.length > 0 && values.every((v) => v === values[0]);
}

/** "Linear units (0)": what was left out of a figure because it was flat. */
function flatNote(list: readonly MetricSeries[], regression: boolean): string {
  if (list.length === 0) return '';
  const one = (s: MetricSeries) => `${describeMetric(s.key, regression).title} (${s.curves[0]?.curve.points[0]?.mean ?? '—'})`;
  return ` Not drawn, the same value in every run and at every point: ${list.map(one).join(', ')}.`;
}

/** The metrics that say how well a condition learns, best first: the headline of figures and tables. */
export function headlineSeries(series: ReadonlyMap<string, MetricSeries>): MetricSeries[] {
  const out: MetricSeries[] = [];
  const add = (s: MetricSeries | undefined) => s && !out.includes(s) && out.push(s);
  add(series.get('task:online/accuracy'));
  add(series.get('probe:episode/return'));
  add(series.get('bin:bin/loss'));
  add(series.get('bin:bin/accuracy'));
  if (!series.has('task:online/accuracy') && !series.has('bin:bin/loss')) add(series.get('task:online/loss'));
  for (const s of series.values()) if (s.source === 'epoch-last' && /^eval\/[^/]+\/accuracy$/.test(s.key)) add(s);
  if (!out.some((s) => s.key.endsWith('/accuracy'))) for (const s of series.values()) if (s.source === 'epoch-last' && /^eval\/[^/]+\/loss$/.test(s.key)) add(s);
  return out;
}

/** The order of diagnostics in figures and tables (Dohare et al. 2024 Fig. 2: dead units, weights, rank). */
const DIAGNOSTIC_ORDER = ['deadFraction', 'dormantFraction', 'weightMagnitude', 'effectiveRank', 'stableRank', 'approxRank', 'plasticityProbe', 'updateSize'];

/** Diagnostics, one curve per family (mean over layers where recorded per layer). */
export function diagnosticSeries(series: ReadonlyMap<string, MetricSeries>): MetricSeries[] {
  const all = [...series.values()].filter((s) => s.source === 'probe' && s.key.startsWith('diag/'));
  const families = all.filter((s) => s.key.split('/').length === 2);
  const rank = (s: MetricSeries) => {
    const i = DIAGNOSTIC_ORDER.indexOf(s.key.split('/')[1]!);
    return i < 0 ? DIAGNOSTIC_ORDER.length : i;
  };
  return families.sort((a, b) => rank(a) - rank(b) || a.key.localeCompare(b.key));
}

/** Whether any run's loss is a squared error (no accuracy anywhere). */
export function isRegression(series: ReadonlyMap<string, MetricSeries>): boolean {
  return ![...series.values()].some((s) => s.key.endsWith('/accuracy'));
}

/** Decide the report's figures from the metrics present: like the papers', only those the runs support. */
export function buildFigures(series: ReadonlyMap<string, MetricSeries>, conditions: readonly Condition[], o: ReportOptions): FigureDef[] {
  const swatches: Swatch[] = conditions.map((c) => ({ label: c.label, color: c.color }));
  const regression = isRegression(series);
  const get = (id: string) => series.get(id);
  const figures: FigureDef[] = [];
  const curves = (name: string, title: string, list: readonly MetricSeries[], what: string, layout: { columns?: number; width?: number; height?: number } = {}, dropped = '') => {
    if (list.length === 0) return;
    const panels = list.map((s) => curvePanel(s, regression));
    figures.push({ name, title, caption: `${what} ${statisticText(list, o)}${dropped}`, spec: curveFigure(panels, swatches, layout), keys: list.map((s) => s.key) });
  };

  const online = get('task:online/accuracy');
  const bins = [get('bin:bin/loss'), get('bin:bin/accuracy')].filter((s): s is MetricSeries => s !== undefined);
  if (online) curves('online-accuracy', 'Online accuracy per task', [online], 'Share of correct predictions on each example before training on it, per task.');
  if (bins.length) curves('error-per-bin', regression ? 'Error per bin' : 'Loss per bin', bins, `Mean ${regression ? 'squared error' : 'loss'} of the predictions made on each bin of ${binSizeText(bins[0]!)} examples, before training on them.`);
  if (!online && !bins.length && get('task:online/loss')) curves('online-loss', 'Online loss per task', [get('task:online/loss')!], 'Mean loss of the predictions made before training on each example, per task.');

  const episodes = get('probe:episode/return');
  if (episodes) {
    curves('episode-return', 'Episode return', [episodes], 'Return of the finished episodes (before reward normalization), mean per bin of 1/100 of the run\'s steps; dashed lines: the environment\'s parameters changed.');
    markChanges(figures[figures.length - 1]!.spec, series);
  }

  const headline = headlineSeries(series);
  // Panels that show nothing (a flat line: no linear units anywhere, a counter that never moved) are left out.
  const allDiags = diagnosticSeries(series);
  const diags = allDiags.filter((s) => !isFlat(s));
  const flatDiags = allDiags.filter(isFlat);
  if (diags.length) {
    const main = headline.slice(0, 1);
    curves('plasticity', 'Performance and the correlates of plasticity loss', [...main, ...diags],
      `${main.length ? `${describeMetric(main[0]!.key, regression).title} beside the` : 'The'} diagnostics measured on probe batches${diags.some((d) => d.layers.length > 1) ? ' (averaged over layers where measured per layer)' : ''}.`,
      { columns: balancedColumns(main.length + diags.length, 4) }, flatNote(flatDiags, regression));
    if (o.layers) {
      for (const d of diags) {
        if (d.layers.length < 2) continue;
        const perLayer = d.layers.map((l) => get(`probe:${d.key}/${l}`)).filter((s): s is MetricSeries => s !== undefined && !isFlat(s));
        if (perLayer.length < 2) continue;
        const family = d.key.split('/')[1]!;
        curves(`diag-${slug(family)}-by-layer`, `${describeMetric(d.key).title} per layer`, perLayer, `${describeMetric(d.key).title} of each hidden layer.`, { columns: balancedColumns(perLayer.length, 4) });
      }
    }
  }

  const evals = [...series.values()].filter((s) => s.source === 'epoch-last' && /^eval\//.test(s.key) && (regression ? s.key.endsWith('/loss') : s.key.endsWith('/accuracy')));
  const epochSeries = [...series.values()].filter((s) => s.source === 'epoch');
  const epochsTrained = Math.max(0, ...epochSeries.flatMap((s) => s.curves.flatMap((c) => c.curve.points.map((p) => p.x))));
  const tasksSeen = Math.max(0, ...[...series.values()].filter((s) => s.source === 'epoch-last').flatMap((s) => s.curves.flatMap((c) => c.curve.points.map((p) => p.x + 1))));
  const multiEpoch = epochsTrained > tasksSeen;
  const trainKey = regression ? 'train/loss' : 'train/accuracy';
  if (evals.length) {
    const list = [...(multiEpoch && get(`epoch-last:${trainKey}`) ? [get(`epoch-last:${trainKey}`)!] : []), ...evals];
    curves('evaluation', 'Evaluation at the end of each task', list, 'Measured on held-out sets after the last epoch of each task.', { columns: balancedColumns(list.length, 3) });
  }
  if (multiEpoch) {
    const list = [get(`epoch:${trainKey}`), ...[...series.values()].filter((s) => s.source === 'epoch' && /^eval\//.test(s.key) && (regression ? s.key.endsWith('/loss') : s.key.endsWith('/accuracy')))]
      .filter((s): s is MetricSeries => s !== undefined);
    curves('evaluation-per-epoch', 'Training and evaluation per epoch', list, 'At the end of every epoch, counting epochs over all tasks.', { columns: balancedColumns(list.length, 3) });
  }

  const methodSource = [...series.values()].some((s) => s.source === 'task' && s.key.startsWith('method/')) ? 'task' : 'bin';
  const allMethods = [...series.values()].filter((s) => s.source === methodSource && s.key.startsWith('method/'));
  const methods = allMethods.filter((s) => !isFlat(s));
  const shown = methods.slice(0, 12);
  curves('method-metrics', 'What the methods did', shown, `The methods' own counters (cumulative since the start of the run), ${methodSource === 'task' ? 'at the end of each task' : 'per bin'}${shown.length < methods.length ? ` (the first ${shown.length} of ${methods.length}; series.csv has all)` : ''}.`, { columns: balancedColumns(shown.length, 4) }, flatNote(allMethods.filter(isFlat), regression));

  const steps = get(`task:${STEPS_PER_TASK}`);
  if (steps && new Set(steps.curves.flatMap((c) => c.curve.points.map((p) => p.mean))).size > 1) {
    curves('steps-per-task', 'Steps per task', [steps], 'Optimizer steps taken in each task (tasks that end on a criterion take different numbers of steps).');
  }

  const finals = [...headline, ...diags].filter((s) => s.curves.some((c) => c.final));
  if (finals.length) {
    const panels: DotPanel[] = finals.map((s) => {
      const d = describeMetric(s.key, regression);
      return {
        title: d.title, format: d.format, zero: d.zero,
        rows: s.curves.filter((c) => c.final).map((c) => {
          const f = c.final!;
          return { condition: c.condition.label, mean: f.mean, lo: f.mean - (f.se ?? 0), hi: f.mean + (f.se ?? 0), n: f.n };
        }),
      };
    });
    figures.push({
      name: 'final',
      title: 'Final performance',
      caption: `Each seed's mean over the last ${Math.round(o.finalFraction * 100)}% of its curve (the x values all seeds of the condition reached), then the mean over seeds; bars: ±1 standard error.`,
      spec: dotFigure(panels, swatches, { columns: balancedColumns(panels.length, 4) }),
      keys: finals.map((s) => s.key),
    });
  }
  return figures;
}

const X_TITLES: Record<XAxis, string> = { task: 'Task', epoch: 'Epochs trained', examples: 'Examples seen', step: 'Step' };
const X_FORMATS: Record<XAxis, string> = { task: 'd', epoch: 'd', examples: '~s', step: '~s' };

function curvePanel(s: MetricSeries, regression: boolean): CurvePanel {
  const d = describeMetric(s.key, regression);
  const rows: CurveRow[] = [];
  for (const c of s.curves) {
    for (const p of c.curve.points) {
      const se = p.se ?? 0;
      rows.push({ condition: c.condition.label, x: p.x, mean: p.mean, lo: p.mean - se, hi: p.mean + se, n: p.n });
    }
  }
  const xTitle = s.binTasks > 1 ? `Task (bins of ${s.binTasks})` : X_TITLES[s.x];
  return { title: d.title, xTitle, xFormat: X_FORMATS[s.x], yTitle: d.title, yFormat: d.format, zero: d.zero, rows };
}

/** "Mean over 5 seeds; shaded: ±1 standard error." with binning and thinning said. */
function statisticText(list: readonly MetricSeries[], o: ReportOptions): string {
  const curves = list.flatMap((s) => s.curves);
  const byCondition = new Map<string, number>();
  for (const c of curves) byCondition.set(c.condition.label, Math.max(byCondition.get(c.condition.label) ?? 0, c.seeds));
  const counts = new Set(byCondition.values());
  const seeds = counts.size === 1
    ? `${[...counts][0]} seed${[...counts][0] === 1 ? '' : 's'}`
    : `seeds (${[...byCondition].map(([l, n]) => `${l}: ${n}`).join(', ')})`;
  const parts = [`Mean over ${seeds}${[...counts].some((n) => n > 1) ? '; shaded: ±1 standard error over seeds' : ''}.`];
  const binned = Math.max(...list.map((s) => s.binTasks));
  if (binned > 1) parts.push(`Each point averages ${binned} consecutive tasks (per seed, then over seeds).`);
  const thinned = Math.max(...curves.map((c) => c.curve.groupSize));
  if (thinned > 1) parts.push(`Long curves are thinned for drawing: each point averages up to ${thinned} consecutive measurements.`);
  parts.push(o.points === 'all-seeds'
    ? 'Points are drawn where every seed of a condition has a measurement.'
    : 'Points average the seeds that reached them (series.csv gives n per point).');
  return parts.join(' ');
}

function binSizeText(s: MetricSeries): string {
  const xs = s.curves[0]?.curve.points.map((p) => p.x) ?? [];
  const group = s.curves[0]?.curve.groupSize ?? 1;
  if (xs.length < 2) return 'a fixed number of';
  const diffs = xs.slice(1).map((x, i) => x - xs[i]!).sort((a, b) => a - b);
  const size = diffs[Math.floor(diffs.length / 2)]! / group;
  return Math.round(size).toLocaleString('en-US');
}

/** Columns for n panels, at most `max` per row, rows as even as they can be (5 -> 3 + 2, not 4 + 1). */
export function balancedColumns(n: number, max: number): number {
  return n <= max ? Math.max(1, n) : Math.ceil(n / Math.ceil(n / max));
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
}

/** Dashed vertical rules at the env steps where an RL run's environment parameters changed (`env/<param>` records). */
function markChanges(spec: VegaLiteSpec, series: ReadonlyMap<string, MetricSeries>): void {
  const steps = new Set<number>();
  for (const s of series.values()) {
    if (s.source !== 'probe' || !s.key.startsWith('env/')) continue;
    for (const c of s.curves) for (const p of c.curve.points) steps.add(p.x);
  }
  const layer = (spec as { layer?: unknown[] }).layer;
  if (steps.size === 0 || !layer) return;
  layer.push({ data: { values: [...steps].sort((a, b) => a - b).map((x) => ({ x })) }, mark: { type: 'rule', strokeDash: [4, 3], color: '#888', opacity: 0.8 }, encoding: { x: { field: 'x', type: 'quantitative' } } });
}
