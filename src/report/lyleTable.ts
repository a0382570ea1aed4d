// Lyle et al.'s interventions x architectures table: rows = interventions, columns = architectures (and the
// classification MDP), one table per target-fitting loss; each cell the final (and initial) target-fitting loss,
// mean ± s.e. over seeds.
import { LYLE_MDP_COLUMN, lyleInterventions, lyleTargets } from '../experiment/presets.js';
import { formatMeanSe } from './describeMetric.js';
import { meanAndSe } from './aggregate.js';
import { FIGURE_CONFIG, type VegaLiteSpec } from './figureSpecs.js';
import type { RunData } from './RunFolder.js';

/** The metric a cell reads: the loss on the fitting set, evaluated at the end of each draw (task). */
export const LYLE_METRIC = 'eval/train/loss';

/**
 * The metric a cell of an RL run (the classification MDP's DQN) reads: the TD loss against the target network just
 * before each target update (the fit of the target it was chasing), one value per target update.
 */
export const LYLE_MDP_METRIC = 'dqn/targetFitFinal';
/** The record key that numbers the MDP's target updates (its "draws"). */
const MDP_TARGET_UPDATE = 'dqn/targetUpdate';

/** Architectures in the order of the table's columns (others follow in the order met; the MDP last). */
const ARCH_ORDER = ['mlp', 'conv-net', 'resnet18', 'vit'];

/** A mean over seeds with its standard error (null with one seed). */
export interface MeanSe {
  readonly mean: number;
  readonly se: number | null;
  readonly n: number;
}

/** One point of a cell's curve: the loss at the end of draw `draw` (MDP: target update), over the seeds that reached it. */
export interface LylePoint {
  readonly draw: number;
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
}

/** One cell of the table: an intervention on an architecture with a target. */
export interface LyleCell {
  readonly intervention: string;
  readonly arch: string;
  readonly target: string;
  /** The record key the cell reads ({@link LYLE_METRIC}, or {@link LYLE_MDP_METRIC} for RL runs). */
  readonly metric: string;
  /** Anchor of the cell's figure in the HTML report. */
  readonly id: string;
  readonly seeds: readonly (number | null)[];
  /** Mean over the first `window` draws of each seed, then over seeds. */
  readonly initial: MeanSe | null;
  /** Mean over the last `window` draws of each seed, then over seeds. */
  readonly final: MeanSe | null;
  readonly curve: readonly LylePoint[];
}

/** The whole study: its axes in display order and its cells. */
export interface LyleTable {
  readonly targets: readonly string[];
  readonly archs: readonly string[];
  readonly interventions: readonly string[];
  readonly cells: readonly LyleCell[];
  /** Draws averaged for the initial and the final number (per seed). */
  readonly window: number;
}

/** "layer norm / vit / regression" -> its three parts, or null for a label of another shape. */
export function parseLyleLabel(label: unknown): { intervention: string; arch: string; target: string } | null {
  if (typeof label !== 'string') return null;
  const parts = label.split(' / ');
  if (parts.length !== 3 || parts.some((p) => p.trim() === '')) return null;
  return { intervention: parts[0]!.trim(), arch: parts[1]!.trim(), target: parts[2]!.trim() };
}

/** Whether the runs come from a lyle-interventions preset (the report then draws the table by itself). */
export function isLyleStudy(runs: readonly RunData[]): boolean {
  return runs.some((r) => typeof r.config.preset === 'string' && r.config.preset.startsWith('lyle-interventions'));
}

/** Mean and standard error (aggregate's `meanAndSe`) of the finite values; null when there are none. */
export function meanSe(values: readonly number[]): MeanSe | null {
  const v = values.filter(Number.isFinite);
  return v.length === 0 ? null : meanAndSe(v);
}

/** Whether a run is an RL run (config.json's kind 'rl': the classification MDP's DQN), whose cells read {@link LYLE_MDP_METRIC}. */
function isRlRun(r: RunData): boolean {
  return r.config.kind === 'rl';
}

/**
 * The loss at the end of each draw of a run: draw index -> the last value recorded for it. For an RL run a draw is a
 * target update (numbered from 1, as recorded).
 */
