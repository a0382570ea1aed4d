import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../test/helpers/chromium.js';
import { writeSyntheticRun } from '../../test/helpers/syntheticRuns.js';
import { startDashboard } from './startDashboard.js';
import { removeScratchDir, scratchDir } from '../../test/helpers/scratchDir.js';

const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));

test('dashboard in Chromium: a run started while the page is open appears, and its curve grows live', { timeout: 90_000 }, async (t) => {
  const browser = await launchChromium();
  if (typeof browser === 'string') {
    t.skip(browser);
    return;
  }
  t.after(() => browser.close());
  const d = scratchDir('supple-dash-');
  t.after(() => removeScratchDir(d));
  const runs = join(d, 'runs');
  mkdirSync(runs);
  const done = Array.from({ length: 10 }, (_, i) => 0.8 - 0.02 * i);
  writeSyntheticRun({ dir: join(runs, 'finished'), seed: 0, methods: ['bp'], accuracy: done, complete: true });

  const server = await startDashboard({ folders: [runs], port: 0 });
  t.after(() => server.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  const external: string[] = [];
  page.on('request', (q) => { if (!q.url().startsWith(server.url)) external.push(q.url()); });
  await page.goto(server.url);
  await page.locator('tr[data-run="runs/finished"]').waitFor({ timeout: 10_000 });
  const chart = page.locator('.chart[data-key="online/accuracy"]');
  await chart.waitFor({ timeout: 10_000 });
  assert.equal(await chart.getAttribute('data-points'), String(done.length), 'the finished run is drawn');

  // A real run, in its own process, writing into the served folder, long enough to be still running when it is
  // stopped below (400 tasks once completed first, in a CI run: exit 0, not 130).
  const child = spawn(process.execPath, [cli, 'run', 'permuted-mnist', '--set', 'dataset=digits', '--set', 'tasks=10000', '--set', 'examplesPerTask=300', '--out', join(runs, 'live'), '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SUPPLE_THREADS: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  t.after(() => child.kill('SIGKILL'));

  await page.locator('tr[data-run="runs/live"]').waitFor({ timeout: 30_000 });
  const points = async () => Number(await chart.getAttribute('data-points'));
  const grows = async (above: number) => {
    const deadline = Date.now() + 30_000;
    while ((await points()) <= above) {
      if (Date.now() > deadline) assert.fail(`the curve did not grow past ${above} points in 30 s (${stderr})`);
      await page.waitForTimeout(100);
    }
    return points();
  };
  const first = await grows(done.length);
  const second = await grows(first);
  const third = await grows(second);
  assert.ok(third > second && second > first && first > done.length, `${done.length} -> ${first} -> ${second} -> ${third} points`);
  assert.equal(await chart.getAttribute('data-series'), '2', 'both runs are drawn');
  assert.match((await page.locator('tr[data-run="runs/live"]').textContent()) ?? '', /running/);

  // Ctrl-C stops the run cleanly; its summary says so, and the table follows.
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr); // 128 + SIGINT, after a clean stop
  await page.locator('tr[data-run="runs/live"] .status', { hasText: 'stopped' }).waitFor({ timeout: 10_000 });
  if (process.env.SUPPLE_SCREENSHOTS) await page.screenshot({ path: join(process.env.SUPPLE_SCREENSHOTS, 'dashboard-test.png'), fullPage: true });
  assert.deepEqual(problems, []);
  assert.deepEqual(external, [], 'the page loads nothing from elsewhere');
});
