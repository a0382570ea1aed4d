import { formatMeanSe, formatMetric } from './describeMetric.js';
import type { ConditionSummary } from './summarizeConditions.js';
import type { GlossaryEntry } from './glossary.js';

/** Where and how one run was made (config.json's provenance), for the provenance block. */
export interface ProvenanceRow {
  readonly condition: string;
  readonly color: string;
  readonly seed: number | null;
  readonly supple: string;
  readonly git: string;
  readonly host: string;
  readonly os: string;
  readonly node: string;
  readonly backend: string;
  readonly command: string;
}

/** What the page shows; all of it is already computed. */
export interface ReportPage {
  readonly title: string;
  readonly generatedAt: Date;
  readonly versions: Readonly<Record<string, string>>;
  readonly benchmarks: readonly string[];
  readonly conditions: readonly ConditionSummary[];
  /** Final metrics shown as table columns (series ids, in order). */
  readonly tableMetrics: readonly string[];
  readonly figures: readonly { name: string; title: string; caption: string; svg: string; png: boolean; keys?: readonly GlossaryEntry[] }[];
  /** Definitions and units of the metrics on the page (linked from each figure and table column). */
  readonly glossary?: readonly GlossaryEntry[];
  /** The glossary entry of each table metric (series id -> entry). */
  readonly tableGlossary?: Readonly<Record<string, GlossaryEntry>>;
  readonly provenance?: readonly ProvenanceRow[];
  /** Config keys that differ between conditions (rows of the config table). */
  readonly differing: readonly string[];
  /** Config keys shared by all conditions, with their value. */
  readonly shared: readonly (readonly [string, string])[];
  readonly runs: readonly RunRow[];
  readonly warnings: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
  readonly finalFraction: number;
  /** Sections drawn elsewhere (HTML), shown before the conditions table: the Lyle table. */
  readonly sections?: readonly string[];
}

/** One run in the provenance table. */
export interface RunRow {
  readonly condition: string;
  readonly color: string;
  readonly seed: number | null;
  readonly status: string;
  readonly steps: number | null;
  readonly examples: number;
  readonly seconds: number | null;
  readonly edits: number;
  readonly backend: string;
  readonly version: string;
  readonly startedAt: Date | null;
  readonly updatedAt: Date | null;
  readonly path: string;
}

const esc = (s: unknown) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const swatch = (color: string) => `<span class="sw" style="background:${esc(color)}"></span>`;
const date = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC') : '—');
const int = (v: number | null) => (v === null ? '—' : Math.round(v).toLocaleString('en-US'));

/** Give every id of an inlined SVG a prefix (and its references), so that several SVGs can share one page. */
export function prefixSvgIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]!);
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (all, lead: string, id: string) => (ids.has(id) ? `${lead}${prefix}${id}` : all));
}

