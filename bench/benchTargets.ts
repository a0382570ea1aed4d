// The targets of issue 17 and the pure helpers `npm run bench` uses to judge its rows: the fastest PyTorch figure
// over thread settings and repeats, each row's ratio against it, whether a row meets its target, and markdown tables.

/** A bound a measured figure must meet: at least (ratios) or below (costs). */
export interface Target {
  readonly bound: 'atLeast' | 'below';
  readonly value: number;
  /** How the figure is written: a ratio ('x'), bytes per step ('B/step') or a fraction of a step ('%'). */
  readonly unit: 'x' | 'B/step' | '%';
}

const atLeast = (value: number): Target => ({ bound: 'atLeast', value, unit: 'x' });

/** supple / PyTorch steps/s targets per engine workload and backend (issue 17); none for ts. */
const engineTargets: Record<string, Partial<Record<string, Target>>> = {
  'mlp-small-b1': { wasm: atLeast(20), native: atLeast(30) },
  'mlp-large-b1': { wasm: atLeast(4), native: atLeast(4) },
  'mlp-large-b256': { wasm: atLeast(0.8), native: atLeast(1.3) },
  'conv-b128': { wasm: atLeast(0.8), native: atLeast(1.3) },
  'resnet18-b64': { wasm: atLeast(0.8), native: atLeast(1.3) },
  'vit-tiny-b64': { wasm: atLeast(1), native: atLeast(1) },
};

/** The ratio target of an engine row, or null when the issue sets none (the ts backend, unknown workloads). */
export function engineTarget(workload: string, backend: string): Target | null {
  return engineTargets[workload]?.[backend] ?? null;
}

/** Retained heap growth per training step (every engine row). */
export const heapTarget: Target = { bound: 'below', value: 16, unit: 'B/step' };

/**
 * The target of a methods-bench row (its ratio to plain bp on the same network state, bench/methods.ts
 * `sameStateRatio`), by the row's label; null for bp itself and the noise control.
 */
export function methodTarget(label: string): Target | null {
  if (label.startsWith('l2') || label.startsWith('redo')) return atLeast(0.95);
  if (label.startsWith('cbp')) return atLeast(0.75);
  if (label.startsWith('shrink-perturb every step')) return atLeast(0.25);
  return null;
}

/** supple / PyTorch env steps/s of the RL rows (CleanRL's loops, bench/torch/rl.py): at least PyTorch's. */
export const rlTarget: Target = atLeast(1);

/** The updateSize tracker's extra cost per step, and the default probes' share of training time. */
export const updateSizeTarget: Target = { bound: 'below', value: 0.2, unit: '%' };
export const probesTarget: Target = { bound: 'below', value: 0.05, unit: '%' };

/** Whether `value` meets `target`; null when there is no target or no value. */
export function meets(value: number | null, target: Target | null): boolean | null {
  if (value === null || target === null || !Number.isFinite(value)) return null;
  return target.bound === 'atLeast' ? value >= target.value : value < target.value;
}

/** A target as the tables write it: '>= 20x', '< 16 B/step', '< 5%'. */
export function formatTarget(t: Target | null): string {
  if (!t) return '-';
  const v = t.unit === '%' ? `${+(t.value * 100).toFixed(2)}%` : t.unit === 'x' ? `${t.value}x` : `${t.value} ${t.unit}`;
  return `${t.bound === 'atLeast' ? '>=' : '<'} ${v}`;
}

/** The `met` column: yes, NO (loud, so misses stand out), or '-' without a target. */
export function formatMet(m: boolean | null): string {
  return m === null ? '-' : m ? 'yes' : 'NO';
}

/** One PyTorch measurement: a workload at a thread setting, in one of the runs around supple's. */
export interface TorchMeasurement {
  readonly workload: string;
  readonly stepsPerSecond: number;
  /** Intra-op threads, and the OMP/MKL/OpenBLAS threads set to the same number. */
  readonly threads: number;
  /** 'before' or 'after' supple's runs (or any label of the repeat). */
  readonly run: string;
  /** The malloc setting (bench/torchRun.ts torchAllocators); absent: the environment as given. */
  readonly allocator?: string;
  /** OpenBLAS's kernels (bench/blasCore.ts): 'detected' when run without the environment's OPENBLAS_CORETYPE; absent: as set. */
  readonly blasCore?: string;
}

/**
 * The fastest PyTorch measurement per workload: the issue counts PyTorch at its best thread setting, so every
 * setting (threads, malloc, OpenBLAS's kernels) and repeat competes and the highest steps/s wins. Non-finite or non-positive figures are ignored.
 */
export function fastestTorch(ms: readonly TorchMeasurement[]): Map<string, TorchMeasurement> {
  const best = new Map<string, TorchMeasurement>();
  for (const m of ms) {
    if (!(Number.isFinite(m.stepsPerSecond) && m.stepsPerSecond > 0)) continue;
    const b = best.get(m.workload);
    if (!b || m.stepsPerSecond > b.stepsPerSecond) best.set(m.workload, m);
  }
  return best;
}

/** Which setting won how many workloads, e.g. '1 thread: 5 workloads, 2 threads (retain): 1 workload'. */
export function settingWins(best: ReadonlyMap<string, TorchMeasurement>): string {
  const wins = new Map<string, { threads: number; n: number }>();
  for (const m of best.values()) {
    const notes = [m.allocator && m.allocator !== 'default' ? m.allocator : '', m.blasCore === 'detected' ? 'OpenBLAS detected' : ''].filter(Boolean);
    const key = `${m.threads} thread${m.threads === 1 ? '' : 's'}${notes.length ? ` (${notes.join(', ')})` : ''}`;
    const w = wins.get(key) ?? { threads: m.threads, n: 0 };
    w.n++;
    wins.set(key, w);
  }
  return [...wins]
    .sort((a, b) => a[1].threads - b[1].threads || a[0].localeCompare(b[0]))
    .map(([k, w]) => `${k}: ${w.n} workload${w.n === 1 ? '' : 's'}`)
    .join(', ');
}

/** A markdown table; `align` has one 'l' or 'r' per column (default: left). */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align: string = ''): string {
  for (const r of rows) {
    if (r.length !== headers.length) throw new Error(`markdownTable: a row has ${r.length} cells; headers: ${headers.length}`);
  }
  const rule = headers.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [headers, rule, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** A steps/s figure with about three significant digits. */
export function formatRate(v: number): string {
  return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
}
