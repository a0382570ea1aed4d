import type { RunRecord } from '../report/RunFolder.js';

/** The metrics of a run as a table: one row per (step, task), a column per key. */
export interface MetricTable {
  /** `step`, `task`, then the metric keys in the order they first appear. */
  readonly columns: readonly string[];
  /** Values by column; null where a row has no value for that key (or JSON held NaN / infinity as null). */
  readonly rows: ReadonlyArray<Readonly<Record<string, number | null>>>;
}

/**
 * Merge metrics.jsonl records into rows: consecutive records at the same step and task (a task's end and the
 * probe measured at it) share a row unless they record the same key twice.
 */
export function metricTable(records: readonly RunRecord[]): MetricTable {
  const columns = ['step', 'task'];
  const seen = new Set(columns);
  const rows: Array<Record<string, number | null>> = [];
  for (const r of records) {
    const last = rows[rows.length - 1];
    const keys = Object.keys(r).filter((k) => k !== 'step' && k !== 'task');
    for (const k of keys) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
    if (last && last.step === r.step && last.task === r.task && keys.every((k) => !(k in last))) Object.assign(last, r);
    else rows.push({ ...r });
  }
  return { columns, rows };
}

/** RFC 4180 CSV of a metric table: empty cells for missing values, NaN/inf as JSON stored them (empty). */
export function metricCsv(t: MetricTable): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [t.columns.map(q).join(',')];
  for (const r of t.rows) lines.push(t.columns.map((c) => (r[c] === undefined || r[c] === null ? '' : String(r[c]))).join(','));
  return `${lines.join('\n')}\n`;
}
