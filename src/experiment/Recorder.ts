import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readSync, statSync, ftruncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { EditRecord } from '../nn/Edit.js';
import { withPath } from './atomicWrite.js';
import type { MetricRecord } from './trainLoop.js';

/**
 * Byte lengths of the logs at a checkpoint: a resumed run cuts the logs back to them and replays from there.
 * `metricsTail`/`editsTail` are the bytes written since the checkpoint before (from `metrics - tail.length`):
 * a log that lost its end (power loss, a torn last line) is rebuilt from them exactly.
 */
export interface RecorderPosition {
  metrics: number;
  edits: number;
  metricsTail?: Uint8Array;
  editsTail?: Uint8Array;
}

/** Non-finite numbers as strings ("NaN", "Infinity", "-Infinity"): JSON would turn them into null silently. */
export function jsonReplacer(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** A JSON text with non-finite numbers kept as strings (see `jsonReplacer`). */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, jsonReplacer, indent);
}

/**
 * The run's append-only logs: metrics.jsonl (one JSON object per record) and edits.jsonl (one per applied
 * edit). Lines are appended with single writes; `sync` flushes to disk (called at checkpoints). Non-finite
 * values are written as the strings "NaN", "Infinity" and "-Infinity", never as null.
 */
export class Recorder {
  private readonly metricsFd: number;
  private readonly editsFd: number;
  private readonly metricsPath: string;
  private readonly editsPath: string;
  private metricsBytes: number;
  private editsBytes: number;
  /** Positions at the last checkpoint: the start of the tails the next checkpoint carries. */
  private metricsMark: number;
  private editsMark: number;
  private lastTails: { metricsTail: Uint8Array; editsTail: Uint8Array } | null = null;
  /** The last record of each key prefix, for progress displays and the summary. */
  readonly latest: Record<string, number> = {};
  /** What resuming had to repair (torn lines kept aside, ends rebuilt from the checkpoint). */
  readonly repairs: string[] = [];

  constructor(readonly dir: string, resumeAt?: RecorderPosition) {
    withPath(dir, 'create the folder', () => mkdirSync(dir, { recursive: true }));
    this.metricsPath = join(dir, 'metrics.jsonl');
    this.editsPath = join(dir, 'edits.jsonl');
    const open = (p: string) => withPath(p, 'open', () => openSync(p, existsSync(p) ? 'r+' : 'w+'));
    this.metricsFd = open(this.metricsPath);
    this.editsFd = open(this.editsPath);
    // Records written after the checkpoint are replayed by the resumed run: cut them so none is doubled.
    this.metricsBytes = resumeAt ? resumeAt.metrics : 0;
    this.editsBytes = resumeAt ? resumeAt.edits : 0;
    if (resumeAt) {
      this.repair(this.metricsFd, this.metricsPath, resumeAt.metrics, resumeAt.metricsTail);
      this.repair(this.editsFd, this.editsPath, resumeAt.edits, resumeAt.editsTail);
    }
    withPath(this.metricsPath, 'truncate', () => ftruncateSync(this.metricsFd, this.metricsBytes));
    withPath(this.editsPath, 'truncate', () => ftruncateSync(this.editsFd, this.editsBytes));
    this.metricsMark = this.metricsBytes;
    this.editsMark = this.editsBytes;
    // Until the next checkpoint, the resumed-from one's tails are the ones to carry.
    if (resumeAt?.metricsTail && resumeAt.editsTail) {
      this.lastTails = { metricsTail: resumeAt.metricsTail, editsTail: resumeAt.editsTail };
    }
  }

