#!/usr/bin/env node
// The README's screenshots of `supple serve` (docs/dashboard.png, docs/playground.png), taken with the system
// Chromium: the dashboard while `supple sweep --preset quickstart` runs (conditions grouped, mean +- s.e.),
// then the playground after its default 300 tasks. Takes several minutes. Usage: node scripts/screenshots.mjs [OUTDIR]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? join(root, 'docs');
const { chromium } = await import('playwright-core');
const { startDashboard } = await import(join(root, 'dist/src/serve/startDashboard.js'));
const work = mkdtempSync(join(tmpdir(), 'supple-shots-'));
const sweepDir = join(work, 'sweeps', 'quickstart');
const log = (m) => console.log(`[screenshots] ${m}`);

const sweep = spawn(process.execPath, [join(root, 'dist/src/cli/main.js'), 'sweep', '--preset', 'quickstart', '--out', sweepDir], { stdio: 'ignore' });
const sweepDone = new Promise((ok) => sweep.on('exit', ok));
const server = await startDashboard({ folders: [join(work, 'sweeps')], port: 0 });
const browser = await chromium.launch({ executablePath: process.env.SUPPLE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 1250 } });
await page.goto(server.url);

/** Tasks recorded so far over all runs of the sweep, out of 9 x 300. */
function progress() {
  let tasks = 0;
  const walk = (d) => {
    for (const e of existsSync(d) ? readdirSync(d, { withFileTypes: true }) : []) {
      if (e.isDirectory() && e.name !== 'checkpoint') walk(join(d, e.name));
      else if (e.name === 'metrics.jsonl') tasks += readFileSync(join(d, e.name), 'utf8').split('\n').filter((l) => l.includes('online/accuracy')).length;
    }
  };
  walk(sweepDir);
  return tasks / 2700;
}
let finished = false;
void sweepDone.then(() => (finished = true));
while (!finished && progress() < 0.6) await new Promise((ok) => setTimeout(ok, 2000));
log(`sweep ${Math.round(progress() * 100)}% done: dashboard`);
await page.check('#group');
await page.waitForTimeout(1500);
await page.screenshot({ path: join(out, 'dashboard.png') });
await sweepDone;
await page.reload();
await page.check('#group');
await page.waitForTimeout(1500);
await page.screenshot({ path: join(work, 'dashboard-complete.png') });

log('playground: 300 tasks');
await page.setViewportSize({ width: 1300, height: 900 });
await page.goto(`${server.url}playground/`);
for (let i = 0; i < 600; i++) {
  const done = await page.evaluate('window.playground.lanes.every((l) => l.done || l.error)');
  if (done) break;
  await page.waitForTimeout(1000);
}
await page.screenshot({ path: join(out, 'playground.png') });
log(`written: ${join(out, 'dashboard.png')}, ${join(out, 'playground.png')} (and ${join(work, 'dashboard-complete.png')})`);
await browser.close();
await server.close();
