import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSyntheticRun } from '../../test/helpers/syntheticRuns.js';
import { writeReport } from './writeReport.js';
import { removeScratchDir, scratchDir } from '../../test/helpers/scratchDir.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = scratchDir('supple-report-');
  t.after(() => removeScratchDir(dir));
  return dir;
}

const close = (a: unknown, b: number, eps = 1e-9) => assert.ok(typeof a === 'number' && Math.abs(a - b) < eps, `${String(a)} != ${b}`);

/**
 * The small case computed by hand. bp, 3 seeds, online accuracy per task:
 *   seed 0: .9 .8 .7 .6   seed 1: .8 .8 .6 .5   seed 2: .7 .5 .5 .4
 * -> task 0: mean .8, SE .1/sqrt(3); task 3: mean .5, SE .1/sqrt(3).
 * cbp, 2 seeds: seed 0: .9 .9 .9 .9; seed 1 killed after 3 tasks (partial line, no summary): .7 .8 .9
 * -> tasks 0..2 only: task 0 mean .8, SE .1; task 2 mean .9, SE 0.
 * Dead fraction per layer at task ends (bp), averaged over layers h1, h2 per seed then over seeds.
 */
function writeSmallCase(d: string) {
  const bp = [[0.9, 0.8, 0.7, 0.6], [0.8, 0.8, 0.6, 0.5], [0.7, 0.5, 0.5, 0.4]];
  bp.forEach((accuracy, seed) => writeSyntheticRun({
    dir: join(d, 'bp', `seed${seed}`), seed, methods: ['bp'], accuracy, seconds: 2 + seed,
    probes: { 'diag/deadFraction/h1': [0, 0.1, 0.2, 0.3].map((v) => v * (seed + 1)), 'diag/deadFraction/h2': [0, 0.1, 0.2, 0.3], 'diag/effectiveRank/h1': [8, 7, 6, 5] },
  }));
  writeSyntheticRun({ dir: join(d, 'cbp', 'seed0'), seed: 0, methods: [{ name: 'cbp', rho: 1e-4 }], accuracy: [0.9, 0.9, 0.9, 0.9], edits: 3, methodMetrics: { 'method/replaced/h1': [1, 2, 3, 4] } });
  writeSyntheticRun({ dir: join(d, 'cbp', 'seed1'), seed: 1, methods: [{ name: 'cbp', rho: 1e-4 }], accuracy: [0.7, 0.8, 0.9], methodMetrics: { 'method/replaced/h1': [1, 2, 3] }, complete: false, partialLastLine: true, configuredTasks: 4 });
}

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trim().split('\n');
  const keys = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [keys[i]!, v])));
}

/** A minimal well-formedness check of an SVG document: one <svg> root, tags balanced. */
function assertSvg(svg: string, name: string) {
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*\sviewBox="0 0 \d+(\.\d+)? \d+(\.\d+)?"/, `${name}: SVG root`);
  assert.ok(svg.trimEnd().endsWith('</svg>'), `${name}: closed`);
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) assert.equal(stack.pop(), m[2], `${name}: </${m[2]}> closes the wrong tag`);
    else stack.push(m[2]!);
  }
  assert.deepEqual(stack, [], `${name}: unclosed tags`);
  assert.ok(/<path|<line/.test(svg), `${name}: draws something`);
}

