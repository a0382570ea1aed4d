import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { maskedCrc32c } from './crc32c.js';
import { ProtoWriter, decodeFields } from './protobuf.js';

/** One TFRecord: uint64 length, masked CRC-32C of the length, the data, masked CRC-32C of the data (little-endian). */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, BigInt(data.length), true);
  v.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  v.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** An Event (tensorflow/core/util/event.proto): wall_time = 1 (double), step = 2 (int64), file_version = 3, summary = 5. */
function event(wallTime: number, step: number, body: (e: ProtoWriter) => void): Uint8Array {
  const e = new ProtoWriter().double(1, wallTime).varint(2, Math.round(step));
  body(e);
  return e.finish();
}

/**
 * A Summary (summary.proto) of scalars: one Value per tag, tag = 1 (string), simple_value = 2 (float), which
 * TensorBoard reads as a scalar series. Non-finite values are written as they are (TensorBoard shows NaN).
 */
function scalarSummary(values: ReadonlyArray<readonly [string, number]>): ProtoWriter {
  const s = new ProtoWriter();
  for (const [tag, v] of values) s.message(1, new ProtoWriter().string(1, tag).float(2, v));
  return s;
}

/**
 * A TensorBoard event file (`events.out.tfevents.<seconds>.<host>.<pid>.supple`), written record by record: each
 * `scalars` call is one Event appended with a single write, so a reader (TensorBoard watching the folder) sees
 * whole records as they come. `flush` makes them durable (fsync).
 */
export class TensorBoardWriter {
  readonly path: string;
  private readonly fd: number;

  constructor(dir: string, opts: { wallTime?: number } = {}) {
    mkdirSync(dir, { recursive: true });
    const t = opts.wallTime ?? Date.now() / 1000;
    this.path = join(dir, `events.out.tfevents.${Math.floor(t)}.${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}.${process.pid}.supple`);
    this.fd = openSync(this.path, 'a');
    this.write(event(t, 0, (e) => e.string(3, 'brain.Event:2')));
  }

  private write(data: Uint8Array): void {
    const rec = tfRecord(data);
    writeSync(this.fd, rec, 0, rec.length);
  }

  /** Scalars at one step: one Event with one Summary.Value per tag. */
  scalars(step: number, values: Readonly<Record<string, number>>, wallTime = Date.now() / 1000): void {
    const list = Object.entries(values).filter(([, v]) => typeof v === 'number');
    if (list.length === 0) return;
    this.write(event(wallTime, step, (e) => e.message(5, scalarSummary(list))));
  }

  /** Makes every event written so far durable on disk (fsync). */
  flush(): void {
    fsyncSync(this.fd);
  }

  /** Flushes, then closes the file; the writer cannot be used afterwards. */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** A scalar read back from an event file. */
export interface ScalarEvent {
  readonly step: number;
  readonly wallTime: number;
  readonly tag: string;
  readonly value: number;
}

/**
 * Read an event file's scalars (simple_value), checking both CRCs of every record; throws, naming the offset,
 * on a bad CRC or a truncated record. Used by tests and by anyone who wants the numbers back.
 */
export function readEventFile(path: string): { fileVersion: string | null; scalars: ScalarEvent[] } {
  const buf = new Uint8Array(readFileSync(path));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const scalars: ScalarEvent[] = [];
  let fileVersion: string | null = null;
  let o = 0;
  while (o < buf.length) {
    if (o + 12 > buf.length) throw new Error(`${path}: truncated record header at byte ${o}`);
    const n = Number(view.getBigUint64(o, true));
    if (view.getUint32(o + 8, true) !== maskedCrc32c(buf.subarray(o, o + 8))) throw new Error(`${path}: bad length CRC at byte ${o}`);
    if (o + 12 + n + 4 > buf.length) throw new Error(`${path}: truncated record at byte ${o}`);
    const data = buf.subarray(o + 12, o + 12 + n);
    if (view.getUint32(o + 12 + n, true) !== maskedCrc32c(data)) throw new Error(`${path}: bad data CRC at byte ${o}`);
    o += 12 + n + 4;
    let wallTime = 0;
    let step = 0;
    for (const f of decodeFields(data)) {
      if (f.field === 1 && f.wire === 1) wallTime = new DataView((f.value as Uint8Array).slice().buffer).getFloat64(0, true);
      else if (f.field === 2 && f.wire === 0) step = Number(BigInt.asIntN(64, f.value as bigint));
      else if (f.field === 3 && f.wire === 2) fileVersion = new TextDecoder().decode(f.value as Uint8Array);
      else if (f.field === 5 && f.wire === 2) {
        for (const v of decodeFields(f.value as Uint8Array)) {
          if (v.field !== 1 || v.wire !== 2) continue;
          let tag = '';
          let value: number | null = null;
          for (const g of decodeFields(v.value as Uint8Array)) {
            if (g.field === 1 && g.wire === 2) tag = new TextDecoder().decode(g.value as Uint8Array);
            else if (g.field === 2 && g.wire === 5) value = new DataView((g.value as Uint8Array).slice().buffer).getFloat32(0, true);
          }
          if (value !== null) scalars.push({ step, wallTime, tag, value });
        }
      }
    }
  }
  return { fileVersion, scalars };
}


