import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ProtoWriter } from './protobuf.js';
import type { MetricTable } from './metricRows.js';

const BLOCK = 32768;
const HEADER = 7;

/**
 * W&B's transaction log (`run-<id>.wandb`): a 7-byte file header (":W&B", magic 0xBEE1, version 0), then
 * LevelDB log framing in 32 KiB blocks: each chunk has a 7-byte header (CRC-32 of the type byte and the data,
 * uint16 length, type FULL=1 / FIRST=2 / MIDDLE=3 / LAST=4), a record never starts in the last 6 bytes of a
 * block (they are zero-filled). Every record is a serialized wandb_internal.Record.
 */
export function wandbLog(records: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let pos = 0;
  const put = (b: Uint8Array) => {
    parts.push(b);
    pos += b.length;
  };
  const head = new Uint8Array(HEADER);
  head.set(new TextEncoder().encode(':W&B'), 0);
  new DataView(head.buffer).setUint16(4, 0xbee1, true);
  head[6] = 0;
  put(head);
  for (const rec of records) {
    let off = 0;
    let first = true;
    do {
      let left = BLOCK - (pos % BLOCK);
      if (left < HEADER) {
        put(new Uint8Array(left));
        left = BLOCK;
      }
      const n = Math.min(rec.length - off, left - HEADER);
      const last = off + n === rec.length;
      const type = first && last ? 1 : first ? 2 : last ? 4 : 3;
      const chunk = rec.subarray(off, off + n);
      const h = new Uint8Array(HEADER);
      const dv = new DataView(h.buffer);
      dv.setUint32(0, crc32(chunk, crc32(Uint8Array.of(type))) >>> 0, true);
      dv.setUint16(4, n, true);
      h[6] = type;
      put(h);
      put(chunk.slice());
      off += n;
      first = false;
    } while (off < rec.length);
  }
  const out = new Uint8Array(pos);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `{key, value_json}` items (ConfigItem, SummaryItem, HistoryItem all put key at 1 and value_json at 16). */
function items(field: number, entries: ReadonlyArray<readonly [string, unknown]>, into: ProtoWriter): ProtoWriter {
  for (const [k, v] of entries) into.message(field, new ProtoWriter().string(1, k).string(16, JSON.stringify(v)));
  return into;
}

/**
 * The run as W&B records it in {@link writeWandbOffline}: id, project, display name, config, start time, duration in
 * seconds and optional tags.
 */
export interface WandbRunInfo {
  readonly id: string;
  readonly project: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly startTime: Date;
  readonly seconds: number;
  readonly tags?: readonly string[];
}

/**
 * An offline W&B run folder as `wandb offline` leaves it, for `wandb sync <folder>`:
 * `offline-run-<YYYYmmdd_HHMMSS>-<id>/run-<id>.wandb` holding the records header, run (id, project, name,
 * config, host, start time), config, one history record per metric row (`_step` = row index, with `_timestamp`
 * and `_runtime`), summary (the last value of each key), exit (code 0) and final; and `files/config.yaml`,
 * `files/wandb-summary.json` beside it. Returns the folder's path.
 */
export function writeWandbOffline(parent: string, run: WandbRunInfo, table: MetricTable): string {
  const stamp = run.startTime.toISOString().replace(/[-:]/g, '').replace('T', '_').replace(/\..*$/, '');
  const dir = join(parent, `offline-run-${stamp}-${run.id}`);
  mkdirSync(join(dir, 'files'), { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  let num = 0;
  const record = (field: number, body: ProtoWriter) => new ProtoWriter().varint(1, ++num).message(field, body).finish();
  const start = run.startTime.getTime() / 1000;
  const configEntries = Object.entries(run.config).map(([k, v]) => [k, { desc: null, value: v }] as const);
  const ts = new ProtoWriter().varint(1, Math.floor(start)).varint(2, Math.round((start % 1) * 1e9));
  const runRec = new ProtoWriter().string(1, run.id).string(3, run.project).string(8, run.name).string(13, hostname());
  runRec.message(4, items(1, configEntries, new ProtoWriter()));
  for (const t of run.tags ?? []) runRec.string(10, t);
  runRec.message(17, ts);
  const out: Uint8Array[] = [record(21, new ProtoWriter()), record(17, runRec), record(5, items(1, configEntries, new ProtoWriter()))];
  const last: Record<string, number> = {};
  const n = table.rows.length;
  table.rows.forEach((row, i) => {
    const entries: Array<[string, unknown]> = [];
    for (const c of table.columns) {
      const v = row[c];
      if (v === undefined || v === null) continue;
      entries.push([c, v]);
      last[c] = v;
    }
    // Without wall times per record, runtime is spread evenly over the run (the x axis users pick is step).
    const runtime = n > 1 ? (run.seconds * i) / (n - 1) : run.seconds;
    entries.push(['_step', i], ['_runtime', runtime], ['_timestamp', start + runtime]);
    out.push(record(2, items(1, entries, new ProtoWriter()).message(2, new ProtoWriter().varint(1, i))));
  });
  const summary: Record<string, unknown> = { ...last, _step: Math.max(0, n - 1), _runtime: run.seconds };
  out.push(record(3, items(1, Object.entries(summary), new ProtoWriter())));
  out.push(record(18, new ProtoWriter().varint(1, 0).varint(2, Math.round(run.seconds))));
  out.push(record(20, new ProtoWriter()));
  writeFileSync(join(dir, `run-${run.id}.wandb`), wandbLog(out));
  const yaml = ['wandb_version: 1', ...configEntries.map(([k, v]) => `${k}:\n  desc: null\n  value: ${JSON.stringify(v.value)}`)].join('\n');
  writeFileSync(join(dir, 'files', 'config.yaml'), `${yaml}\n`);
  writeFileSync(join(dir, 'files', 'wandb-summary.json'), `${JSON.stringify(summary)}\n`);
  return dir;
}