test('report of a small case: means and standard errors by hand, files on disk', async (t) => {
  const d = tempDir(t);
  writeSmallCase(join(d, 'runs'));
  const out = join(d, 'report');
  const r = await writeReport([join(d, 'runs')], out, { finalFraction: 0.25 });

  assert.deepEqual(r.conditions.map((c) => c.label), ['bp', 'cbp']);
  const [bp, cbp] = r.conditions;
  assert.deepEqual(bp!.seeds, [0, 1, 2]);
  assert.equal(cbp!.complete, 1);
  // Final online accuracy: the last 25% of tasks = task 3 for bp; task 2 for cbp (the tasks both seeds reached).
  const bpFinal = bp!.final['task:online/accuracy']!;
  close(bpFinal.mean, 0.5);
  close(bpFinal.se, 0.1 / Math.sqrt(3));
  assert.deepEqual([bpFinal.from, bpFinal.to, bpFinal.n], [3, 3, 3]);
  const cbpFinal = cbp!.final['task:online/accuracy']!;
  close(cbpFinal.mean, 0.9);
  close(cbpFinal.se, 0);
  assert.deepEqual([cbpFinal.to, cbpFinal.n], [2, 2]);
  // Dead fraction at task 3: per seed mean of h1 = .3(s+1) and h2 = .3 -> .3, .45, .6 -> mean .45, SE .15/sqrt(3).
  const dead = bp!.final['probe:diag/deadFraction']!;
  close(dead.mean, 0.45);
  close(dead.se, 0.15 / Math.sqrt(3));
  // Seconds per run (complete runs): 2, 3, 4.
  close(bp!.seconds!.mean, 3);
  close(bp!.seconds!.se, 1 / Math.sqrt(3));

  // The curves, point by point.
  const series = parseCsv(readFileSync(join(out, 'series.csv'), 'utf8'));
  const point = (cond: string, metric: string, x: number) => series.find((p) => p.condition === cond && p.metric === metric && Number(p.x) === x);
  close(Number(point('bp', 'task:online/accuracy', 0)!.mean), 0.8);
  close(Number(point('bp', 'task:online/accuracy', 0)!.se), 0.1 / Math.sqrt(3));
  assert.equal(point('bp', 'task:online/accuracy', 0)!.n_seeds, '3');
  close(Number(point('cbp', 'task:online/accuracy', 0)!.se), 0.1);
  assert.equal(point('cbp', 'task:online/accuracy', 3), undefined, 'task 3 was reached by one cbp seed only');

  const summary = parseCsv(readFileSync(join(out, 'summary.csv'), 'utf8'));
  close(Number(summary.find((s) => s.condition === 'bp' && s.metric === 'task:online/accuracy')!.mean), 0.5);
  const json = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(json.conditions.length, 2);
  assert.equal(json.options.finalFraction, 0.25);

  // Warnings: the killed run is named.
  assert.ok(r.warnings.some((w) => w.includes('last line is incomplete') && w.includes(join(d, 'runs', 'cbp', 'seed1'))));
  assert.ok(r.warnings.some((w) => w.startsWith('cbp: 1 of 2 runs have no complete summary.json')));
  assert.ok(!r.warnings.some((w) => w.startsWith('figure ')), r.warnings.join('\n'));

  // Figures: the ones the data supports, each an SVG and a PNG.
  const names = r.figures.map((f) => f.name);
  for (const n of ['online-accuracy', 'plasticity', 'diag-deadfraction-by-layer', 'method-metrics', 'final']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  assert.ok(!names.includes('error-per-bin'));
  for (const f of r.figures) {
    assertSvg(readFileSync(f.svg, 'utf8'), f.name);
    const png = readFileSync(f.png!);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${f.name}.png signature`);
    assert.ok(png.length > 5000, `${f.name}.png has content`);
  }

  // One self-contained page: every figure inlined, nothing loaded from elsewhere.
  const html = readFileSync(r.html, 'utf8');
  assert.equal(html.match(/<svg /g)?.length, r.figures.length);
  assert.ok(!/<script|<img|<iframe|<link rel="stylesheet"|@import|url\(http/i.test(html));
  assert.ok(!/\ssrc=/i.test(html));
  assert.ok(html.includes('bp') && html.includes('cbp') && html.includes('±'));
  assert.ok(html.includes(join(d, 'runs', 'cbp', 'seed1')), 'provenance names the run folders');
});

test('regression runs: error per bin of examples; options bin tasks and thin curves', async (t) => {
  const d = tempDir(t);
  for (const [name, slope] of [['bp', 1], ['cbp', 0]] as const) {
    for (const seed of [0, 1]) {
      writeSyntheticRun({
        dir: join(d, name, String(seed)), seed, methods: [name], loss: Array.from({ length: 40 }, () => 0.3), examplesPerTask: 10000,
        bins: { size: 40000, loss: Array.from({ length: 10 }, (_, i) => 0.1 + slope * 0.01 * i + 0.01 * seed) },
      });
    }
  }
  const r = await writeReport([d], join(d, 'report'), { binTasks: 2, maxPoints: 10, png: false });
  assert.deepEqual(r.figures.map((f) => f.name), ['error-per-bin', 'final']);
  assert.ok(r.figures.every((f) => f.png === null && existsSync(f.svg)));
  const bin = r.conditions[0]!.final['bin:bin/loss']!;
  // bp, last 10% of 10 bins = bin 10 (400000 examples): seeds .19 and .20.
  assert.deepEqual([bin.x, bin.to, bin.count], ['examples', 400000, 1]);
  close(bin.mean, 0.195);
  close(bin.se, 0.005);
  const series = parseCsv(readFileSync(join(d, 'report', 'series.csv'), 'utf8'));
  // Online loss per task, binned by 2 tasks (centers .5, 2.5, 4.5 ...: 20 points), thinned to at most 10 points
  // by averaging pairs of bins (x 1.5, 5.5, ...).
  const online = series.filter((p) => p.condition === 'bp' && p.metric === 'task:online/loss');
  assert.deepEqual(online.map((p) => Number(p.x)).slice(0, 3), [1.5, 5.5, 9.5]);
  assert.equal(online.length, 10);
  const svg = readFileSync(r.figures[0]!.svg, 'utf8');
  assert.ok(svg.includes('Examples seen') && svg.includes('Squared error per bin'));
  assert.ok(statSync(r.html).size > 1000);
});

test('bad report options are errors naming the option', async (t) => {
  const d = tempDir(t);
  writeSyntheticRun({ dir: join(d, 'a'), seed: 0, accuracy: [0.5] });
  await assert.rejects(writeReport([join(d, 'a')], join(d, 'r'), { binTasks: 0 }), /binTasks = 0 is not allowed: must be >= 1/);
  await assert.rejects(writeReport([join(d, 'a')], join(d, 'r'), { points: 'some' as never }), /points = "some" is not allowed: allowed: "all-seeds", "any-seed"/);
});

test("a report never writes a run's files: --out a run folder (or a sweep's) is refused and the run's summary.json stays", async (t) => {
  const d = tempDir(t);
  const run = join(d, 'a');
  writeSyntheticRun({ dir: run, seed: 0, accuracy: [0.5, 0.6] });
  const before = readFileSync(join(run, 'summary.json'), 'utf8');
  await assert.rejects(writeReport([run], run), /--out .*it holds config\.json: it is a run or sweep folder; a report never writes a run's files/);
  writeFileSync(join(d, 'sweep.json'), '{}');
  await assert.rejects(writeReport([run], d), /it holds sweep\.json/);
  assert.equal(readFileSync(join(run, 'summary.json'), 'utf8'), before);
  await writeReport([run], join(run, 'report'));
  assert.ok(existsSync(join(run, 'report', 'index.html')));
});
