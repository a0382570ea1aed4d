import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSyntheticRun } from '../../test/helpers/syntheticRuns.js';
import { writeReport } from './writeReport.js';
import { scratchDir } from '../../test/helpers/scratchDir.js';

const provenance = (seed: number) => ({ supple: '9.9.9', git: { commit: 'abcdef0123456789', dirty: true }, host: `host-${seed}`, os: 'linux', node: '20.0.0', backend: 'wasm', command: ['supple', 'run', '--seed', String(seed)], cwd: '/x', startedAt: '2026-01-01T00:00:00Z' });

test('report: flat panels left out and named, glossary linked from figures and columns, provenance block, one condition despite provenance', async () => {
  const d = scratchDir('supple-panels-');
  for (const seed of [0, 1]) {
    writeSyntheticRun({
      dir: join(d, 'runs', 'cbp', `s${seed}`), seed, methods: ['cbp'], accuracy: [0.5, 0.6, 0.7], config: { provenance: provenance(seed) },
      probes: { 'diag/deadFraction/h1': [0.1, 0.2, 0.3 + seed / 10], 'diag/linearFraction/h1': [0, 0, 0] },
      methodMetrics: { 'method/replaced/h1': [0, 0, 0], 'method/replaced/h2': [1, 2 + seed, 4] },
    });
  }
  const r = await writeReport([join(d, 'runs')], join(d, 'report'));
  assert.equal(r.conditions.length, 1, 'provenance differs between the seeds but does not split them');
  const html = readFileSync(r.html, 'utf8');
  const plasticity = JSON.stringify(JSON.parse(readFileSync(join(d, 'report', 'summary.json'), 'utf8')));
  assert.ok(plasticity.includes('plasticity'));
  const svg = readFileSync(join(d, 'report', 'plasticity.svg'), 'utf8');
  assert.match(svg, /Dead units/);
  assert.doesNotMatch(svg, /Linear units/);
  assert.match(html, /Not drawn, the same value in every run and at every point: Linear units, h1 \(0\)|Not drawn, the same value in every run and at every point: Linear units \(0\)/);
  const methods = readFileSync(join(d, 'report', 'method-metrics.svg'), 'utf8');
  assert.match(methods, /Units replaced, h2/);
  assert.doesNotMatch(methods, /Units replaced, h1/);
  // Every figure links its keys to the glossary, whose entries exist on the page.
  const links = [...html.matchAll(/href="#g-([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(links.includes('online-accuracy') && links.includes('diag-deadFraction'));
  for (const id of new Set(links)) assert.match(html, new RegExp(`<dt id="g-${id}">`), id);
  assert.match(html, /Unit: fraction of examples/);
  assert.equal((html.match(/<div class="keys">/g) ?? []).length, r.figures.length);
  assert.match(html, /<h2 id="provenance">Provenance<\/h2>/);
  assert.match(html, /abcdef012345 \(uncommitted changes\)/);
  assert.match(html, /supple run --seed 1/);
  assert.match(html, /host-1/);
  for (const f of r.figures) assert.ok(f.png && f.svg, `${f.name}: PNG and SVG`);
});