/** The report as one HTML page: figures inlined as SVG, no scripts, no external resources. */
export function reportHtml(p: ReportPage): string {
  const nRuns = p.runs.length;
  const metricCols = p.tableMetrics.filter((id) => p.conditions.some((c) => c.final[id]));
  const metricTitle = (id: string) => p.conditions.map((c) => c.final[id]).find((f) => f)!;
  const metricHead = (id: string) => (p.tableGlossary?.[id] ? `<a class="key" href="#g-${esc(p.tableGlossary[id]!.id)}">${esc(metricTitle(id).title)}</a>` : esc(metricTitle(id).title));
  const cell = (c: ConditionSummary, id: string) => {
    const f = c.final[id];
    return f ? `<span class="v">${esc(formatMeanSe(f.mean, f.se, f.format))}</span><div class="sub">${esc(windowText(f.x, f.from, f.to, f.count))}</div>` : '—';
  };
  // Many metrics and few conditions: one row per metric, so that the table fits the page's width.
  const transposed = metricCols.length > 5 && metricCols.length > p.conditions.length;
  const conditionsTable = transposed ? `
<table class="num">
<thead><tr><th></th>${p.conditions.map((c) => `<th>${swatch(c.color)}${esc(c.label)}</th>`).join('')}</tr></thead>
<tbody>
<tr><td class="l">Seeds</td>${p.conditions.map((c) => `<td>${c.seeds.length}${seedList(c.seeds)}</td>`).join('')}</tr>
<tr><td class="l">Complete</td>${p.conditions.map((c) => `<td>${c.complete}/${c.seeds.length}</td>`).join('')}</tr>
${metricCols.map((id) => `<tr><td class="l">${metricHead(id)}</td>${p.conditions.map((c) => `<td>${cell(c, id)}</td>`).join('')}</tr>`).join('\n')}
<tr><td class="l">Seconds per run</td>${p.conditions.map((c) => `<td>${c.seconds ? esc(formatMeanSe(c.seconds.mean, c.seconds.se, ',.4~g')) : '—'}</td>`).join('')}</tr>
<tr><td class="l">Examples/s</td>${p.conditions.map((c) => `<td>${c.examplesPerSecond ? esc(int(c.examplesPerSecond.mean)) : '—'}</td>`).join('')}</tr>
</tbody>
</table>` : `
<table class="num">
<thead><tr><th>Condition</th><th>Seeds</th><th>Complete</th>${metricCols.map((id) => `<th>${p.tableGlossary?.[id] ? `<a class="key" href="#g-${esc(p.tableGlossary[id]!.id)}">${esc(metricTitle(id).title)}</a>` : esc(metricTitle(id).title)}</th>`).join('')}<th>Seconds per run</th><th>Examples/s</th></tr></thead>
<tbody>
${p.conditions.map((c) => `<tr><td class="l">${swatch(c.color)}${esc(c.label)}</td><td>${c.seeds.length}${seedList(c.seeds)}</td><td>${c.complete}/${c.seeds.length}</td>${metricCols.map((id) => {
    const f = c.final[id];
    return `<td>${f ? `${esc(formatMeanSe(f.mean, f.se, f.format))}<div class="sub">${esc(windowText(f.x, f.from, f.to, f.count))}</div>` : '—'}</td>`;
  }).join('')}<td>${c.seconds ? esc(formatMeanSe(c.seconds.mean, c.seconds.se, ',.4~g')) : '—'}</td><td>${c.examplesPerSecond ? esc(int(c.examplesPerSecond.mean)) : '—'}</td></tr>`).join('\n')}
</tbody>
</table>
<p class="note">Mean ± standard error over seeds. Final numbers: each seed's mean over the last ${Math.round(p.finalFraction * 100)}% of its curve (the window under each number, over the x values every seed reached), then over seeds. Full numbers in <a href="summary.csv">summary.csv</a> and <a href="summary.json">summary.json</a>; every curve point in <a href="series.csv">series.csv</a>.</p>`;

  const figures = p.figures.map((f, i) => `
<figure id="fig-${esc(f.name)}">
<h3>${i + 1}. ${esc(f.title)}</h3>
<div class="plot">${prefixSvgIds(stripXmlHeader(f.svg), `f${i}-`)}</div>
<figcaption>${esc(f.caption)} <span class="files"><a href="${esc(f.name)}.svg">SVG</a>${f.png ? ` · <a href="${esc(f.name)}.png">PNG</a>` : ''}</span>${f.keys?.length ? `<div class="keys">Keys: ${f.keys.map((k) => `<a class="key" href="#g-${esc(k.id)}">${esc(k.term)}</a>${k.unit ? ` <span class="unit">(${esc(k.unit)})</span>` : ''}`).join('; ')}</div>` : ''}</figcaption>
</figure>`).join('\n');

  const configTable = p.differing.length
    ? `<table>
<thead><tr><th>Key</th>${p.conditions.map((c) => `<th>${swatch(c.color)}${esc(c.label)}</th>`).join('')}</tr></thead>
<tbody>
${p.differing.map((k) => `<tr><td class="l"><code>${esc(k)}</code></td>${p.conditions.map((c) => `<td><code>${esc(c.settings[k] ?? '—')}</code></td>`).join('')}</tr>`).join('\n')}
</tbody>
</table>`
    : '<p>All runs share one config (but for the seed).</p>';

  const runsTable = `<table class="num fit">
<thead><tr><th>Condition</th><th>Seed</th><th>Status</th><th>Steps</th><th>Examples</th><th>Seconds</th><th>Edits</th><th>Backend</th><th>Version</th><th>Started</th><th>Last write</th></tr></thead>
<tbody>
${p.runs.map((r) => `<tr><td class="l path">${swatch(r.color)}${esc(r.condition)}<div><code>${esc(r.path)}</code></div></td><td>${r.seed ?? '—'}</td><td class="l${r.status === 'complete' ? '' : ' warn'}">${esc(r.status)}</td><td>${int(r.steps)}</td><td>${int(r.examples)}</td><td>${r.seconds === null ? '—' : esc(formatMetric(r.seconds, ',.4~g'))}</td><td>${int(r.edits)}</td><td>${esc(r.backend)}</td><td>${esc(r.version)}</td><td class="t">${date(r.startedAt)}</td><td class="t">${date(r.updatedAt)}</td></tr>`).join('\n')}
</tbody>
</table>`;

  const glossary = p.glossary?.length
    ? `<dl class="glossary">${p.glossary.map((g) => `<dt id="g-${esc(g.id)}">${esc(g.term)}</dt><dd>${esc(g.definition)}${g.unit ? ` <span class="unit">Unit: ${esc(g.unit)}.</span>` : ''}</dd>`).join('\n')}</dl>`
    : '';
  const prov = p.provenance ?? [];
  const provTable = prov.length ? `<table class="fit">
<thead><tr><th>Condition</th><th>Seed</th><th>supple</th><th>Git commit</th><th>Host</th><th>Node</th><th>Backend</th><th>Command line</th></tr></thead>
<tbody>
${prov.map((r) => `<tr><td class="l">${swatch(r.color)}${esc(r.condition)}</td><td>${r.seed ?? '—'}</td><td>${esc(r.supple)}</td><td><code>${esc(r.git)}</code></td><td>${esc(r.host)}<div class="sub">${esc(r.os)}</div></td><td>${esc(r.node)}</td><td>${esc(r.backend)}</td><td class="cmd"><code>${esc(r.command)}</code></td></tr>`).join('\n')}
</tbody>
</table>` : '';
  const warnings = p.warnings.length
    ? `<section class="warnings"><h2>Warnings (${p.warnings.length})</h2><ul>${p.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></section>`
    : '';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="supple ${esc(p.versions.supple ?? '')}">
<link rel="icon" href="data:,">
<title>${esc(p.title)}</title>
<style>
:root { color-scheme: light; }
body { margin: 0; font: 15px/1.5 Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; color: #1b1b1b; background: #fff; }
main { max-width: 1280px; margin: 0 auto; padding: 28px 32px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #e3e3e3; }
h3 { font-size: 15px; margin: 0 0 6px; }
.meta, .note, figcaption, .sub, footer { color: #555; }
.meta { margin: 0 0 8px; }
.note { font-size: 13px; max-width: 900px; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { padding: 5px 10px; border-bottom: 1px solid #ececec; vertical-align: top; text-align: left; }
th { font-weight: 600; border-bottom: 1px solid #bbb; background: #fafafa; }
table.num td { text-align: right; font-variant-numeric: tabular-nums; }
table.num td.l, td.l { text-align: left; }
td.l, td.t, th { white-space: nowrap; }
.sub { font-size: 11px; }
.seeds { color: #777; font-size: 11px; }
td.path code { font-size: 11px; color: #555; }
td.warn { color: #a15c00; }
.sw { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 7px; vertical-align: -1px; }
figure { margin: 22px 0 30px; }
.plot svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; max-width: 980px; margin-top: 6px; }
.files { white-space: nowrap; margin-left: 4px; }
a { color: #2f5f96; }
.warnings { background: #fff8e6; border: 1px solid #f0d9a0; border-radius: 4px; padding: 2px 16px 8px; margin-top: 16px; }
.warnings h2 { border: 0; margin-top: 12px; font-size: 16px; }
.warnings li { font-size: 13px; word-break: break-word; }
details { margin: 10px 0; }
summary { cursor: pointer; color: #333; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
footer { font-size: 12px; margin-top: 40px; border-top: 1px solid #e3e3e3; padding-top: 10px; }
.scroll { overflow-x: auto; }
table { max-width: 100%; }
td.l, th { white-space: normal; }
td.path code { word-break: break-all; }
td.cmd code { overflow-wrap: anywhere; }
td.path { min-width: 200px; }
td.t { white-space: normal; min-width: 84px; }
table.fit { table-layout: auto; width: 100%; }
td.cmd { min-width: 260px; }
.keys { margin-top: 4px; font-size: 12px; }
span.v { white-space: nowrap; }
a.key { color: #2f5f96; text-decoration: none; border-bottom: 1px dotted #2f5f96; }
th a.key { color: inherit; border-bottom-color: #777; }
.unit { color: #777; }
dl.glossary { font-size: 13px; max-width: 980px; }
dl.glossary dt { font-weight: 600; margin-top: 10px; }
dl.glossary dd { margin: 2px 0 0 18px; }
:target { background: #fff6d6; }
</style>
</head>
<body>
<main>
<h1>${esc(p.title)}</h1>
<p class="meta">${nRuns} run${nRuns === 1 ? '' : 's'} in ${p.conditions.length} condition${p.conditions.length === 1 ? '' : 's'}${p.benchmarks.length ? ` · ${esc(p.benchmarks.join(', '))}` : ''} · generated ${date(p.generatedAt)} by supple ${esc(p.versions.supple ?? '?')}</p>
${warnings}
${(p.sections ?? []).join('\n')}
<h2>Conditions</h2>
<div class="scroll">${conditionsTable}</div>
<h2>Figures</h2>
${figures || '<p>No metrics recorded yet.</p>'}
<h2>Configuration</h2>
<p class="note">Keys whose values differ between conditions; a condition's runs differ only in their seed.</p>
<div class="scroll">${configTable}</div>
<details><summary>Keys shared by every condition (${p.shared.length})</summary>
<table><tbody>
${p.shared.map(([k, v]) => `<tr><td class="l"><code>${esc(k)}</code></td><td><code>${esc(v)}</code></td></tr>`).join('\n')}
</tbody></table>
</details>
<h2>Runs</h2>
<div class="scroll">${runsTable}</div>
${provTable ? `<h2 id="provenance">Provenance</h2>
<p class="note">Where and how each run was started (config.json's <code>provenance</code>; not part of the config's identity).</p>
${prov.length > 12 ? `<details><summary>${prov.length} runs</summary>${provTable}</details>` : provTable}` : ''}
${glossary ? `<h2 id="glossary">Glossary</h2>
<p class="note">What each plotted key measures and in which unit; every figure links here.</p>
${glossary}` : ''}
<footer>
Generated ${date(p.generatedAt)} by ${Object.entries(p.versions).map(([k, v]) => `${esc(k)} ${esc(v)}`).join(', ')}.
Report options: <code>${esc(JSON.stringify(p.options))}</code>.
</footer>
</main>
</body>
</html>
`;
}

function seedList(seeds: readonly (number | null)[]): string {
  const s = seeds.filter((x): x is number => x !== null);
  return s.length ? `<div class="seeds">${esc(compactRange(s))}</div>` : '';
}

/** [0,1,2,3,7] -> "seeds 0–3, 7". */
function compactRange(xs: readonly number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(j > i + 1 ? `${s[i]}–${s[j]}` : j === i + 1 ? `${s[i]}, ${s[j]}` : `${s[i]}`);
    i = j + 1;
  }
  return `seed${s.length === 1 ? '' : 's'} ${parts.join(', ')}`;
}

function windowText(x: string, from: number, to: number, count: number): string {
  const unit = x === 'task' ? 'tasks' : x === 'epoch' ? 'epochs' : x === 'examples' ? 'examples' : 'steps';
  const f = (v: number) => (x === 'examples' || x === 'step' ? compactNumber(v) : String(v));
  return count === 1 ? `${unit.replace(/s$/, '')} ${f(to)}` : `${unit} ${f(from)}–${f(to)}`;
}

function compactNumber(v: number): string {
  if (Math.abs(v) >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (Math.abs(v) >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(v);
}

function stripXmlHeader(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}
