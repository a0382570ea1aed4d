import { STEPS_PER_TASK } from './runSeries.js';

/** How a metric is named and drawn in figures and tables. */
export interface MetricDescription {
  /** Title of its panel and table column. */
  readonly title: string;
  /** d3 format of its values ('.0%' for fractions). */
  readonly format: string;
  /** Whether its axis starts at zero (counts, fractions of units). */
  readonly zero: boolean;
  /** Whether a larger value is better (for the reader; null: neither). */
  readonly better: 'higher' | 'lower' | null;
}

const FAMILIES: Record<string, Omit<MetricDescription, 'title'> & { title: string }> = {
  deadFraction: { title: 'Dead units', format: '.0%', zero: true, better: 'lower' },
  dormantFraction: { title: 'Dormant units', format: '.0%', zero: true, better: 'lower' },
  linearFraction: { title: 'Linear units', format: '.0%', zero: true, better: null },
  effectiveRank: { title: 'Effective rank', format: ',.4~g', zero: true, better: 'higher' },
  stableRank: { title: 'Stable rank', format: ',.4~g', zero: true, better: 'higher' },
  approxRank: { title: 'Approximate rank', format: ',.4~g', zero: true, better: 'higher' },
  weightMagnitude: { title: 'Mean weight magnitude |w|', format: ',.3~g', zero: true, better: null },
  plasticityProbe: { title: 'Plasticity probe P', format: ',.3~g', zero: false, better: 'higher' },
  updateSize: { title: 'Largest update size', format: ',.3~g', zero: true, better: null },
};

/**
 * Title, number format and axis of a metric key (`online/accuracy`, `eval/test/accuracy`, `bin/loss`,
 * `diag/effectiveRank/h1`, `method/replaced/h1`). `regression`: the run's loss is the squared error.
 */
export function describeMetric(key: string, regression = false): MetricDescription {
  const parts = key.split('/');
  const [head, a, b] = parts;
  const lossTitle = regression ? 'squared error' : 'loss';
  if (key === STEPS_PER_TASK) return { title: 'Steps per task', format: ',.0f', zero: true, better: null };
  if (head === 'online' && a === 'accuracy') return { title: 'Online accuracy', format: '.0%', zero: false, better: 'higher' };
  if (head === 'online' && a === 'loss') return { title: `Online ${lossTitle}`, format: ',.3~g', zero: false, better: 'lower' };
  if (head === 'bin' && a === 'loss') return { title: regression ? 'Squared error per bin' : 'Loss per bin', format: ',.3~g', zero: false, better: 'lower' };
  if (head === 'bin' && a === 'accuracy') return { title: 'Accuracy per bin', format: '.0%', zero: false, better: 'higher' };
  if (head === 'train' && a === 'accuracy') return { title: 'Train accuracy', format: '.0%', zero: false, better: 'higher' };
  if (head === 'train' && a === 'loss') return { title: `Train ${lossTitle}`, format: ',.3~g', zero: false, better: 'lower' };
  if (head === 'eval' && a && b) {
    const set = a.charAt(0).toUpperCase() + a.slice(1);
    if (b === 'accuracy') return { title: `${set} accuracy`, format: '.0%', zero: false, better: 'higher' };
    if (b === 'loss') return { title: `${set} ${lossTitle}`, format: ',.3~g', zero: false, better: 'lower' };
  }
  if (head === 'diag' && a) {
    const f = FAMILIES[a] ?? { title: words(a), format: ',.3~g', zero: false, better: null };
    const layer = parts.slice(2).join('/');
    return { ...f, title: layer ? `${f.title}, ${layer}` : f.title };
  }
  if (head === 'method' && a) {
    const layer = parts.slice(2).join('/');
    const title = a === 'replaced' ? 'Units replaced' : words(a);
    return { title: layer ? `${title}, ${layer}` : title, format: ',.4~g', zero: true, better: null };
  }
  return { title: key, format: ',.4~g', zero: false, better: null };
}

/** camelCase -> "Camel case". */
function words(s: string): string {
  const w = s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return w.charAt(0).toUpperCase() + w.slice(1);
}

/** A value in a metric's format, for tables: 91.3% or 0.0123. */
export function formatMetric(v: number, format: string): string {
  if (!Number.isFinite(v)) return '—';
  if (format.endsWith('%')) return `${(v * 100).toFixed(Math.abs(v) < 0.1 ? 2 : 1)}%`;
  if (format.endsWith('f')) return Math.round(v).toLocaleString('en-US');
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

/**
 * Mean ± SE in a metric's format: the SE to two significant digits and the mean to the same decimal place
 * (percentages in percent points).
 */
export function formatMeanSe(mean: number, se: number | null, format: string): string {
  if (se === null || !Number.isFinite(se) || !Number.isFinite(mean)) return formatMetric(mean, format);
  const percent = format.endsWith('%');
  const k = percent ? 100 : 1;
  const m = mean * k, e = se * k;
  const a = Math.abs(m);
  if (!percent && a !== 0 && (a < 1e-3 || a >= 1e6)) return `${m.toExponential(2)} ± ${e.toExponential(1)}`;
  const decimals = e > 0 ? Math.min(6, Math.max(0, 1 - Math.floor(Math.log10(e)))) : percent ? 1 : Math.min(6, Math.max(0, 3 - Math.floor(Math.log10(a || 1))));
  return `${m.toFixed(decimals)} ± ${e.toFixed(decimals)}${percent ? '%' : ''}`;
}
