/** One point of a curve averaged over seeds. */
export interface AggregatePoint {
  readonly x: number;
  readonly mean: number;
  /** Standard error of the mean over seeds: sample standard deviation / sqrt(n); null for one seed. */
  readonly se: number | null;
  /** Seeds averaged at this x. */
  readonly n: number;
}

/** A curve of one seed: x -> value. */
export type SeedCurve = ReadonlyMap<number, number>;

/** Mean and standard error (sample standard deviation over sqrt(n); null when n < 2). */
export function meanAndSe(values: readonly number[]): { mean: number; se: number | null; n: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, se: null, n };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  if (n < 2) return { mean, se: null, n };
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return { mean, se: Math.sqrt(ss / (n - 1) / n), n };
}

/**
 * Average consecutive x values in bins of `width`: a seed's mean per bin, placed at the bin's center
 * (x in [k*width, (k+1)*width) -> k*width + (width-1)/2, e.g. tasks 0..3 -> 1.5).
 */
export function binByWidth(curve: SeedCurve, width: number): Map<number, number> {
  if (width <= 1) return new Map(curve);
  const sums = new Map<number, { s: number; c: number }>();
  for (const [x, v] of curve) {
    const b = Math.floor(x / width) * width + (width - 1) / 2;
    const e = sums.get(b);
    if (e) {
      e.s += v;
      e.c++;
    } else sums.set(b, { s: v, c: 1 });
  }
  return new Map([...sums].sort((a, b) => a[0] - b[0]).map(([b, { s, c }]) => [b, s / c]));
}

/** The x values every curve has (sorted). */
export function commonX(curves: readonly SeedCurve[]): number[] {
  if (curves.length === 0) return [];
  const [first, ...rest] = curves;
  return [...first!.keys()].filter((x) => rest.every((c) => c.has(x))).sort((a, b) => a - b);
}

/** The x values any curve has (sorted). */
export function unionX(curves: readonly SeedCurve[]): number[] {
  return [...new Set(curves.flatMap((c) => [...c.keys()]))].sort((a, b) => a - b);
}

export interface AggregateOptions {
  /** all-seeds: only the x values every seed has; any-seed: every x, over the seeds that have it. */
  readonly points?: 'all-seeds' | 'any-seed';
  /** At most this many points: consecutive x values are averaged in groups (per seed first). */
  readonly maxPoints?: number;
}

/** A curve over seeds, with how much it was thinned (consecutive x values averaged per point; 1: none). */
export interface AggregateCurve {
  readonly points: AggregatePoint[];
  readonly groupSize: number;
}

/**
 * Mean and standard error over seeds at each x. Curves longer than `maxPoints` are thinned first: groups of
 * consecutive x values are averaged per seed (the point's x is the mean x of its group), then over seeds.
 */
export function aggregateSeeds(curves: readonly SeedCurve[], o: AggregateOptions = {}): AggregateCurve {
  const xs = o.points === 'any-seed' ? unionX(curves) : commonX(curves);
  const groupSize = o.maxPoints && xs.length > o.maxPoints ? Math.ceil(xs.length / o.maxPoints) : 1;
  const points: AggregatePoint[] = [];
  for (let start = 0; start < xs.length; start += groupSize) {
    const group = xs.slice(start, start + groupSize);
    const values: number[] = [];
    for (const c of curves) {
      let s = 0, k = 0;
      for (const x of group) {
        const v = c.get(x);
        if (v !== undefined) {
          s += v;
          k++;
        }
      }
      if (k > 0) values.push(s / k);
    }
    if (values.length === 0) continue;
    const x = groupSize === 1 ? group[0]! : group.reduce((a, b) => a + b, 0) / group.length;
    points.push({ x, ...meanAndSe(values) });
  }
  return { points, groupSize };
}

/** The final number of a curve over seeds: each seed's mean over the last points, then mean and SE over seeds. */
export interface FinalValue {
  readonly mean: number;
  readonly se: number | null;
  readonly n: number;
  /** The window: first and last x, and how many x values it holds. */
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/**
 * Each seed's mean over the last `fraction` of the x values all seeds have (at least one), then mean and
 * standard error over seeds. Null when the seeds share no x value.
 */
export function finalValue(curves: readonly SeedCurve[], fraction: number): FinalValue | null {
  const xs = commonX(curves);
  if (xs.length === 0) return null;
  const count = Math.max(1, Math.ceil(fraction * xs.length - 1e-9));
  const window = xs.slice(xs.length - count);
  const perSeed = curves.map((c) => window.reduce((s, x) => s + c.get(x)!, 0) / count);
  return { ...meanAndSe(perSeed), from: window[0]!, to: window[window.length - 1]!, count };
}
