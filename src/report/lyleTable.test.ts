import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRuns } from './loadRuns.js';
import { heatColor, lyleCell, lyleTable, meanSe, parseLyleLabel } from './lyleTable.js';
import { writeReport } from './writeReport.js';
import { removeScratchDir, scratchDir } from '../../test/helpers/scratchDir.js';

const close = (a: number | null | undefined, b: number, eps = 1e-9) => assert.ok(typeof a === 'number' && Math.abs(a - b) < eps, `${String(a)} != ${b}`);

/**
 * Fake run folders of a 2 x 2 x 2 study (interventions none / layer norm, archs mlp / vit, both targets), 3 seeds
 * each (one cell with 2), 4 draws: the loss at the end of draw d of seed s is base + slope * d + 0.1 * s.
 */
function writeStudy(dir: string) {
  const cells = [
    { iv: 'none', arch: 'mlp', target: 'categorical', base: 1, slope: 0.2, seeds: [0, 1, 2] },
    { iv: 'layer norm', arch: 'mlp', target: 'categorical', base: 1, slope: -0.1, seeds: [0, 1, 2] },
    { iv: 'none', arch: 'vit', target: 'categorical', base: 2, slope: 0, seeds: [0, 1] },
    { iv: 'layer norm', arch: 'vit', target: 'categorical', base: 0.5, slope: 0, seeds: [0, 1, 2] },
    { iv: 'none', arch: 'mlp', target: 'regression', base: 0.3, slope: 0.1, seeds: [0, 1, 2] },
    { iv: 'layer norm', arch: 'mlp', target: 'regression', base: 0.3, slope: 0, seeds: [0, 1, 2] },
    { iv: 'none', arch: 'vit', target: 'regression', base: 0.9, slope: -0.2, seeds: [0, 1, 2] },
    { iv: 'layer norm', arch: 'vit', target: 'regression', base: 0.2, slope: 0, seeds: [0, 1, 2] },
  ];
  for (const c of cells) {
    for (const seed of c.seeds) {
      const label = `${c.iv} / ${c.arch} / ${c.target}`;
      const run = join(dir, label.replace(/[^a-z]+/g, '_'), `s${seed}`);
      mkdirSync(run, { recursive: true });
      const config = { version: '0', preset: 'lyle-interventions-laptop', label, seed, benchmark: { name: 'random-labels', tasks: 4, target: c.target }, model: { arch: c.arch, layerNorm: c.iv === 'layer norm' }, methods: [{ name: 'bp' }] };
      writeFileSync(join(run, 'config.json'), JSON.stringify(config));
      const lines = [0, 1, 2, 3].map((d) => JSON.stringify({ step: (d + 1) * 10, task: d, 'train/loss': 9, 'eval/train/loss': c.base + c.slope * d + 0.1 * seed }));
      writeFileSync(join(run, 'metrics.jsonl'), `${lines.join('\n')}\n`);
      writeFileSync(join(run, 'summary.json'), JSON.stringify({ status: 'complete', steps: 40, seconds: 1 }));
    }
  }
}

test('lyle table: labels, mean and standard error by hand', () => {
  assert.deepEqual(parseLyleLabel('layer norm / vit / regression'), { intervention: 'layer norm', arch: 'vit', target: 'regression' });
  assert.equal(parseLyleLabel('bp'), null);
  assert.equal(parseLyleLabel('a / b'), null);
  const m = meanSe([1, 2, 3])!;
  close(m.mean, 2);
  close(m.se, 1 / Math.sqrt(3));
  assert.equal(meanSe([5])!.se, null);
  assert.equal(meanSe([]), null);
  assert.equal(heatColor(0, 0, 1), 'hsl(120, 65%, 86%)');
  assert.equal(heatColor(1, 0, 1), 'hsl(0, 65%, 80%)');
});

