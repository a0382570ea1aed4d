import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeSyntheticRun } from '../../test/helpers/syntheticRuns.js';
import { writeReport } from './writeReport.js';
import { removeScratchDir, scratchDir } from '../../test/helpers/scratchDir.js';

const chromiumPath = process.env.SUPPLE_CHROMIUM ?? '/usr/bin/chromium';

/** Runs that exercise every figure: online accuracy, diagnostics per layer, method counters, epochs and evals. */
function writeRuns(d: string) {
  const tasks = 30;
  for (const [method, decay] of [['bp', 0.008], ['cbp', 0], ['shrink-perturb', 0.002]] as const) {
    for (const seed of [0, 1, 2]) {
      const accuracy = Array.from({ length: tasks }, (_, t) => 0.9 - decay * t - 0.01 * seed + 0.005 * Math.sin(t + seed));
      writeSyntheticRun({
        dir: join(d, method, `seed${seed}`), seed, methods: [method], accuracy, epochs: 2, evalOffset: -0.03,
        probes: {
          'diag/deadFraction/h1': accuracy.map((a) => 1 - a), 'diag/deadFraction/h2': accuracy.map((a) => (1 - a) / 2),
          'diag/effectiveRank/h1': accuracy.map((a) => 100 * a), 'diag/weightMagnitude': accuracy.map((_, t) => 0.05 + decay * t),
        },
        methodMetrics: method === 'cbp' ? { 'method/replaced/h1': accuracy.map((_, t) => 3 * t) } : {},
        complete: !(method === 'cbp' && seed === 2), partialLastLine: method === 'cbp' && seed === 2,
      });
    }
  }
}

test('index.html opens in headless Chromium without errors or requests', { timeout: 180_000 }, async (t) => {
  if (!existsSync(chromiumPath)) {
    t.skip(`no Chromium at ${chromiumPath}: install Debian's package 'chromium' (apt-get install chromium) or set SUPPLE_CHROMIUM`);
    return;
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    t.skip('playwright-core is not installed (a devDependency: npm ci)');
    return;
  }
  const d = scratchDir('supple-report-');
  t.after(() => removeScratchDir(d));
  writeRuns(join(d, 'runs'));
  const r = await writeReport([join(d, 'runs')], join(d, 'report'));
  assert.ok(r.figures.length >= 6, r.figures.map((f) => f.name).join(', '));

  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (q) => problems.push(`failed request: ${q.url()}`));
    page.on('request', (q) => requests.push(q.url()));
    const url = pathToFileURL(r.html).href;
    const response = await page.goto(url, { waitUntil: 'load' });
    assert.ok(response?.ok(), 'the page loads');
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [url], 'the page loads nothing but itself');

    // Every figure is drawn at a readable size, and its own SVG file parses as SVG.
    const sizes = await page.$$eval('.plot svg', (svgs) => svgs.map((s) => { const b = s.getBoundingClientRect(); return [b.width, b.height]; }));
    assert.equal(sizes.length, r.figures.length);
    for (const [w, h] of sizes) assert.ok(w! > 300 && h! > 100, `figure drawn at ${w}x${h}`);
    for (const f of r.figures) {
      // A string, evaluated in the page (the DOM types are not part of this Node project's lib).
      const parsed = await page.evaluate(`(() => {
        const doc = new DOMParser().parseFromString(${JSON.stringify(readFileSync(f.svg, 'utf8'))}, 'image/svg+xml');
        return { root: doc.documentElement.nodeName, error: doc.getElementsByTagName('parsererror').length };
      })()`);
      assert.deepEqual(parsed, { root: 'svg', error: 0 }, f.name);
    }
    assert.equal(await page.locator('text=Warnings').count() > 0, true, 'the killed run is reported on the page');
    const shot = join(r.outDir, 'page.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.deepEqual([...readFileSync(shot).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  } finally {
    await browser.close();
  }
});
