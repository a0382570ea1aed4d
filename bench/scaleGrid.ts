// The scale section's plan and its reading, as pure functions: which (backend, width, batch) runs to make, which to
// skip because they would take too long per step, which backend is fastest where, and the markdown table.
import { formatRate, markdownTable } from './benchTargets.js';

/** The MLP of the scale section: 784-W-W-W-10 ReLU (the online permuted-MNIST net of Dohare et al. at width W). */
export function mlpWeights(width: number, inputs = 784, outputs = 10, hidden = 3): number {
  return inputs * width + (hidden - 1) * width * width + width * outputs + hidden * width + outputs;
}

/** Multiply-adds of one training step: forward (1) and backward (2: input and weight gradients) per weight and example. */
export function stepMultiplyAdds(width: number, batch: number): number {
  return 3 * mlpWeights(width) * batch;
}

/** One measured (or skipped) cell of the scale grid. */
export interface ScaleResult {
  readonly backend: string;
  readonly width: number;
  readonly batch: number;
  /** null when skipped or failed (see `skipped`). */
  readonly stepsPerSecond: number | null;
  readonly steps: number;
  readonly seconds: number;
  /** Peak resident memory of the run's own process (bytes). */
  readonly maxRssBytes: number | null;
  /** The thread setting of the fastest run (wasm, native: SUPPLE_THREADS; PyTorch: intra-op and BLAS); `all` keeps every setting's figure. */
  readonly threads?: number;
  /** PyTorch's malloc setting of the fastest run (bench/torchRun.ts torchAllocators). */
  readonly allocator?: string;
  /** 'detected' when the fastest run had OpenBLAS pick its kernels against the environment's OPENBLAS_CORETYPE (bench/blasCore.ts). */
  readonly blasCore?: string;
  readonly all?: readonly { threads: number; allocator?: string; blasCore?: string; stepsPerSecond: number; maxRssBytes: number }[];
  /** Why this cell has no figure. */
  readonly skipped?: string;
}

/**
 * Seconds per step predicted for (width, batch) from the measured cells of the same backend no wider and no larger
 * in batch: each one's step time scaled by the ratio of multiply-adds, the least of these. Larger shapes mostly run at
 * higher throughput, so each over-estimates (the safe side for deciding what to skip) and the least is the closest
 * (PyTorch at width 10,000 batch 256: 31 s a step from batch 16, 3.5 s from width 2,000 at batch 256, measured
 * 3.4-3.7 s). The ts backend loses throughput as its layers outgrow the cache: from width 100 at batch 256 it is
 * predicted ~113 s a step at width 10,000, where width 2,000 predicts ~136 s.
 * Null when no such cell is measured.
 */
export function predictStepSeconds(measured: readonly ScaleResult[], backend: string, width: number, batch: number): { seconds: number; from: ScaleResult } | null {
  let best: { seconds: number; from: ScaleResult } | null = null;
  for (const r of measured) {
    if (r.backend !== backend || r.stepsPerSecond === null || r.width > width || r.batch > batch) continue;
    const seconds = stepMultiplyAdds(width, batch) / stepMultiplyAdds(r.width, r.batch) / r.stepsPerSecond;
    if (!best || seconds < best.seconds) best = { seconds, from: r };
  }
  return best;
}

/** Why a cell is skipped when its predicted step time is over `maxStepSeconds`, else null. */
export function skipReason(measured: readonly ScaleResult[], backend: string, width: number, batch: number, maxStepSeconds: number): string | null {
  const p = predictStepSeconds(measured, backend, width, batch);
  if (!p || p.seconds <= maxStepSeconds) return null;
  return `~${p.seconds.toFixed(p.seconds < 100 ? 1 : 0)} s per step predicted from width ${p.from.width} batch ${p.from.batch} (${formatRate(p.from.stepsPerSecond!)} steps/s, scaled by multiply-adds); limit ${maxStepSeconds} s`;
}

/** The winner among `backends` at each (width, batch) with all of them measured, and its lead over the runner-up. */
export interface Crossover {
  readonly width: number;
  readonly batch: number;
  readonly winner: string;
  /** winner steps/s over the runner-up's (>= 1). */
  readonly lead: number;
  readonly runnerUp: string;
}

