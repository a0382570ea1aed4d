// The scale section of `npm run bench`: steps/s and peak memory of the 784-W-W-W-10 ReLU MLP (SGD, batch B) across
// widths and batch sizes, per backend and for PyTorch at its best thread setting. Every cell runs in its own process
// (bench/scaleChild.ts, or engine.py --mlp) so that its peak RSS is its own; the backends of a cell run one after
// another, so that load from other processes hits them alike. Cells predicted to take over `maxStepSeconds` per step
// (from the measured cells of the same backend no larger in width or batch, scaled by multiply-adds: the least of these
// predictions) are skipped and say so.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crossovers, type ScaleResult, scaleTable, skipReason } from './scaleGrid.js';
import { findTorchPython, runTorchEngine, torchAllocators, type TorchAllocator } from './torchRun.js';
import { formatRate } from './benchTargets.js';
import { blasCoreEnv, blasCores, type BlasCore } from './blasCore.js';

const childScript = join(dirname(fileURLToPath(import.meta.url)), 'scaleChild.js');

export interface ScaleOptions {
  readonly widths: readonly number[];
  readonly batches: readonly number[];
  /** supple backends and/or 'torch'. */
  readonly backends: readonly string[];
  /** Timed seconds per cell (after a warm-up of up to a quarter of that). */
  readonly seconds: number;
  /** At least this many timed steps per cell. */
  readonly minSteps: number;
  readonly maxStepSeconds: number;
  /** PyTorch thread settings (intra-op and OMP/MKL/OpenBLAS); the fastest counts. */
  readonly torchThreads: readonly number[];
  /** SUPPLE_THREADS settings for wasm and native (BLAS and worker threads; ts has none); the fastest counts. */
  readonly suppleThreads: readonly number[];
}

export const defaultScaleOptions: ScaleOptions = {
  widths: [100, 1000, 2000, 10000],
  batches: [1, 16, 256],
  backends: ['ts', 'wasm', 'native', 'torch'],
  seconds: 1.5,
  minSteps: 3,
  maxStepSeconds: 30,
  torchThreads: [1, 2],
  suppleThreads: [1, 2],
};

export interface ScaleSection {
  readonly options: ScaleOptions;
  readonly results: ScaleResult[];
  /** wasm against native per (width, batch): the measured rule behind the `auto` backend. */
  readonly crossovers: ReturnType<typeof crossovers>;
  readonly table: string;
  readonly torch: string | null;
  readonly descriptions: Record<string, string>;
}

function childTimeoutMs(o: ScaleOptions): number {
  // A generous bound: warm-up, minSteps at the step limit, and building a 10000-wide net.
  return Math.max(120, (o.minSteps + 2) * o.maxStepSeconds * 2 + o.seconds * 2) * 1000;
}

interface Run {
  threads: number;
  /** PyTorch's malloc setting (bench/torchRun.ts); absent for supple. */
  allocator?: TorchAllocator;
  /** OpenBLAS's kernels (bench/blasCore.ts); absent: as the environment sets them. */
  blasCore?: 'detected';
  stepsPerSecond: number;
  maxRssBytes: number;
  steps: number;
  seconds: number;
  description?: string;
}

/** One supple cell at SUPPLE_THREADS=threads (undefined: the backend's default) and OpenBLAS's kernels at `core`. */
function runSupple(backend: string, width: number, batch: number, threads: number | undefined, core: BlasCore, o: ScaleOptions): Run | { error: string } {
  const r = spawnSync(process.execPath, [childScript, '--backend', backend, '--width', String(width), '--batch', String(batch), '--seconds', String(o.seconds), '--min-steps', String(o.minSteps)], {
    encoding: 'utf8',
    timeout: childTimeoutMs(o),
    maxBuffer: 1 << 20,
    env: threads === undefined ? blasCoreEnv(core) : { ...blasCoreEnv(core), SUPPLE_THREADS: String(threads) },
  });
  if (r.status !== 0) return { error: r.error ? `did not finish (${String(r.error).slice(0, 80)})` : `failed: ${r.stderr.trim().split('\n').slice(-2).join(' ')}` };
  const j = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Run;
  return { threads: threads ?? 0, ...(core === 'detected' ? { blasCore: core } : {}), stepsPerSecond: j.stepsPerSecond, steps: j.steps, seconds: j.seconds, maxRssBytes: j.maxRssBytes, description: j.description };
}

function runTorch(py: string, width: number, batch: number, threads: number, allocator: TorchAllocator, core: BlasCore, o: ScaleOptions): Run | { error: string } {
  const r = runTorchEngine(py, ['--mlp', `784,${width},${width},${width},10`, '--batch', String(batch), '--seconds', String(o.seconds), '--min-steps', String(o.minSteps)], threads, childTimeoutMs(o), undefined, allocator, core);
  if ('error' in r) return r;
  const l = r.lines.at(-1)!;
  return { threads: l.threads, allocator, ...(core === 'detected' ? { blasCore: core } : {}), stepsPerSecond: l.steps_per_s, maxRssBytes: l.max_rss_bytes ?? 0, steps: l.steps, seconds: l.seconds };
}

