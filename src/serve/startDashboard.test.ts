import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { startDashboard } from './startDashboard.js';
import { removeScratchDir, scratchDir } from '../../test/helpers/scratchDir.js';

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A raw request (the path is sent as given: no URL normalization on the way). */
function get(port: number, path: string, opts: { method?: string; host?: string } = {}): Promise<Reply> {
  return new Promise((ok, bad) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: opts.host ?? `127.0.0.1:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', bad);
    req.end();
  });
}

function writeRun(dir: string, seed: number, method: string, lines: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ version: '0.1.0', seed, backend: 'ts', benchmark: { name: 'permuted-mnist', tasks: 10 }, methods: [{ name: method }] }));
  writeFileSync(join(dir, 'metrics.jsonl'), Array.from({ length: lines }, (_, i) => `${JSON.stringify({ step: (i + 1) * 100, task: i, 'online/accuracy': 0.5 + i / 100 })}\n`).join(''));
}

test('supple serve: runs, records and files below the served folders; nothing outside, nothing written', async (t) => {
  const d = scratchDir('supple-serve-');
  t.after(() => removeScratchDir(d));
  const runs = join(d, 'runs');
  writeRun(join(runs, 'sweep', 'bp', 'seed0'), 0, 'bp', 3);
  writeRun(join(runs, 'sweep', 'bp', 'seed1'), 1, 'bp', 2);
  writeRun(join(runs, 'single'), 0, 'cbp', 1);
  mkdirSync(join(runs, 'single', 'report'));
  writeFileSync(join(runs, 'single', 'report', 'index.html'), '<!doctype html><title>report</title>');
  writeFileSync(join(runs, 'single', 'report', 'online-accuracy.png'), 'png');
  writeFileSync(join(d, 'secret.txt'), 'outside');
  symlinkSync(join(d, 'secret.txt'), join(runs, 'link-out.txt'));
  symlinkSync(d, join(runs, 'dir-out'));
  writeFileSync(join(runs, 'inside.txt'), 'inside');

  const server = await startDashboard({ folders: [runs], port: 0 });
  t.after(() => server.close());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const port = server.port;

  const list = JSON.parse((await get(port, '/api/runs')).body) as Array<{ id: string; records: number; condition: { label: string } | null; progress: { fraction: number | null }; status: string }>;
  assert.deepEqual(list.map((r) => r.id).sort(), ['runs/single', 'runs/sweep/bp/seed0', 'runs/sweep/bp/seed1']);
  const seed0 = list.find((r) => r.id === 'runs/sweep/bp/seed0')!;
  assert.equal(seed0.records, 3);
  assert.equal(seed0.progress.fraction, 0.3, 'task 3 of 10');
  assert.equal(seed0.condition?.label, list.find((r) => r.id === 'runs/sweep/bp/seed1')!.condition?.label, 'two seeds of one condition');
  assert.notEqual(seed0.condition?.label, list.find((r) => r.id === 'runs/single')!.condition?.label);

  const m = JSON.parse((await get(port, '/api/metrics?run=runs%2Fsweep%2Fbp%2Fseed1')).body) as { records: Array<Record<string, number>> };
  assert.deepEqual(m.records.map((r) => r.step), [100, 200]);
  assert.equal((await get(port, '/api/metrics?run=nope')).status, 404);

  const reports = JSON.parse((await get(port, '/api/reports')).body) as Array<{ index: string; figures: Array<{ url: string }> }>;
  assert.equal(reports.length, 1);
  assert.equal((await get(port, reports[0]!.index)).body, '<!doctype html><title>report</title>');
  assert.equal((await get(port, reports[0]!.figures[0]!.url)).body, 'png');

  assert.equal((await get(port, '/files/runs/inside.txt')).body, 'inside');
  // Out of the served folder, however it is asked for.
  for (const path of [
    '/files/runs/../secret.txt', '/files/runs/%2e%2e/secret.txt', '/files/runs/%2E%2E%2Fsecret.txt', '/files/runs/..%2fsecret.txt',
    '/files/runs/sweep/..%2F..%2Fsecret.txt', '/files/runs/%2Fetc%2Fpasswd', '/files/runs//etc/passwd', `/files/runs/${encodeURIComponent(join(d, 'secret.txt'))}`,
    '/files/runs/..%5csecret.txt', '/files/runs/link-out.txt', '/files/runs/dir-out/secret.txt', '/files/runs/%00', '/files/runs/%E0%A4%A',
    '/files/..%2Fsecret.txt', '/files/%2E%2E/secret.txt', '/../secret.txt', '/%2e%2e/%2e%2e/etc/passwd', '/playground/..%2F..%2Fpackage.json',
  ]) {
    const r = await get(port, path);
    assert.equal(r.status, 404, `${path} -> ${r.status}`);
    assert.ok(!r.body.includes('outside') && !r.body.includes('root:'), path);
  }

  // Only GET and HEAD; no endpoint writes.
  const before = readFileSync(join(runs, 'single', 'metrics.jsonl'), 'utf8');
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const r = await get(port, '/files/runs/single/metrics.jsonl', { method });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, 'GET, HEAD');
  }
  assert.equal(readFileSync(join(runs, 'single', 'metrics.jsonl'), 'utf8'), before);
  // Bound to loopback: another Host name (DNS rebinding) is refused.
  assert.equal((await get(port, '/api/runs', { host: 'evil.example:80' })).status, 403);
  assert.equal((await get(port, '/api/runs', { host: `localhost:${port}` })).status, 200);
});

test('supple serve streams appended metrics and new runs over Server-Sent Events', async (t) => {
  const d = scratchDir('supple-serve-');
  t.after(() => removeScratchDir(d));
  const runs = join(d, 'runs');
  writeRun(join(runs, 'a'), 0, 'bp', 1);
  const server = await startDashboard({ folders: [runs, join(d, 'missing')], port: 0 });
  t.after(() => server.close());

  const events: Array<{ event: string; data: unknown }> = [];
  const res = await new Promise<import('node:http').IncomingMessage>((ok, bad) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: '/api/events' }, ok);
    req.on('error', bad);
    req.end();
  });
  t.after(() => res.destroy());
  assert.equal(res.headers['content-type'], 'text/event-stream');
  let buf = '';
  const waiters: Array<() => void> = [];
  res.setEncoding('utf8');
  res.on('data', (c: string) => {
    buf += c;
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
      for (const w of waiters.splice(0)) w();
    }
  });
  const until = async (what: string, pred: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!pred()) {
      if (Date.now() > deadline) assert.fail(`no ${what} within 10 s; events: ${JSON.stringify(events).slice(0, 500)}`);
      await new Promise<void>((ok) => {
        waiters.push(ok);
        setTimeout(ok, 200);
      });
    }
  };
  await until('first run list', () => events.some((e) => e.event === 'runs'));

  // An append in two writes, the first ending mid-line: the record arrives once, whole.
  const f = join(runs, 'a', 'metrics.jsonl');
  appendFileSync(f, '{"step":200,"task":1,"online/acc');
  await new Promise((ok) => setTimeout(ok, 100));
  appendFileSync(f, 'uracy":0.7}\n');
  await until('the appended record', () => events.some((e) => e.event === 'metrics'));
  const metrics = events.filter((e) => e.event === 'metrics').map((e) => e.data as { run: string; from: number; records: Array<Record<string, number>> });
  assert.deepEqual(metrics, [{ run: 'runs/a', from: 1, records: [{ step: 200, task: 1, 'online/accuracy': 0.7 }] }]);

  // A run that starts while the page is open.
  writeRun(join(runs, 'b'), 1, 'bp', 2);
  await until('the new run', () => events.some((e) => e.event === 'runs' && (e.data as Array<{ id: string }>).some((r) => r.id === 'runs/b')));
});
