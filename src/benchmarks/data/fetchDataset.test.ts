import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { DatasetSpec } from './DatasetSpec.js';
import { fetchDatasetFiles } from './fetchDataset.js';
import { locateDataset, MissingDataError } from './locateDataset.js';
import { sha256Bytes } from './checksum.js';
import { packageRoot } from './packageRoot.js';
import { scratchDir } from '../../../test/helpers/scratchDir.js';

const payload = readFileSync(join(packageRoot(), 'test', 'fixtures', 'mnist', 't10k-labels-idx1-ubyte.gz'));
const other = readFileSync(join(packageRoot(), 'test', 'fixtures', 'mnist', 'train-labels-idx1-ubyte.gz'));

/** A local server: /good sends the file, /corrupt sends bytes of the right length but wrong content, /cut drops the connection halfway, /missing is a 404. */
async function serve(): Promise<{ base: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/good/labels.gz') {
      res.writeHead(200, { 'content-length': payload.length });
      res.end(payload);
    } else if (req.url === '/corrupt/labels.gz') {
      const bad = Buffer.from(payload);
      bad[bad.length - 1]! ^= 0xff;
      res.writeHead(200, { 'content-length': bad.length });
      res.end(bad);
    } else if (req.url === '/cut/labels.gz') {
      res.writeHead(200, { 'content-length': payload.length });
      res.write(payload.subarray(0, payload.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

const spec = (urls: string[]): DatasetSpec => ({
  name: 'tiny-test', folder: 'tiny-test', classes: 10, description: 'a test file', license: 'CC BY-SA 3.0', homepage: 'http://127.0.0.1/', checksumSource: 'computed here',
  files: [{ name: 'labels.gz', urls, size: payload.length, sha256: sha256Bytes(payload) }],
  load: () => Promise.reject(new Error('not used')),
});
const noTemp = (dir: string) => !existsSync(dir) || readdirSync(dir).every((f) => !f.includes('.part'));

test('download: the file lands in the cache under its name, checked, with progress reported', async () => {
  const { base, server } = await serve();
  try {
    const cacheDir = scratchDir('supple-cache-');
    const progress: number[] = [];
    const dir = await fetchDatasetFiles(spec([`${base}/good/labels.gz`]), { source: { cacheDir, download: true }, onProgress: (p) => progress.push(p.received) });
    assert.equal(dir, join(cacheDir, 'tiny-test'));
    assert.deepEqual(readFileSync(join(dir, 'labels.gz')), payload);
    assert.equal(progress.at(-1), payload.length);
    assert.deepEqual(readdirSync(dir), ['labels.gz']);
  } finally {
    server.close();
  }
});

test('download: a checksum mismatch is an error and leaves no file behind', async () => {
  const { base, server } = await serve();
  try {
    const cacheDir = scratchDir('supple-cache-');
    await assert.rejects(fetchDatasetFiles(spec([`${base}/corrupt/labels.gz`]), { source: { cacheDir, download: true } }), /sha256 [0-9a-f]+ differs from the published/);
    assert.deepEqual(readdirSync(join(cacheDir, 'tiny-test')), []);
  } finally {
    server.close();
  }
});

test('download: an interrupted transfer is an error and leaves no half-written file', async () => {
  const { base, server } = await serve();
  try {
    const cacheDir = scratchDir('supple-cache-');
    await assert.rejects(fetchDatasetFiles(spec([`${base}/cut/labels.gz`]), { source: { cacheDir, download: true } }), /could not download labels\.gz/);
    assert.deepEqual(readdirSync(join(cacheDir, 'tiny-test')), []);
  } finally {
    server.close();
  }
});

test('download: mirrors are tried in order after a failure', async () => {
  const { base, server, hits } = await serve();
  try {
    const cacheDir = scratchDir('supple-cache-');
    await fetchDatasetFiles(spec([`${base}/missing/labels.gz`, `${base}/cut/labels.gz`, `${base}/good/labels.gz`]), { source: { cacheDir, download: true } });
    assert.deepEqual(hits, ['/missing/labels.gz', '/cut/labels.gz', '/good/labels.gz']);
    assert.deepEqual(readFileSync(join(cacheDir, 'tiny-test', 'labels.gz')), payload);
    assert.ok(noTemp(join(cacheDir, 'tiny-test')));
  } finally {
    server.close();
  }
});

test('download: a corrupt cached copy is replaced; a valid one is kept without network', async () => {
  const { base, server, hits } = await serve();
  try {
    const cacheDir = scratchDir('supple-cache-');
    mkdirSync(join(cacheDir, 'tiny-test'));
    writeFileSync(join(cacheDir, 'tiny-test', 'labels.gz'), other);
    await fetchDatasetFiles(spec([`${base}/good/labels.gz`]), { source: { cacheDir, download: true } });
    assert.deepEqual(readFileSync(join(cacheDir, 'tiny-test', 'labels.gz')), payload);
    await fetchDatasetFiles(spec([`${base}/good/labels.gz`]), { source: { cacheDir, download: true } });
    assert.equal(hits.length, 1);
  } finally {
    server.close();
  }
});

test('locate: --data-dir first, then the cache, then the network; offline without a copy is a clear error', async () => {
  const { base, server, hits } = await serve();
  try {
    const dataDir = scratchDir('supple-data-');
    const cacheDir = scratchDir('supple-cache-');
    await assert.rejects(locateDataset(spec([`${base}/good/labels.gz`]), { dataDir, cacheDir, download: false }), (e: Error) => {
      assert.ok(e instanceof MissingDataError);
      assert.ok(e.message.includes(join(dataDir, 'tiny-test')) && e.message.includes('labels.gz') && e.message.includes(`${base}/good/labels.gz`));
      return true;
    });
    const fetched = await locateDataset(spec([`${base}/good/labels.gz`]), { dataDir, cacheDir, download: true });
    assert.equal(fetched.dir, join(cacheDir, 'tiny-test'));
    assert.equal(hits.length, 1);
    mkdirSync(join(dataDir, 'tiny-test'));
    writeFileSync(join(dataDir, 'tiny-test', 'labels.gz'), payload);
    const local = await locateDataset(spec([`${base}/good/labels.gz`]), { dataDir, cacheDir, download: true });
    assert.equal(local.dir, join(dataDir, 'tiny-test'));
    assert.equal(local.files[0]!.verified, true);
    assert.equal(hits.length, 1);
  } finally {
    server.close();
  }
});

test('download: a failed fetch (offline) says which files to put where, with their sizes and checksums', async () => {
  const cacheDir = scratchDir('supple-offline-');
  // Port 9 on loopback: nothing listens, the connection is refused at once.
  const s = spec(['http://127.0.0.1:9/labels.gz']);
  await assert.rejects(fetchDatasetFiles(s, { source: { cacheDir, download: true } }), (e: Error) => {
    assert.match(e.message, new RegExp(`Without network access: Put these files in ${join(cacheDir, s.folder).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(e.message, new RegExp(`labels\\.gz  \\(${s.files[0]!.size} bytes, sha256 ${s.files[0]!.sha256}\\)`));
    return true;
  });
});