  /**
   * A log shorter than the checkpoint says lost its end after the checkpoint was written (power loss before
   * the file system flushed it, a copy cut short). Keep its incomplete last line aside (`<log>.torn`), then
   * rebuild the end from the bytes the checkpoint carries; only when they do not reach back far enough is it
   * an error.
   */
  private repair(fd: number, path: string, at: number, tail: Uint8Array | undefined): void {
    const size = statSync(path).size;
    if (size >= at) {
      // The checkpoint's position must end a line: else it belongs to other logs and would cut a record in two.
      const last = Buffer.alloc(1);
      if (at > 0) withPath(path, 'read', () => readSync(fd, last, 0, 1, at - 1));
      if (at > 0 && last[0] !== 0x0a) throw new Error(`resume: the checkpoint's position in ${path} (byte ${at}) is inside a line: the checkpoint belongs to other logs`);
      return;
    }
    // The part of the file that is whole lines.
    const buf = Buffer.alloc(size);
    if (size) withPath(path, 'read', () => readSync(fd, buf, 0, size, 0));
    const whole = buf.lastIndexOf(0x0a) + 1;
    if (whole < size) {
      appendFileSync(`${path}.torn`, buf.subarray(whole));
      this.repairs.push(`${path}: its last line was incomplete (${size - whole} bytes); kept in ${path}.torn`);
    }
    const from = tail ? at - tail.length : at;
    if (!tail || whole < from) {
      throw new Error(
        `resume: ${path} has ${whole} bytes of whole lines, the checkpoint needs ${at} and carries only the bytes from ${from}; ` +
          `the log lost records it cannot rebuild (restore the file from a backup, or start the run again)`,
      );
    }
    withPath(path, 'rebuild', () => {
      const part = tail.subarray(whole - from);
      writeSync(fd, part, 0, part.length, whole);
      fsyncSync(fd);
    });
    this.repairs.push(`${path}: rebuilt ${at - whole} bytes from the checkpoint`);
  }

  /** Where the logs stand, with the bytes written since the last checkpoint; marks this as the new checkpoint. */
  checkpointPosition(): RecorderPosition {
    const tail = (fd: number, path: string, from: number, to: number) => {
      const b = new Uint8Array(to - from);
      if (b.length) withPath(path, 'read', () => readSync(fd, b, 0, b.length, from));
      return b;
    };
    // Nothing new since the last checkpoint (a stop right after one): carry the previous tails again.
    if (this.lastTails && this.metricsMark === this.metricsBytes && this.editsMark === this.editsBytes) return { metrics: this.metricsBytes, edits: this.editsBytes, ...this.lastTails };
    this.lastTails = {
      metricsTail: tail(this.metricsFd, this.metricsPath, this.metricsMark, this.metricsBytes),
      editsTail: tail(this.editsFd, this.editsPath, this.editsMark, this.editsBytes),
    };
    this.metricsMark = this.metricsBytes;
    this.editsMark = this.editsBytes;
    return { metrics: this.metricsBytes, edits: this.editsBytes, ...this.lastTails };
  }

  get position(): RecorderPosition {
    return { metrics: this.metricsBytes, edits: this.editsBytes };
  }

  metric(r: MetricRecord): void {
    const line = Buffer.from(`${toJson(r)}\n`);
    withPath(this.metricsPath, 'write', () => writeSync(this.metricsFd, line, 0, line.length, this.metricsBytes));
    this.metricsBytes += line.length;
    for (const [k, v] of Object.entries(r)) if (k !== 'step' && k !== 'task') this.latest[k] = v;
  }

  edits(step: number, task: number, records: readonly EditRecord[]): void {
    if (records.length === 0) return;
    const text = records.map((e) => toJson({ step, task, ...e })).join('\n') + '\n';
    const buf = Buffer.from(text);
    withPath(this.editsPath, 'write', () => writeSync(this.editsFd, buf, 0, buf.length, this.editsBytes));
    this.editsBytes += buf.length;
  }

  sync(): void {
    withPath(this.metricsPath, 'flush', () => fsyncSync(this.metricsFd));
    withPath(this.editsPath, 'flush', () => fsyncSync(this.editsFd));
  }

  close(): void {
    try {
      this.sync();
    } finally {
      closeSync(this.metricsFd);
      closeSync(this.editsFd);
    }
  }
}
