import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveRunConfig } from '../experiment/runConfig.js';
import { startRun } from '../experiment/runExperiment.js';
import { testCatalog } from '../../test/helpers/testCatalog.js';
import { exportRun } from './exportRun.js';
import { readEventFile } from './TensorBoardWriter.js';
import { decodeFields } from './protobuf.js';
import { crc32c, maskedCrc32c } from './crc32c.js';

const catalog = testCatalog();
const tmp = () => scratchDir('supple-export-');
const python = '/usr/bin/python3';
const hasProtobuf = existsSync(python) && spawnSync(python, ['-c', 'import google.protobuf'], { encoding: 'utf8' }).status === 0;

async function tinyRun(): Promise<string> {
  const out = tmp();
  const config = resolveRunConfig({ benchmark: 'tiny', methods: ['random-reset'], set: { tasks: 3 }, seed: 1, backend: 'ts' }, catalog, '0.0.0');
  await startRun(config, { out, catalog });
  return out;
}

const jsonl = (run: string) => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | null>);

test('crc32c: the standard check value and the masked form', () => {
  // CRC-32C of "123456789" is 0xE3069283 (RFC 3720, appendix B.4).
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  const c = 0xe3069283;
  assert.equal(maskedCrc32c(new TextEncoder().encode('123456789')), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
});

test('csv and parquet hold every metric of metrics.jsonl, a row per (step, task)', async () => {
  const run = await tinyRun();
  const recs = jsonl(run);
  const csv = await exportRun(run, 'csv');
  const lines = readFileSync(csv.path, 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  assert.deepEqual(header.slice(0, 2), ['step', 'task']);
  for (const k of Object.keys(recs[0]!)) assert.ok(header.includes(k), k);
  const acc = header.indexOf('online/accuracy');
  const want = recs.filter((r) => r['online/accuracy'] !== undefined).map((r) => r['online/accuracy']);
  const got = lines.slice(1).map((l) => l.split(',')[acc]).filter((v) => v !== '').map(Number);
  assert.deepEqual(got, want);
  assert.equal(got.length, 3);

  const pq = await exportRun(run, 'parquet', join(run, 'm.parquet'));
  const { parquetReadObjects } = await import('hyparquet');
  const buf = readFileSync(pq.path);
  const rows = (await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) })) as Array<Record<string, unknown>>;
  assert.equal(rows.length, lines.length - 1);
  assert.deepEqual(rows.map((r) => r['online/accuracy']).filter((v) => v !== null), want);
  assert.equal(typeof rows[0]!.step, 'bigint');
});

test('tensorboard: event files with both CRCs right and the same scalars as metrics.jsonl', async () => {
  const run = await tinyRun();
  const r = await exportRun(run, 'tensorboard');
  const files = readdirSync(r.path).filter((f) => f.includes('tfevents'));
  assert.equal(files.length, 1);
  const path = join(r.path, files[0]!);
  const { fileVersion, scalars } = readEventFile(path);
  assert.equal(fileVersion, 'brain.Event:2');
  const want = jsonl(run).flatMap((rec) => Object.entries(rec).filter(([k, v]) => k !== 'step' && k !== 'task' && typeof v === 'number').map(([k, v]) => ({ tag: k, step: rec.step!, value: Math.fround(v as number) })));
  assert.deepEqual(scalars.map((s) => ({ tag: s.tag, step: s.step, value: s.value })), want);
  // A flipped byte is caught by the CRC.
  const bad = readFileSync(path);
  bad[bad.length - 6] = bad[bad.length - 6]! ^ 1;
  writeFileSync(join(r.path, 'bad'), bad);
  assert.throws(() => readEventFile(join(r.path, 'bad')), /bad data CRC/);
});

// An independent reader: Python with its own CRC-32C and protobuf's descriptor-built Event/Summary classes.
const pyTensorboard = `
import struct, sys, json
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82f63b78 if crc & 1 else crc >> 1
    return crc ^ 0xffffffff
def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xa282ead8) & 0xffffffff
fd = descriptor_pb2.FileDescriptorProto(name='ev.proto', package='tb', syntax='proto3')
T = descriptor_pb2.FieldDescriptorProto
v = fd.message_type.add(name='Value')
v.field.add(name='tag', number=1, type=T.TYPE_STRING, label=T.LABEL_OPTIONAL)
v.field.add(name='simple_value', number=2, type=T.TYPE_FLOAT, label=T.LABEL_OPTIONAL)
s = fd.message_type.add(name='Summary')
s.field.add(name='value', number=1, type=T.TYPE_MESSAGE, type_name='.tb.Value', label=T.LABEL_REPEATED)
e = fd.message_type.add(name='Event')
e.field.add(name='wall_time', number=1, type=T.TYPE_DOUBLE, label=T.LABEL_OPTIONAL)
e.field.add(name='step', number=2, type=T.TYPE_INT64, label=T.LABEL_OPTIONAL)
e.field.add(name='file_version', number=3, type=T.TYPE_STRING, label=T.LABEL_OPTIONAL)
e.field.add(name='summary', number=5, type=T.TYPE_MESSAGE, type_name='.tb.Summary', label=T.LABEL_OPTIONAL)
pool = descriptor_pool.DescriptorPool()
pool.Add(fd)
Event = message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName('tb.Event'))
data = open(sys.argv[1], 'rb').read()
o, out, version = 0, [], None
while o < len(data):
    (n,) = struct.unpack('<Q', data[o:o+8])
    assert struct.unpack('<I', data[o+8:o+12])[0] == masked(data[o:o+8]), 'length crc'
    body = data[o+12:o+12+n]
    assert struct.unpack('<I', data[o+12+n:o+16+n])[0] == masked(body), 'data crc'
    o += 16 + n
    ev = Event()
    ev.ParseFromString(body)
    if ev.file_version: version = ev.file_version
    for val in ev.summary.value: out.append({'tag': val.tag, 'step': ev.step, 'value': val.simple_value})
print(json.dumps({'version': version, 'scalars': out}))
`;
import { scratchDir } from '../../test/helpers/scratchDir.js';

