import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../test/helpers/chromium.js';
import { startDashboard } from './startDashboard.js';
import { removeScratchDir, scratchDir } from '../../test/helpers/scratchDir.js';

const staticSite = fileURLToPath(new URL('../../playground/', import.meta.url));

interface LaneState {
  method: string;
  accuracy: number[];
  dead: number[];
  backend: string;
  done: boolean;
  error: string | null;
}

/** Waits until every method's worker has finished (or failed), and returns what each trained. */
async function finished(page: Page, problems: string[]): Promise<LaneState[]> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const lanes = await page.evaluate(`window.playground.lanes.map((l) => ({ method: l.method.name, accuracy: l.accuracy, dead: l.dead, backend: l.backend, done: l.done, error: l.error }))`) as LaneState[];
    if (lanes.every((l) => l.done || l.error) || problems.length) return lanes;
    if (Date.now() > deadline) assert.fail(`the playground did not finish in 90 s: ${JSON.stringify(lanes)}`);
    await page.waitForTimeout(250);
  }
}

test('playground in Chromium: bp, cbp and shrink & perturb train in Web Workers and their online accuracy rises', { timeout: 150_000 }, async (t) => {
  const browser = await launchChromium();
  if (typeof browser === 'string') {
    t.skip(browser);
    return;
  }
  t.after(() => browser.close());
  assert.ok(existsSync(join(staticSite, 'trainWorker.js')), 'npm run build builds the playground into dist/playground');
  const d = scratchDir('supple-play-');
  t.after(() => removeScratchDir(d));
  const server = await startDashboard({ folders: [d], port: 0 });
  t.after(() => server.close());

  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  // 10 tasks of 150 images: seconds per method.
  await page.goto(`${server.url}playground/?tasks=10&examples=150`);
  const lanes = await finished(page, problems);
  assert.deepEqual(problems, []);
  assert.deepEqual(lanes.map((l) => l.method), ['bp', 'cbp', 'shrink-perturb']);
  for (const l of lanes) {
    assert.equal(l.error, null, l.method);
    assert.equal(l.backend, 'wasm', `${l.method}: supple serve's pages are cross-origin isolated, so the wasm backend runs`);
    assert.equal(l.accuracy.length, 10, l.method);
    assert.equal(l.dead.length, 10, l.method);
    for (const x of [...l.accuracy, ...l.dead]) assert.ok(x >= 0 && x <= 1, `${l.method}: ${x}`);
    // Learning: the later tasks' online accuracy is well above the first task's (and above chance, 10%).
    const first = l.accuracy[0]!;
    const later = l.accuracy.slice(5).reduce((a, b) => a + b, 0) / 5;
    assert.ok(later > first + 0.03 && later > 0.25, `${l.method}: online accuracy ${l.accuracy.map((a) => a.toFixed(2)).join(' ')}`);
  }
  assert.match(await page.locator('.lane[data-method="bp"] .acc').textContent() ?? '', /^\d+\.\d%$/, 'the page shows the last accuracy');
  if (process.env.SUPPLE_SCREENSHOTS) await page.screenshot({ path: join(process.env.SUPPLE_SCREENSHOTS, 'playground-test.png'), fullPage: true });

  // The same files as a plain static site (no special headers), forced onto the TypeScript kernels.
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
  const plain = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0]!.replace(/^\/$/, '/index.html').slice(1);
    const f = join(staticSite, name);
    if (name.includes('/') || !existsSync(f)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(f)] ?? 'application/octet-stream' }).end(readFileSync(f));
  });
  await new Promise<void>((ok) => plain.listen(0, '127.0.0.1', ok));
  t.after(() => plain.close());
  await page.goto(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/?tasks=2&examples=100&backend=ts`);
  const ts = await finished(page, problems);
  assert.deepEqual(problems, []);
  for (const l of ts) {
    assert.equal(l.backend, 'ts', l.method);
    assert.equal(l.accuracy.length, 2, l.method);
  }
});
