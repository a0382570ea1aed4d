import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A run folder written by hand, with records shaped as the training loop writes them (trainLoop.ts). */
export interface SyntheticRun {
  readonly dir: string;
  readonly seed: number;
  /** Method names, or full method configs. */
  readonly methods?: readonly (string | Record<string, unknown>)[];
  /** Merged over the default config (benchmark, model, optimizer ...). */
  readonly config?: Record<string, unknown>;
  /** Online accuracy per task (classification); the number of tasks is its length. */
  readonly accuracy?: readonly number[];
  /** Online loss per task (regression when no accuracy is given). */
  readonly loss?: readonly number[];
  /** Epoch records per task, with eval/test/accuracy = accuracy + evalOffset. */
  readonly epochs?: number;
  readonly evalOffset?: number;
  /** Diagnostics at each task end: key -> value per task (e.g. 'diag/deadFraction/h1'). */
  readonly probes?: Readonly<Record<string, readonly number[]>>;
  /** Bins of examples: loss per bin. */
  readonly bins?: { readonly size: number; readonly loss: readonly number[] };
  /** Examples per task and steps per task (batch 1: equal). */
  readonly examplesPerTask?: number;
  /** Method counters at task ends. */
  readonly methodMetrics?: Readonly<Record<string, readonly number[]>>;
  readonly edits?: number;
  /** false: no summary.json (a run still going, or killed). */
  readonly complete?: boolean;
  /** Append half a JSON line at the end of metrics.jsonl (a kill while writing). */
  readonly partialLastLine?: boolean;
  readonly seconds?: number;
  readonly label?: string;
  /** Tasks in the config (default: as many as recorded; more for a run stopped early). */
  readonly configuredTasks?: number;
}

/** Write a run folder; returns its path. */
export function writeSyntheticRun(r: SyntheticRun): string {
  mkdirSync(r.dir, { recursive: true });
  const methods = (r.methods ?? ['bp']).map((m) => (typeof m === 'string' ? { name: m } : m));
  const tasks = r.accuracy?.length ?? r.loss?.length ?? 0;
  const per = r.examplesPerTask ?? 100;
  const config = {
    version: '0.1.0', seed: r.seed, backend: 'ts',
    benchmark: { name: 'synthetic', tasks: r.configuredTasks ?? tasks },
    methods,
    model: { name: 'mlp', hidden: [8, 8] },
    optimizer: { name: 'sgd', lr: 0.01 },
    ...(r.label ? { label: r.label } : {}),
    ...r.config,
  };
  writeFileSync(join(r.dir, 'config.json'), JSON.stringify(config, null, 2));
  const lines: string[] = [];
  const epochs = r.epochs ?? 0;
  let step = 0;
  let examples = 0;
  let bin = 0;
  for (let t = 0; t < tasks; t++) {
    for (let e = 0; e < epochs; e++) {
      step += per / epochs;
      const acc = r.accuracy?.[t] ?? 0;
      lines.push(JSON.stringify({ step, task: t, epoch: e, 'train/loss': 1 - acc, 'train/accuracy': acc, 'eval/test/loss': 1 - acc, 'eval/test/accuracy': acc + (r.evalOffset ?? 0) }));
    }
    if (epochs === 0) step += per;
    examples += per;
    if (r.bins) {
      while (bin < r.bins.loss.length && (bin + 1) * r.bins.size <= examples) {
        lines.push(JSON.stringify({ step: (bin + 1) * r.bins.size, task: t, examples: (bin + 1) * r.bins.size, 'bin/loss': r.bins.loss[bin] }));
        bin++;
      }
    }
    const end: Record<string, number> = { step, task: t, examples };
    if (r.loss) end['online/loss'] = r.loss[t]!;
    if (r.accuracy) end['online/accuracy'] = r.accuracy[t]!;
    for (const [k, v] of Object.entries(r.methodMetrics ?? {})) end[k] = v[t]!;
    lines.push(JSON.stringify(end));
    const probe: Record<string, number> = { step, task: t };
    for (const [k, v] of Object.entries(r.probes ?? {})) if (v[t] !== undefined) probe[k] = v[t]!;
    if (Object.keys(probe).length > 2) lines.push(JSON.stringify(probe));
  }
  let text = lines.map((l) => `${l}\n`).join('');
  if (r.partialLastLine) text += '{"step": 999, "task": 9, "online/acc';
  writeFileSync(join(r.dir, 'metrics.jsonl'), text);
  const edits = Array.from({ length: r.edits ?? 0 }, (_, i) => JSON.stringify({ step: i + 1, task: 0, kind: 'reinitUnits', group: 'h1', units: [i % 8], reason: methods[0]!.name }));
  writeFileSync(join(r.dir, 'edits.jsonl'), edits.map((l) => `${l}\n`).join(''));
  if (r.complete ?? true) writeFileSync(join(r.dir, 'summary.json'), JSON.stringify({ status: 'complete', steps: step, seconds: r.seconds ?? 2, final: {} }));
  return r.dir;
}
