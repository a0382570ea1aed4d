import type { RunData, RunRecord } from './RunFolder.js';

/** What a curve is plotted against. */
export type XAxis = 'task' | 'epoch' | 'examples' | 'step';

/**
 * Which records a curve comes from (the kinds of records the training loop writes):
 * - task: the record at the end of each task (`online/*`, `method/*`), x = task;
 * - epoch: the record at the end of each epoch (`train/*`, `eval/*`), x = epochs trained so far;
 * - epoch-last: the last epoch record of each task, x = task (the state a task ends in);
 * - bin: the record per bin of examples (`bin/*`), x = examples seen;
 * - probe: diagnostics (`diag/*`), x = task when probes run once per task, else step.
 */
export type SeriesSource = 'task' | 'epoch' | 'epoch-last' | 'bin' | 'probe';

/** One metric of one run as a curve. */
export interface RunSeries {
  readonly source: SeriesSource;
  /** The metric key; for a mean over layers, the family (`diag/effectiveRank`). */
  readonly key: string;
  readonly x: XAxis;
  /** The layers averaged into this curve (empty: a plain key). */
  readonly layers: readonly string[];
  readonly points: Map<number, number>;
}

export const seriesId = (source: SeriesSource, key: string) => `${source}:${key}`;

/** Steps per task, derived from the task-end records (interesting when tasks end on a criterion). */
export const STEPS_PER_TASK = 'derived/steps';

/** The kind of a metrics record, from the keys the training loop writes with it. */
export function recordKind(r: RunRecord): 'epoch' | 'bin' | 'task' | 'probe' {
  if ('epoch' in r) return 'epoch';
  if ('bin/loss' in r) return 'bin';
  if ('examples' in r) return 'task';
  return 'probe';
}

const META: Record<string, readonly string[]> = {
  epoch: ['step', 'task', 'epoch'],
  bin: ['step', 'task', 'examples'],
  task: ['step', 'task', 'examples'],
  probe: ['step', 'task'],
};

/** Whether a run probes more than once in some task (then probes are plotted against steps). */
export function probesPerStep(run: RunData): boolean {
  const tasks = new Set<number>();
  for (const r of run.records) {
    if (recordKind(r) !== 'probe') continue;
    if (tasks.has(r.task)) return true;
    tasks.add(r.task);
  }
  return false;
}

/**
 * Every metric of a run as a curve, by series id (`source:key`). Non-finite values (NaN written as null) are
 * missing points. Per-layer keys `<prefix>/<family>/<layer>` of diagnostics also give their mean over layers,
 * under `<prefix>/<family>` (unless a key of that name exists).
 */
export function runSeries(run: RunData, probeX: 'task' | 'step'): Map<string, RunSeries> {
  const out = new Map<string, RunSeries>();
  const put = (source: SeriesSource, key: string, x: XAxis, at: number, v: number | null | undefined, layers: readonly string[] = []) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return;
    const id = seriesId(source, key);
    let s = out.get(id);
    if (!s) out.set(id, (s = { source, key, x, layers, points: new Map() }));
    s.points.set(at, v);
  };
  let epochs = 0;
  let lastTaskEndStep = 0;
  const lastEpochOfTask = new Map<number, RunRecord>();
  const layerSets = new Map<string, Set<string>>();
  for (const r of run.records) {
    const kind = recordKind(r);
    const skip = META[kind]!;
    if (kind === 'epoch') {
      epochs++;
      lastEpochOfTask.set(r.task, r);
      for (const [k, v] of Object.entries(r)) if (!skip.includes(k)) put('epoch', k, 'epoch', epochs, v);
    } else if (kind === 'bin') {
      for (const [k, v] of Object.entries(r)) if (!skip.includes(k)) put('bin', k, 'examples', r.examples!, v);
    } else if (kind === 'task') {
      for (const [k, v] of Object.entries(r)) if (!skip.includes(k)) put('task', k, 'task', r.task, v);
      put('task', STEPS_PER_TASK, 'task', r.task, r.step - lastTaskEndStep);
      lastTaskEndStep = r.step;
    } else {
      const x = probeX === 'task' ? r.task : r.step;
      const families = new Map<string, number[]>();
      for (const [k, v] of Object.entries(r)) {
        if (skip.includes(k)) continue;
        put('probe', k, probeX, x, v);
        const m = /^(diag\/[^/]+)\/(.+)$/.exec(k);
        if (m && typeof v === 'number' && Number.isFinite(v)) {
          const f = families.get(m[1]!);
          if (f) f.push(v);
          else families.set(m[1]!, [v]);
          let ls = layerSets.get(m[1]!);
          if (!ls) layerSets.set(m[1]!, (ls = new Set()));
          ls.add(m[2]!);
        }
      }
      for (const [family, vs] of families) {
        if (family in r) continue;
        put('probe', family, probeX, x, vs.reduce((a, b) => a + b, 0) / vs.length, [...layerSets.get(family)!]);
      }
    }
  }
  for (const [task, r] of lastEpochOfTask) {
    for (const [k, v] of Object.entries(r)) if (!META.epoch!.includes(k)) put('epoch-last', k, 'task', task, v);
  }
  // The layer lists were captured when each family curve was created; give them all the layers seen.
  for (const [family, ls] of layerSets) {
    const s = out.get(seriesId('probe', family));
    if (s?.layers.length) out.set(seriesId('probe', family), { ...s, layers: [...ls] });
  }
  return out;
}