test('lyle table from fake run folders: initial and final loss per cell, over seeds; HTML links each cell to its figure', async (t) => {
  const d = scratchDir('supple-lyle-');
  t.after(() => removeScratchDir(d));
  writeStudy(join(d, 'runs'));
  const loaded = await loadRuns([join(d, 'runs')]);
  const table = lyleTable(loaded.runs, 2)!;
  assert.deepEqual(table.targets, ['categorical', 'regression']);
  assert.deepEqual(table.archs, ['mlp', 'vit']);
  assert.deepEqual(table.interventions, ['none', 'layer norm']);
  assert.equal(table.cells.length, 8);
  // none / mlp / categorical: seed s draws 1 + 0.2 d + 0.1 s; initial = mean of draws 0, 1 = 1.1 + 0.1 s, final = draws 2, 3 = 1.5 + 0.1 s.
  const c = lyleCell(table, 'categorical', 'mlp', 'none')!;
  close(c.initial!.mean, 1.2);
  close(c.final!.mean, 1.6);
  close(c.final!.se, 0.1 / Math.sqrt(3));
  assert.equal(c.final!.n, 3);
  assert.deepEqual(c.curve.map((p) => p.draw), [0, 1, 2, 3]);
  close(c.curve[3]!.mean, 1.7);
  close(c.curve[3]!.hi - c.curve[3]!.mean, 0.1 / Math.sqrt(3));
  // Two seeds: s.e. = sd / sqrt 2 = (0.1 / sqrt 2) / sqrt 2 = 0.05.
  const v = lyleCell(table, 'categorical', 'vit', 'none')!;
  close(v.final!.mean, 2.05);
  close(v.final!.se, 0.05);
  // A window of 1: the first and the last draw.
  const one = lyleCell(lyleTable(loaded.runs, 1)!, 'regression', 'vit', 'none')!;
  close(one.initial!.mean, 1.0);
  close(one.final!.mean, 0.4);

  const out = join(d, 'report');
  const r = await writeReport([join(d, 'runs')], out, { png: false, layers: false });
  const html = readFileSync(r.html, 'utf8');
  assert.match(html, /<h2 id="lyle-table">/);
  for (const cell of table.cells) {
    assert.ok(html.includes(`href="#${cell.id}"`), `a link to ${cell.id}`);
    assert.ok(html.includes(`<figure class="lyle-cell" id="${cell.id}">`), `the figure ${cell.id}`);
  }
  assert.ok(html.includes('1.600 ± 0.058'), 'the final loss of none / mlp / categorical');
  assert.match(html, /background:hsl\(/);
  const md = readFileSync(join(out, 'lyle-table.md'), 'utf8');
  assert.match(md, /\| none \| 1\.600 ± 0\.058 \(1\.200 ± 0\.058\) \| 2\.050 ± 0\.050 \(2\.050 ± 0\.050\) \|/);
  // Without the preset in the configs, the table appears only when asked for.
  const plain = await writeReport([join(d, 'runs')], join(d, 'report-none'), { png: false, layers: false, table: 'none' });
  assert.ok(!readFileSync(plain.html, 'utf8').includes('lyle-table'));
});

/**
 * Fake RL run folders of the classification-MDP column (config kind 'rl', as the RL runner writes it): none and layer
 * norm on both targets, 3 seeds, 4 target updates; the TD loss before update u (1..4) of seed s is base + slope * u
 * + 0.01 s. Other records (training, episodes) carry no target-fitting loss.
 */
function writeMdpRuns(dir: string) {
  const cells = [
    { iv: 'none', target: 'categorical', base: 1.3, slope: 0.05 },
    { iv: 'layer norm', target: 'categorical', base: 1.2, slope: -0.05 },
    { iv: 'none', target: 'regression', base: 0.02, slope: 0.01 },
    { iv: 'layer norm', target: 'regression', base: 0.01, slope: 0 },
  ];
  for (const c of cells) {
    for (const seed of [0, 1, 2]) {
      const label = `${c.iv} / classification-mdp / ${c.target}`;
      const run = join(dir, label.replace(/[^a-z]+/g, '_'), `s${seed}`);
      mkdirSync(run, { recursive: true });
      const config = { kind: 'rl', version: '0', preset: 'lyle-interventions-laptop', label, seed, benchmark: { name: 'classification-mdp', steps: 5000 }, algorithm: 'dqn', agent: { layerNorm: c.iv === 'layer norm' }, methods: [{ name: 'bp' }] };
      writeFileSync(join(run, 'config.json'), JSON.stringify(config));
      const lines = [1, 2, 3, 4].flatMap((u) => [
        JSON.stringify({ step: u * 1000 + 500, task: 0, 'dqn/tdLoss': 7, 'dqn/epsilon': 0.05 }),
        JSON.stringify({ step: u * 1000 + 1001, task: 0, 'dqn/targetUpdate': u, 'dqn/targetFitFinal': c.base + c.slope * u + 0.01 * seed, 'dqn/targetFitInitial': 9 }),
      ]);
      writeFileSync(join(run, 'metrics.jsonl'), `${lines.join('\n')}\n`);
      writeFileSync(join(run, 'summary.json'), JSON.stringify({ status: 'complete', steps: 5000, seconds: 1 }));
    }
  }
}

test('lyle table with the classification MDP: its own last column, TD loss per target update, own colour scale, cells linked to figures', async (t) => {
  const d = scratchDir('supple-lyle-mdp-');
  t.after(() => removeScratchDir(d));
  writeStudy(join(d, 'sweep'));
  writeMdpRuns(join(d, 'sweep'));
  const loaded = await loadRuns([join(d, 'sweep')]);
  const table = lyleTable(loaded.runs, 2)!;
  assert.deepEqual(table.archs, ['mlp', 'vit', 'classification-mdp']);
  assert.deepEqual(table.interventions, ['none', 'layer norm']);
  assert.equal(table.cells.length, 12);
  // none / MDP / categorical, seed s: 1.3 + 0.05 u + 0.01 s; initial = updates 1, 2 = 1.375 + 0.01 s; final = 3, 4 = 1.475 + 0.01 s.
  const c = lyleCell(table, 'categorical', 'classification-mdp', 'none')!;
  assert.equal(c.metric, 'dqn/targetFitFinal');
  close(c.initial!.mean, 1.385);
  close(c.final!.mean, 1.485);
  close(c.final!.se, 0.01 / Math.sqrt(3));
  assert.deepEqual(c.curve.map((p) => p.draw), [1, 2, 3, 4]);
  assert.equal(lyleCell(table, 'categorical', 'mlp', 'none')!.metric, 'eval/train/loss');
  // The supervised cells are as without the MDP runs.
  close(lyleCell(table, 'categorical', 'mlp', 'none')!.final!.mean, 1.6);

  const out = join(d, 'report');
  const r = await writeReport([join(d, 'sweep')], out, { png: false, layers: false });
  const html = readFileSync(r.html, 'utf8');
  for (const cell of table.cells) {
    assert.ok(html.includes(`href="#${cell.id}"`), `a link to ${cell.id}`);
    assert.ok(html.includes(`<figure class="lyle-cell" id="${cell.id}">`), `the figure ${cell.id}`);
  }
  // The column comes last in each table's header, after the architectures.
  assert.match(html, /<th>intervention<\/th><th>mlp<\/th><th>vit<\/th><th>classification-mdp \(DQN\)<\/th>/);
  assert.match(html, /<code>dqn\/targetFitFinal<\/code>/);
  // Own colour scale: the MDP's regression losses (0.01-0.06) are below every supervised one, yet its highest final
  // loss (none: 0.055 + 0.01) is red and its lowest (layer norm) green.
  const cellHtml = (cell: { id: string }) => html.slice(html.lastIndexOf('<td', html.indexOf(`href="#${cell.id}"`)), html.indexOf(`href="#${cell.id}"`));
  assert.match(cellHtml(lyleCell(table, 'regression', 'classification-mdp', 'layer norm')!), /background:hsl\(120,/);
  assert.match(cellHtml(lyleCell(table, 'regression', 'classification-mdp', 'none')!), /background:hsl\((0|[1-9]),/);
  const md = readFileSync(join(out, 'lyle-table.md'), 'utf8');
  assert.match(md, /\| intervention \| mlp \| vit \| classification-mdp \|/);
  assert.match(md, /\| none \| 1\.600 ± 0\.058 \(1\.200 ± 0\.058\) \| 2\.050 ± 0\.050 \(2\.050 ± 0\.050\) \| 1\.4850 ± 0\.0058 \(1\.3850 ± 0\.0058\) \|/);
  assert.match(md, /dqn\/targetFitFinal/);
});
