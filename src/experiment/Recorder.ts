import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, statSync, ftruncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { EditRecord } from '../nn/Edit.js';
import type { MetricRecord } from './trainLoop.js';

/** Byte lengths of the logs at a checkpoint: a resumed run cuts the logs back to them and replays from there. */
export interface RecorderPosition {
  metrics: number;
  edits: number;
}

/**
 * The run's append-only logs: metrics.jsonl (one JSON object per record) and edits.jsonl (one per applied
 * edit). Lines are appended with single writes; `sync` flushes to disk (called at checkpoints).
 */
export class Recorder {
  private readonly metricsFd: number;
  private readonly editsFd: number;
  private metricsBytes: number;
  private editsBytes: number;
  /** The last record of each key prefix, for progress displays and the summary. */
  readonly latest: Record<string, number> = {};

  constructor(readonly dir: string, resumeAt?: RecorderPosition) {
    mkdirSync(dir, { recursive: true });
    const mp = join(dir, 'metrics.jsonl');
    const ep = join(dir, 'edits.jsonl');
    this.metricsFd = openSync(mp, existsSync(mp) ? 'r+' : 'w');
    this.editsFd = openSync(ep, existsSync(ep) ? 'r+' : 'w');
    // Records written after the checkpoint are replayed by the resumed run: cut them so none is doubled.
    this.metricsBytes = resumeAt ? resumeAt.metrics : 0;
    this.editsBytes = resumeAt ? resumeAt.edits : 0;
    if (resumeAt && (statSync(mp).size < resumeAt.metrics || statSync(ep).size < resumeAt.edits)) {
      throw new Error(`resume: the logs in ${dir} are shorter than the checkpoint says; they were changed by hand`);
    }
    ftruncateSync(this.metricsFd, this.metricsBytes);
    ftruncateSync(this.editsFd, this.editsBytes);
  }

  get position(): RecorderPosition {
    return { metrics: this.metricsBytes, edits: this.editsBytes };
  }

  metric(r: MetricRecord): void {
    const line = Buffer.from(`${JSON.stringify(r)}\n`);
    writeSync(this.metricsFd, line, 0, line.length, this.metricsBytes);
    this.metricsBytes += line.length;
    for (const [k, v] of Object.entries(r)) if (k !== 'step' && k !== 'task') this.latest[k] = v;
  }

  edits(step: number, task: number, records: readonly EditRecord[]): void {
    if (records.length === 0) return;
    const text = records.map((e) => JSON.stringify({ step, task, ...e })).join('\n') + '\n';
    const buf = Buffer.from(text);
    writeSync(this.editsFd, buf, 0, buf.length, this.editsBytes);
    this.editsBytes += buf.length;
  }

  sync(): void {
    fsyncSync(this.metricsFd);
    fsyncSync(this.editsFd);
  }

  close(): void {
    this.sync();
    closeSync(this.metricsFd);
    closeSync(this.editsFd);
  }
}