function drawLosses(r: RunData): Map<number, number> {
  const out = new Map<number, number>();
  const rl = isRlRun(r);
  for (const rec of r.records) {
    const v = rec[rl ? LYLE_MDP_METRIC : LYLE_METRIC];
    const at = rl ? rec[MDP_TARGET_UPDATE] : rec.task;
    if (typeof v === 'number' && Number.isFinite(v) && typeof at === 'number') out.set(at, v);
  }
  return out;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

const ordered = (met: readonly string[], known: readonly string[]) => [...known.filter((k) => met.includes(k)), ...met.filter((m) => !known.includes(m))];

/**
 * Builds the table from run folders labelled "intervention / architecture / target" (the lyle-interventions
 * presets' conditions); runs with other labels are left out. Per seed, the initial number is the mean loss at the end
 * of the first `window` draws and the final number that of the last `window` draws (window at most half the draws);
 * each cell is then the mean ± s.e. over its seeds. Returns null when no run has such a label.
 */
export function lyleTable(runs: readonly RunData[], window = 2): LyleTable | null {
  if (!(Number.isInteger(window) && window >= 1)) throw new Error(`lyle table: window = ${window}; a whole number of draws >= 1 is required`);
  const groups = new Map<string, { intervention: string; arch: string; target: string; metric: string; runs: RunData[] }>();
  for (const r of runs) {
    const p = parseLyleLabel(r.config.label);
    if (!p) continue;
    const metric = isRlRun(r) ? LYLE_MDP_METRIC : LYLE_METRIC;
    // A cell holds runs of one metric: an RL run and a supervised one under the same label stay apart.
    const key = `${p.intervention}\u0000${p.arch}\u0000${p.target}\u0000${metric}`;
    const g = groups.get(key) ?? { ...p, metric, runs: [] };
    g.runs.push(r);
    groups.set(key, g);
  }
  if (groups.size === 0) return null;
  const all = [...groups.values()];
  const targets = ordered([...new Set(all.map((g) => g.target))], lyleTargets);
  const archs = ordered([...new Set(all.map((g) => g.arch))], [...ARCH_ORDER, LYLE_MDP_COLUMN]);
  const interventions = ordered([...new Set(all.map((g) => g.intervention))], lyleInterventions.map((i) => i.label));
  const cells: LyleCell[] = all.map((g) => {
    const perRun = g.runs.map(drawLosses);
    const ends = perRun.map((m) => {
      const draws = [...m.keys()].sort((a, b) => a - b);
      if (draws.length === 0) return { initial: NaN, final: NaN };
      const w = Math.max(1, Math.min(window, Math.floor(draws.length / 2)));
      const avg = (ds: number[]) => ds.reduce((a, d) => a + m.get(d)!, 0) / ds.length;
      return { initial: avg(draws.slice(0, w)), final: avg(draws.slice(-w)) };
    });
    const drawSet = [...new Set(perRun.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
    const curve = drawSet.flatMap((d) => {
      const s = meanSe(perRun.map((m) => m.get(d) ?? NaN));
      return s ? [{ draw: d, mean: s.mean, lo: s.mean - (s.se ?? 0), hi: s.mean + (s.se ?? 0), n: s.n }] : [];
    });
    return {
      intervention: g.intervention, arch: g.arch, target: g.target, metric: g.metric,
      id: `lyle-${slug(g.target)}-${slug(g.arch)}-${slug(g.intervention)}${g.metric === LYLE_METRIC ? '' : `-${slug(g.metric)}`}`,
      seeds: g.runs.map((r) => r.seed).sort((a, b) => (a ?? -1) - (b ?? -1)),
      initial: meanSe(ends.map((e) => e.initial)),
      final: meanSe(ends.map((e) => e.final)),
      curve,
    };
  });
  return { targets, archs, interventions, cells, window };
}

/** The cell at (target, arch, intervention), if run (the supervised one first should a label hold both kinds of run). */
export function lyleCell(t: LyleTable, target: string, arch: string, intervention: string): LyleCell | undefined {
  const found = t.cells.filter((c) => c.target === target && c.arch === arch && c.intervention === intervention);
  return found.find((c) => c.metric === LYLE_METRIC) ?? found[0];
}

/** Whether the table has classification-MDP cells (RL runs), which read {@link LYLE_MDP_METRIC}. */
function hasMdp(t: LyleTable): boolean {
  return t.cells.some((c) => c.metric === LYLE_MDP_METRIC);
}

const LOSS_FORMAT = '.3f';
const fmt = (m: MeanSe | null) => (m ? formatMeanSe(m.mean, m.se, LOSS_FORMAT) : '—');

/** What each target's loss is, for headings and captions (`mdp`: the table has the classification-MDP column, whose loss is said too). */
export function lyleTargetTitle(target: string, mdp = false): string {
  if (target === 'regression') return `regression target (a random real target per image, uniform in [-1, 1]; squared error, 1/3 = predicting 0${mdp ? `; ${LYLE_MDP_COLUMN}: squared TD error of scalar Q-values` : ''})`;
  if (target === 'categorical') return `categorical target (a random class of 10 per image; cross-entropy, ln 10 = 2.303 at chance${mdp ? `; ${LYLE_MDP_COLUMN}: HL-Gauss cross-entropy against the TD target` : ''})`;
  return `${target} target`;
}

/**
 * Heat-map colour of a loss within its scale: light green at the lowest loss, through yellow, to light red at the
 * highest (initial and final numbers share the scale; the MDP column has a scale of its own).
 */
export function heatColor(v: number, lo: number, hi: number): string {
  const t = hi > lo ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 0;
  return `hsl(${Math.round(120 * (1 - t))}, 65%, ${Math.round(86 - 6 * t)}%)`;
}

/**
 * The extent of a target's numbers of one metric, initial and final together: the supervised columns share a scale,
 * the MDP's TD losses (another quantity, of another size) get their own.
 */
function extent(t: LyleTable, target: string, metric: string): [number, number] {
  const v = t.cells.filter((c) => c.target === target && c.metric === metric).flatMap((c) => [c.initial?.mean, c.final?.mean]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? [Math.min(...v), Math.max(...v)] : [0, 0];
}

/** What the MDP column's numbers are (HTML note and Markdown footnote; plain text but for `code`'s pieces). */
function mdpNote(window: number, code: (s: string) => string): string {
  return `The ${LYLE_MDP_COLUMN} column is a DQN learning Lyle et al.'s classification MDP, not a supervised net: its number is the TD loss against the target network just before each target update (${code(LYLE_MDP_METRIC)}; regression: the MSE of scalar Q-values, categorical: the HL-Gauss cross-entropy), averaged over the first and the last ${window} target update${window === 1 ? '' : 's'}; it is another quantity than the supervised columns' and has its own colour scale.`;
}

const esc = (s: unknown) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The table as an HTML section in the slide's layout: one table per target, rows = interventions, columns =
 * architectures, each cell final (initial below it) loss, mean ± s.e., heat-map coloured and linked to its figure
 * (`figures`: cell id -> inline SVG, shown below the tables).
 */
export function lyleTableHtml(t: LyleTable, figures: ReadonlyMap<string, string>): string {
  const tables = t.targets.map((target) => {
    const scales = new Map<string, [number, number]>();
    const scale = (metric: string) => scales.get(metric) ?? scales.set(metric, extent(t, target, metric)).get(metric)!;
    const rows = t.interventions.map((iv) => `<tr><td class="l">${esc(iv)}</td>${t.archs.map((arch) => {
      const c = lyleCell(t, target, arch, iv);
      if (!c) return '<td>—</td>';
      const [lo, hi] = scale(c.metric);
      const bg = c.final ? ` style="background:${heatColor(c.final.mean, lo, hi)}"` : '';
      const ibg = c.initial ? ` style="background:${heatColor(c.initial.mean, lo, hi)}"` : '';
      return `<td class="lyle"${bg}><a href="#${esc(c.id)}" title="${esc(`${iv} / ${arch} / ${target}: loss after each ${c.metric === LYLE_MDP_METRIC ? 'target update' : 'draw'}`)}"><span class="v">${esc(fmt(c.final))}</span></a><div class="sub"${ibg}>initial ${esc(fmt(c.initial))}</div></td>`;
    }).join('')}</tr>`).join('\n');
    return `<h3>${esc(lyleTargetTitle(target, hasMdp(t)))}</h3>
<div class="scroll"><table class="num lyle">
<thead><tr><th>intervention</th>${t.archs.map((a) => `<th>${esc(a === LYLE_MDP_COLUMN ? `${a} (DQN)` : a)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody>
</table></div>`;
  }).join('\n');
  const figs = t.targets.flatMap((target) => t.archs.flatMap((arch) => t.interventions.map((iv) => lyleCell(t, target, arch, iv)).filter((c): c is LyleCell => !!c)))
    .map((c) => `<figure class="lyle-cell" id="${esc(c.id)}"><div class="plot">${figures.get(c.id) ?? ''}</div><figcaption>${esc(`${c.intervention} / ${c.arch} / ${c.target}`)}: final ${esc(fmt(c.final))}, initial ${esc(fmt(c.initial))} (${c.seeds.length} seed${c.seeds.length === 1 ? '' : 's'})</figcaption></figure>`)
    .join('\n');
  return `<h2 id="lyle-table">Interventions x architectures (Lyle et al. 2023)</h2>
<p class="note">Target-fitting loss on the fitting set at the end of a draw (<code>${esc(LYLE_METRIC)}</code>). Each cell: the final loss (mean over the last ${t.window} draw${t.window === 1 ? '' : 's'} of each seed) and, below it, the initial loss (the first ${t.window} draw${t.window === 1 ? '' : 's'}), then mean ± standard error over seeds. Colours run from green (the table's lowest loss) to red (its highest), per target. A cell links to its figure: the loss after each draw, mean ± s.e. over seeds, with the same architecture's "none" row in grey. Numbers also in <a href="lyle-table.md">lyle-table.md</a> and <a href="lyle-table.json">lyle-table.json</a>.</p>${hasMdp(t) ? `\n<p class="note">${mdpNote(t.window, (x) => `<code>${esc(x)}</code>`)}</p>` : ''}
${tables}
<style>
table.lyle td.lyle { text-align: right; }
table.lyle td.lyle a { color: #111; text-decoration: none; border-bottom: 1px dotted #555; }
table.lyle td .sub { margin: 2px -10px -5px; padding: 1px 10px 2px; }
.lyle-figs { display: flex; flex-wrap: wrap; gap: 6px 18px; }
figure.lyle-cell { margin: 6px 0; width: 300px; }
figure.lyle-cell figcaption { font-size: 11px; }
</style>
<h3>Per-cell figures</h3>
<div class="lyle-figs">
${figs}
</div>`;
}

/** The tables as Markdown (for a README): one per target, "final (initial)" in each cell. */
export function lyleTableMarkdown(t: LyleTable): string {
  return t.targets.map((target) => {
    const head = `| intervention | ${t.archs.join(' | ')} |\n|---|${t.archs.map(() => '---').join('|')}|`;
    const rows = t.interventions.map((iv) => `| ${iv} | ${t.archs.map((arch) => {
      const c = lyleCell(t, target, arch, iv);
      return c ? `${fmt(c.final)} (${fmt(c.initial)})` : '—';
    }).join(' | ')} |`);
    return `**${lyleTargetTitle(target, hasMdp(t))}**: final (initial) loss, mean ± s.e. over seeds\n\n${head}\n${rows.join('\n')}\n`;
  }).join('\n') + (hasMdp(t) ? `\n${mdpNote(t.window, (x) => `\`${x}\``)}\n` : '');
}

/**
 * The figure of one cell: its loss after each draw (mean ± s.e. band), and the same architecture and target's
 * "none" cell in grey for comparison.
 */
export function lyleCellSpec(cell: LyleCell, baseline: LyleCell | undefined): VegaLiteSpec {
  const rows = [
    ...(baseline && baseline !== cell ? baseline.curve.map((p) => ({ ...p, series: baseline.intervention })) : []),
    ...cell.curve.map((p) => ({ ...p, series: cell.intervention })),
  ];
  const domain = [...new Set(rows.map((r) => r.series))];
  const range = domain.map((d) => (d === cell.intervention ? '#c0392b' : '#999999'));
  const mdp = cell.metric === LYLE_MDP_METRIC;
  const x = { field: 'draw', type: 'quantitative', title: mdp ? 'target update' : 'label draw', axis: { format: 'd', tickMinStep: 1 } };
  const color = { field: 'series', type: 'nominal', scale: { domain, range }, legend: { title: null, orient: 'top' } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    config: FIGURE_CONFIG,
    width: 240,
    height: 130,
    title: `${cell.intervention} / ${cell.arch} / ${cell.target}`,
    data: { values: rows },
    layer: [
      { mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color } },
      { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'mean', type: 'quantitative', title: mdp ? 'TD loss before the update' : 'loss at end of draw', scale: { zero: false } }, color } },
    ],
  };
}