export function crossovers(results: readonly ScaleResult[], backends: readonly string[]): Crossover[] {
  const cells = new Map<string, ScaleResult[]>();
  for (const r of results) {
    if (r.stepsPerSecond === null || !backends.includes(r.backend)) continue;
    const k = `${r.width}x${r.batch}`;
    cells.set(k, [...(cells.get(k) ?? []), r]);
  }
  const out: Crossover[] = [];
  for (const rs of cells.values()) {
    if (rs.length < 2) continue;
    const sorted = [...rs].sort((a, b) => b.stepsPerSecond! - a.stepsPerSecond!);
    const [a, b] = sorted as [ScaleResult, ScaleResult];
    out.push({ width: a.width, batch: a.batch, winner: a.backend, runnerUp: b.backend, lead: a.stepsPerSecond! / b.stepsPerSecond! });
  }
  return out.sort((x, y) => x.width - y.width || x.batch - y.batch);
}

const mib = (b: number | null): string => (b === null ? '-' : `${Math.round(b / 2 ** 20)}`);

/**
 * The README table: one row per (width, batch), steps/s (each backend at its fastest thread setting) and peak RSS
 * (MiB) per backend, and supple's best over PyTorch's. A skipped cell reads 'skipped'.
 */
export function scaleTable(results: readonly ScaleResult[], backends: readonly string[]): string {
  const shapes = [...new Map(results.map((r) => [`${r.width}x${r.batch}`, { width: r.width, batch: r.batch }])).values()].sort((a, b) => a.width - b.width || a.batch - b.batch);
  const at = (b: string, w: number, n: number) => results.find((r) => r.backend === b && r.width === w && r.batch === n);
  const rows = shapes.map(({ width, batch }) => {
    const cells = backends.map((b) => {
      const r = at(b, width, batch);
      if (!r) return '-';
      if (r.stepsPerSecond === null) return 'skipped';
      return `${formatRate(r.stepsPerSecond)} (${mib(r.maxRssBytes)})`;
    });
    const supple = backends.filter((b) => b !== 'torch').map((b) => at(b, width, batch)?.stepsPerSecond ?? null).filter((v): v is number => v !== null);
    const torch = at('torch', width, batch)?.stepsPerSecond ?? null;
    const ratio = supple.length && torch ? `${(Math.max(...supple) / torch).toFixed(2)}x` : '-';
    return [String(width), String(batch), ...cells, ratio];
  });
  const names = backends.map((b) => (b === 'torch' ? 'PyTorch' : b));
  return markdownTable(['width', 'batch', ...names.map((n) => `${n} steps/s (peak MiB)`), 'best supple / PyTorch'], rows, `rr${'r'.repeat(backends.length)}r`);
}

const backendLabels: Record<string, string> = { ts: 'supple ts', wasm: 'supple wasm', native: 'supple native', torch: 'PyTorch 1.13' };

/**
 * The log-log figure: steps/s against hidden width, colour per backend, dash per batch size, one line per pair.
 * Skipped cells are left out. A Vega-Lite spec for src/report/renderFigure.
 */
export function scaleFigureSpec(results: readonly ScaleResult[]): Record<string, unknown> {
  const values = results.filter((r) => r.stepsPerSecond !== null).map((r) => ({ width: r.width, stepsPerSecond: r.stepsPerSecond, backend: backendLabels[r.backend] ?? r.backend, batch: `batch ${r.batch}`, line: `${r.backend} b${r.batch}` }));
  const batches = [...new Set(results.map((r) => r.batch))].sort((a, b) => a - b).map((b) => `batch ${b}`);
  const widths = [...new Set(results.map((r) => r.width))].sort((a, b) => a - b);
  // Decades only on the y axis: a log axis otherwise draws a tick at every 1-9 multiple.
  const rates = values.map((v) => v.stepsPerSecond!);
  const decades: number[] = [];
  for (let d = Math.floor(Math.log10(Math.min(...rates, 1))); d <= Math.ceil(Math.log10(Math.max(...rates, 1))); d++) decades.push(10 ** d);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'MLP 784-W-W-W-10, one training step (SGD): steps/s against width',
    width: 460,
    height: 320,
    data: { values },
    mark: { type: 'line', point: true },
    config: { legend: { labelLimit: 0 } },
    encoding: {
      x: { field: 'width', type: 'quantitative', scale: { type: 'log' }, axis: { values: widths }, title: 'hidden width W' },
      y: { field: 'stepsPerSecond', type: 'quantitative', scale: { type: 'log' }, axis: { values: decades, format: ',~g' }, title: 'training steps per second' },
      color: { field: 'backend', type: 'nominal', sort: Object.values(backendLabels), title: null },
      strokeDash: { field: 'batch', type: 'nominal', sort: batches, title: null },
      shape: { field: 'batch', type: 'nominal', sort: batches, title: null },
      detail: { field: 'line', type: 'nominal' },
    },
  };
}
