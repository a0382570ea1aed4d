import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** One line of metrics.jsonl: `{"step", "task", "<key>": value}`; NaN and infinities are stored as strings and read back as numbers (null in files of older versions). */
export type RunRecord = { step: number; task: number } & Record<string, number | null>;

/** summary.json, written once at the end of a run. */
export interface RunSummary {
  readonly status: string;
  readonly steps?: number;
  readonly seconds?: number;
  readonly final?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** A run folder as read from disk (the contract in the README's "The run folder"). */
export interface RunData {
  /** Absolute path of the folder. */
  readonly path: string;
  /** config.json: the fully resolved config. */
  readonly config: Record<string, unknown>;
  readonly seed: number | null;
  /** metrics.jsonl, in file order. */
  readonly records: readonly RunRecord[];
  /** edits.jsonl: how many edits of each kind. */
  readonly edits: { readonly count: number; readonly byKind: Readonly<Record<string, number>> };
  /** summary.json; null while the run is going on or after it was stopped or killed. */
  readonly summary: RunSummary | null;
  /** When config.json was written (the run started). */
  readonly startedAt: Date | null;
  /** The last write to metrics.jsonl or summary.json. */
  readonly updatedAt: Date | null;
  /** Problems met while reading (partial lines, missing files). */
  readonly warnings: readonly string[];
}

/** Whether `path` holds a config.json (is a run folder). */
export async function isRunFolder(path: string): Promise<boolean> {
  return (await statOrNull(join(path, 'config.json')))?.isFile() ?? false;
}

/**
 * Read a run folder. Throws, naming the path, when it is not a run (no config.json) or its config is not JSON.
 * Never throws over metrics: an unparsable line (a run killed while writing its last line) is skipped with a
 * warning.
 */
export async function readRunFolder(folder: string): Promise<RunData> {
  const path = resolve(folder);
  const configPath = join(path, 'config.json');
  const configStat = await statOrNull(configPath);
  if (!configStat?.isFile()) throw new Error(`not a run folder (no config.json): ${path}`);
  let config: unknown;
  try {
    config = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (e) {
    throw new Error(`${configPath} is not valid JSON: ${(e as Error).message}`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new Error(`${configPath} must hold a JSON object, not ${JSON.stringify(config)?.slice(0, 40)}`);
  const cfg = config as Record<string, unknown>;
  const seed = typeof cfg.seed === 'number' ? cfg.seed : null;
  const warnings: string[] = [];

  const metricsPath = join(path, 'metrics.jsonl');
  const metricsStat = await statOrNull(metricsPath);
  const records: RunRecord[] = [];
  if (!metricsStat) warnings.push(`${path}: no metrics.jsonl (the run recorded nothing yet)`);
  else {
    for (const { line, value } of readJsonLines(await readFile(metricsPath, 'utf8'), metricsPath, warnings)) {
      const r = toRecord(value);
      if (r) records.push(r);
      else warnings.push(`${metricsPath}:${line}: not a metrics record (needs numeric "step" and "task"); ignored`);
    }
  }

  const byKind: Record<string, number> = {};
  let count = 0;
  const editsPath = join(path, 'edits.jsonl');
  if (await statOrNull(editsPath)) {
    for (const { value } of readJsonLines(await readFile(editsPath, 'utf8'), editsPath, warnings)) {
      const kind = value !== null && typeof value === 'object' && typeof (value as { kind?: unknown }).kind === 'string' ? (value as { kind: string }).kind : 'unknown';
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      count++;
    }
  }

  const summaryPath = join(path, 'summary.json');
  const summaryStat = await statOrNull(summaryPath);
  let summary: RunSummary | null = null;
  if (summaryStat) {
    try {
      const s = JSON.parse(await readFile(summaryPath, 'utf8')) as unknown;
      if (s !== null && typeof s === 'object' && typeof (s as { status?: unknown }).status === 'string') summary = s as RunSummary;
      else warnings.push(`${summaryPath}: no "status" field; treated as missing`);
    } catch (e) {
      warnings.push(`${summaryPath} is not valid JSON (${(e as Error).message}); treated as missing`);
    }
  }
  const times = [metricsStat?.mtime, summaryStat?.mtime].filter((t): t is Date => t !== undefined);
  return {
    path, config: cfg, seed, records, edits: { count, byKind }, summary,
    startedAt: configStat.mtime,
    updatedAt: times.length ? new Date(Math.max(...times.map((t) => t.getTime()))) : null,
    warnings,
  };
}

/** Parse JSON lines; an unparsable line is skipped with a warning (the last one is expected after a kill). */
function* readJsonLines(text: string, file: string, warnings: string[]): Generator<{ line: number; value: unknown }> {
  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last]!.trim() === '') last--;
  for (let i = 0; i <= last; i++) {
    const s = lines[i]!.trim();
    if (s === '') continue;
    try {
      yield { line: i + 1, value: JSON.parse(s) };
    } catch {
      warnings.push(i === last
        ? `${file}:${i + 1}: the last line is incomplete (the run was stopped while writing it); ignored`
        : `${file}:${i + 1}: not valid JSON; ignored`);
    }
  }
}

/** A metrics line as a record, or null when it is not one (needs numeric "step" and "task"); non-numeric values are dropped. */
export function toRecord(v: unknown): RunRecord | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.step !== 'number' || typeof o.task !== 'number') return null;
  const r: Record<string, number | null> = {};
  for (const [k, x] of Object.entries(o)) {
    if (typeof x === 'number' || x === null) r[k] = x;
    // Non-finite values are written as strings (JSON has no NaN): read them back as numbers.
    else if (x === 'NaN' || x === 'Infinity' || x === '-Infinity') r[k] = Number(x);
  }
  return r as RunRecord;
}

async function statOrNull(p: string) {
  try {
    return await stat(p);
  } catch {
    return null;
  }
}
