// The classification-MDP table in the layout of Lyle et al.'s slide (intervention x target-fitting loss, mean ± s.e.
// over seeds) and a figure, from run folders named <condition>-s<seed> (or any folders: the condition is read from
// config.json's label). Usage: npm run build && node scripts/classification-mdp-table.mjs DIR [--figure out.png]
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/classification-mdp-table.mjs DIR [--figure out.png]');
  process.exit(2);
}
const fi = process.argv.indexOf('--figure');
const figure = fi > 0 ? process.argv[fi + 1] : null;

const runs = [];
for (const name of readdirSync(dir)) {
  const p = join(dir, name);
  if (!existsSync(join(p, 'summary.json'))) continue;
  const config = JSON.parse(readFileSync(join(p, 'config.json'), 'utf8'));
  const rows = readFileSync(join(p, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  runs.push({ label: config.label ?? config.methods.map((m) => m.name).join('+'), seed: config.seed, rows });
}
const order = ['none', 'reset-last-layer', 'weight-decay', 'layernorm', 'shrink-perturb', 'redo', 'categorical'];
const labels = [...new Set(runs.map((r) => r.label))].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const se = (xs) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1) / xs.length) : NaN);
const fmt = (xs, d = 3) => `${mean(xs).toFixed(d)} ± ${se(xs).toFixed(d)}`;
const series = (rows, key) => rows.filter((r) => r[key] !== undefined).map((r) => r[key]);

console.log('| intervention | seeds | final loss, first 3 targets | final loss, last 3 targets | initial loss, last 3 targets | greedy accuracy (end) | dormant fraction (end) |');
console.log('|---|---|---|---|---|---|---|');
const fig = [];
for (const label of labels) {
  const rs = runs.filter((r) => r.label === label);
  const first = [], last = [], init = [], acc = [], dormant = [];
  for (const r of rs) {
    const fin = series(r.rows, 'dqn/targetFitFinal'), ini = series(r.rows, 'dqn/targetFitInitial');
    first.push(mean(fin.slice(0, 3)));
    last.push(mean(fin.slice(-3)));
    init.push(mean(ini.slice(-3)));
    acc.push(series(r.rows, 'dqn/greedyAccuracy').at(-1));
    dormant.push(series(r.rows, 'diag/dormantFraction/q').at(-1));
    for (const row of r.rows) {
      // A categorical head's loss is a cross-entropy: not on the MSE conditions' scale, so only its dormant units are drawn.
      if (row['dqn/targetFitFinal'] !== undefined && label !== 'categorical') fig.push({ condition: label, seed: r.seed, step: row.step, panel: 'target-fitting MSE (before each target update)', value: row['dqn/targetFitFinal'] });
      if (row['diag/dormantFraction/q'] !== undefined) fig.push({ condition: label, seed: r.seed, step: row.step, panel: 'dormant fraction (tau 0.1)', value: row['diag/dormantFraction/q'] });
    }
  }
  console.log(`| ${label} | ${rs.length} | ${fmt(first)} | ${fmt(last)} | ${fmt(init)} | ${fmt(acc)} | ${fmt(dormant)} |`);
}

if (figure) {
  const { renderFigure } = await import('../dist/src/report/renderFigure.js');
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values: fig },
    facet: { column: { field: 'panel', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 360,
      height: 240,
      layer: [
        {
          mark: { type: 'line' },
          encoding: {
            x: { field: 'step', type: 'quantitative', title: 'environment steps' },
            y: { aggregate: 'mean', field: 'value', type: 'quantitative', title: 'mean over seeds' },
            color: { field: 'condition', type: 'nominal', sort: order },
          },
        },
      ],
    },
  };
  const out = await renderFigure(spec);
  writeFileSync(figure, out.png);
  console.error(`figure: ${figure}${out.warnings.length ? ` (warnings: ${out.warnings.join('; ')})` : ''}`);
}
