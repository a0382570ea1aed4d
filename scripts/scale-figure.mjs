// The scale figure and table from `npm run bench -- --sections scale`: steps/s against hidden width, log-log, one
// line per backend and batch size, drawn with the report's renderer as PNG and SVG; and the markdown table for the
// README. Usage: npm run build && node scripts/scale-figure.mjs [bench/results.json] [--out docs/figures/scale-mlp]
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const oi = args.indexOf('--out');
const out = oi >= 0 ? args[oi + 1] : 'docs/figures/scale-mlp';
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--out') ?? 'bench/results.json';
const scale = JSON.parse(readFileSync(file, 'utf8')).scale;
if (!scale?.results?.length) {
  console.error(`${file} has no scale results: run \`npm run bench -- --sections scale\` first`);
  process.exit(1);
}
const { scaleFigureSpec, scaleTable } = await import('../dist/bench/scaleGrid.js');
const backends = ['ts', 'wasm', 'native', 'torch'].filter((b) => scale.results.some((r) => r.backend === b));
console.log(scaleTable(scale.results, backends));
const { renderFigure } = await import('../dist/src/report/renderFigure.js');
const fig = await renderFigure(scaleFigureSpec(scale.results));
writeFileSync(`${out}.svg`, fig.svg);
writeFileSync(`${out}.png`, fig.png);
console.error(`figure: ${out}.png, ${out}.svg${fig.warnings.length ? ` (warnings: ${fig.warnings.join('; ')})` : ''}`);