/** A cell at each thread setting; the fastest counts, and `all` keeps every setting's figure. */
function runCell(backend: string, width: number, batch: number, o: ScaleOptions, py: string | null): ScaleResult & { description?: string } {
  const settings: (number | undefined)[] = backend === 'torch' ? [...o.torchThreads] : backend === 'ts' ? [undefined] : [...o.suppleThreads];
  const all: Run[] = [];
  const errors: string[] = [];
  // OpenBLAS's kernels as set and as detected where the environment pins them (bench/blasCore.ts), for the two
  // sides that call it.
  const cores: BlasCore[] = backend === 'torch' || backend === 'native' ? blasCores() : ['set'];
  for (const core of cores) {
    for (const t of settings) {
      // PyTorch at both malloc settings (bench/torchRun.ts): at width 2000 even batch 1 maps a weight gradient a step.
      for (const a of backend === 'torch' ? torchAllocators : [undefined]) {
        const r = backend === 'torch' ? runTorch(py!, width, batch, t!, a!, core, o) : runSupple(backend, width, batch, t, core, o);
        if ('error' in r) errors.push(`${t ?? 'default'} threads${a ? ` (${a} malloc)` : ''}${core === 'detected' ? ' (OpenBLAS detected)' : ''}: ${r.error}`);
        else all.push(r);
      }
    }
  }
  if (!all.length) return { backend, width, batch, stepsPerSecond: null, steps: 0, seconds: 0, maxRssBytes: null, skipped: errors.join('; ') };
  const best = all.reduce((a, b) => (b.stepsPerSecond > a.stepsPerSecond ? b : a));
  const description = all.find((r) => r.description)?.description;
  if (settings.length === 1 && settings[0] === undefined) {
    return { backend, width, batch, stepsPerSecond: best.stepsPerSecond, steps: best.steps, seconds: best.seconds, maxRssBytes: best.maxRssBytes, ...(description ? { description } : {}) };
  }
  return {
    ...(description ? { description } : {}),
    backend,
    width,
    batch,
    stepsPerSecond: best.stepsPerSecond,
    steps: best.steps,
    seconds: best.seconds,
    maxRssBytes: best.maxRssBytes,
    threads: best.threads,
    ...(best.allocator ? { allocator: best.allocator } : {}),
    ...(best.blasCore ? { blasCore: best.blasCore } : {}),
    all: all.map(({ threads, allocator, blasCore, stepsPerSecond, maxRssBytes }) => ({ threads, ...(allocator ? { allocator } : {}), ...(blasCore ? { blasCore } : {}), stepsPerSecond, maxRssBytes })),
  };
}

/** Run the grid; `log` gets one line per cell. */
export function runScaleSection(o: ScaleOptions, log: (line: string) => void): ScaleSection {
  const py = o.backends.includes('torch') ? findTorchPython() : null;
  if (o.backends.includes('torch') && !py) log('PyTorch not found: no torch column');
  const backends = o.backends.filter((b) => b !== 'torch' || py);
  const results: ScaleResult[] = [];
  const descriptions: Record<string, string> = {};
  let torchVersion: string | null = null;
  for (const width of [...o.widths].sort((a, b) => a - b)) {
    for (const batch of [...o.batches].sort((a, b) => a - b)) {
      for (const backend of backends) {
        const skip = skipReason(results, backend, width, batch, o.maxStepSeconds);
        let r: ScaleResult;
        if (skip) r = { backend, width, batch, stepsPerSecond: null, steps: 0, seconds: 0, maxRssBytes: null, skipped: skip };
        else {
          const s = runCell(backend, width, batch, o, py);
          if (s.description) descriptions[backend] = s.description;
          const { description: _, ...rest } = s;
          r = rest;
        }
        if (backend === 'torch' && !torchVersion && py && r.stepsPerSecond !== null) {
          torchVersion = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim();
        }
        results.push(r);
        const what = `width ${String(width).padStart(5)} batch ${String(batch).padStart(3)} ${backend.padEnd(6)}`;
        if (r.stepsPerSecond === null) log(`${what} skipped: ${r.skipped}`);
        else {
          const threads = r.all ? `  (threads: ${r.all.map((a) => `${a.threads}${a.allocator && a.allocator !== 'default' ? ` ${a.allocator}` : ''}${a.blasCore ? ' OpenBLAS detected' : ''}: ${formatRate(a.stepsPerSecond)}`).join(', ')})` : '';
          log(`${what} ${formatRate(r.stepsPerSecond).padStart(8)} steps/s  ${(r.maxRssBytes! / 2 ** 20).toFixed(0).padStart(6)} MiB peak${threads}`);
        }
      }
    }
  }
  const shown = ['ts', 'wasm', 'native', 'torch'].filter((b) => backends.includes(b));
  return { options: o, results, crossovers: crossovers(results, ['wasm', 'native']), table: scaleTable(results, shown), torch: torchVersion, descriptions };
}