test('tensorboard: an independent Python reader (own CRC-32C, protobuf Event/Summary) gets the same scalars', { skip: hasProtobuf ? false : `needs ${python} with python3-protobuf (apt-get install python3-protobuf); tensorboard itself is not packaged for Debian` }, async () => {
  const run = await tinyRun();
  const r = await exportRun(run, 'tensorboard');
  const file = join(r.path, readdirSync(r.path).find((f) => f.includes('tfevents'))!);
  const script = join(run, 'tb.py');
  writeFileSync(script, pyTensorboard);
  const p = spawnSync(python, [script, file], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  const py = JSON.parse(p.stdout) as { version: string; scalars: Array<{ tag: string; step: number; value: number }> };
  assert.equal(py.version, 'brain.Event:2');
  const want = jsonl(run).flatMap((rec) => Object.entries(rec).filter(([k, v]) => k !== 'step' && k !== 'task' && typeof v === 'number').map(([k, v]) => ({ tag: k, step: rec.step!, value: Math.fround(v as number) })));
  assert.equal(py.scalars.length, want.length);
  py.scalars.forEach((s, i) => {
    assert.equal(s.tag, want[i]!.tag);
    assert.equal(s.step, want[i]!.step);
    assert.equal(Math.fround(s.value), want[i]!.value);
  });
});

test('wandb-offline: a run folder whose log has valid LevelDB framing and the history rows', async () => {
  const run = await tinyRun();
  const r = await exportRun(run, 'wandb-offline');
  assert.match(r.path, /offline-run-\d{8}_\d{6}-[0-9a-f]{8}$/);
  const file = readdirSync(r.path).find((f) => /^run-[0-9a-f]{8}\.wandb$/.test(f));
  assert.ok(file);
  assert.ok(existsSync(join(r.path, 'files', 'config.yaml')) && existsSync(join(r.path, 'files', 'wandb-summary.json')));
  const buf = new Uint8Array(readFileSync(join(r.path, file)));
  assert.equal(new TextDecoder().decode(buf.subarray(0, 4)), ':W&B');
  const { crc32 } = await import('node:zlib');
  const dv = new DataView(buf.buffer, buf.byteOffset);
  const records: Uint8Array[] = [];
  let o = 7;
  let pending: number[] = [];
  while (o < buf.length) {
    if (32768 - (o % 32768) < 7) { o += 32768 - (o % 32768); continue; }
    const n = dv.getUint16(o + 4, true);
    const type = buf[o + 6]!;
    const data = buf.subarray(o + 7, o + 7 + n);
    assert.equal(dv.getUint32(o, true), crc32(data, crc32(Uint8Array.of(type))) >>> 0);
    pending.push(...data);
    if (type === 1 || type === 4) { records.push(Uint8Array.from(pending)); pending = []; }
    o += 7 + n;
  }
  const kinds = records.map((rec) => decodeFields(rec).find((f) => f.field !== 1)!.field);
  assert.deepEqual([kinds[0], kinds[1], kinds[2]], [21, 17, 5]); // header, run, config
  assert.deepEqual(kinds.slice(-3), [3, 18, 20]); // summary, exit, final
  const history = records.filter((_, i) => kinds[i] === 2);
  assert.equal(history.length, r.count);
  const items = decodeFields(decodeFields(history[0]!).find((f) => f.field === 2)!.value as Uint8Array).filter((f) => f.field === 1)
    .map((f) => Object.fromEntries(decodeFields(f.value as Uint8Array).map((g) => [g.field, new TextDecoder().decode(g.value as Uint8Array)])));
  assert.ok(items.some((it) => it[1] === '_step' && it[16] === '0'));
  assert.ok(items.some((it) => it[1] === 'step'));
});
