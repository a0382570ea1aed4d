// The dashboard page: the run list and curves from the server's JSON API, kept live by its event stream.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import { canonicalJson, flattenConfig, formatValue } from '../../../report/flattenConfig.js';
import type { RunRecord } from '../../../report/RunFolder.js';
import type { MetricsEvent, ReportInfo, RunInfo } from '../../RunStore.js';

const runs = new Map<string, RunInfo>();
const records = new Map<string, RunRecord[]>();
const loading = new Map<string, Promise<void>>();
const selected = new Set<string>();
const chosenKeys = new Set<string>();
let keysTouched = false;
let current: string | null = null;
let firstList = true;

const el = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const opts = { x: 'step' as 'step' | 'task', smooth: 0, logY: false, group: false, boundaries: true, follow: true };

// ---- data ----

async function loadRecords(id: string): Promise<void> {
  let p = loading.get(id);
  if (!p) {
    p = fetch(`api/metrics?run=${encodeURIComponent(id)}`).then(async (r) => {
      if (r.ok) records.set(id, ((await r.json()) as { records: RunRecord[] }).records);
    }).finally(() => loading.delete(id));
    loading.set(id, p);
  }
  return p;
}

function onRuns(list: RunInfo[]): void {
  const before = new Set(runs.keys());
  runs.clear();
  for (const r of list) runs.set(r.id, r);
  for (const id of [...selected]) if (!runs.has(id)) selected.delete(id);
  const fresh = list.filter((r) => !before.has(r.id));
  if (firstList) {
    // The most recently updated runs first, up to 20.
    const recent = [...list].sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? '')).slice(0, 20);
    for (const r of recent) selected.add(r.id);
    firstList = false;
  } else if (opts.follow) for (const r of fresh) selected.add(r.id);
  void Promise.all([...selected].map((id) => (records.has(id) ? null : loadRecords(id)))).then(() => renderAll());
  renderAll();
}

function onMetrics(m: MetricsEvent): void {
  const have = records.get(m.run);
  if (!have) return; // loaded in full when selected
  // The full load and the stream overlap: take what is new, and reload (keeping what is drawn) after a gap.
  if (have.length >= m.from) have.push(...m.records.slice(have.length - m.from));
  else void loadRecords(m.run).then(() => scheduleCharts());
  if (selected.has(m.run)) scheduleCharts();
}

// ---- charts ----

interface Series {
  readonly label: string;
  readonly color: string;
  readonly xs: number[];
  readonly ys: (number | null)[];
  readonly band?: { lo: (number | null)[]; hi: (number | null)[] };
}

/** TensorBoard-style smoothing: an exponential moving average with its start debiased. */
function smooth(ys: number[], w: number): number[] {
  if (w <= 0) return ys;
  let s = 0, n = 0;
  return ys.map((y) => {
    s = w * s + (1 - w) * y;
    n++;
    return s / (1 - w ** n);
  });
}

function runSeries(id: string, key: string): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const r of records.get(id) ?? []) {
    const v = r[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    xs.push(opts.x === 'task' ? r.task : r.step);
    ys.push(v);
  }
  return { xs, ys: smooth(ys, opts.smooth) };
}

function seriesFor(key: string): Series[] {
  const ids = [...selected].filter((id) => runs.has(id) && records.has(id));
  if (!opts.group) {
    return ids.map((id) => {
      const s = runSeries(id, key);
      return { label: id, color: runs.get(id)!.condition?.color ?? '#888', xs: s.xs, ys: s.ys };
    }).filter((s) => s.xs.length > 0);
  }
  const groups = new Map<string, { color: string; ids: string[] }>();
  for (const id of ids) {
    const c = runs.get(id)!.condition ?? { label: id, color: '#888' };
    const g = groups.get(c.label) ?? { color: c.color, ids: [] };
    g.ids.push(id);
    groups.set(c.label, g);
  }
  const out: Series[] = [];
  for (const [label, g] of groups) {
    const at = new Map<number, number[]>();
    for (const id of g.ids) {
      const s = runSeries(id, key);
      s.xs.forEach((x, i) => {
        const l = at.get(x) ?? [];
        l.push(s.ys[i]!);
        at.set(x, l);
      });
    }
    const xs = [...at.keys()].sort((a, b) => a - b);
    const ys: number[] = [], lo: number[] = [], hi: number[] = [];
    for (const x of xs) {
      const v = at.get(x)!;
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const se = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1) / v.length) : 0;
      ys.push(mean);
      lo.push(mean - se);
      hi.push(mean + se);
    }
    if (xs.length) out.push({ label: `${label} (n=${g.ids.length})`, color: g.color, xs, ys, band: { lo, hi } });
  }
  return out;
}

/** Steps at which a task ends, from the first selected run with records (per-task records end their task). */
function boundaries(): number[] {
  if (!opts.boundaries || opts.x === 'task') return [];
  for (const id of selected) {
    const rs = records.get(id);
    if (!rs?.length) continue;
    const out: number[] = [];
    for (let i = 0; i + 1 < rs.length; i++) if (rs[i + 1]!.task !== rs[i]!.task) out.push(rs[i]!.step);
    return out;
  }
  return [];
}

interface Chart {
  readonly box: HTMLElement;
  u: uPlot | null;
  signature: string;
  zoomed: boolean;
}
const charts = new Map<string, Chart>();
let chartTimer = 0;

function scheduleCharts(): void {
  if (chartTimer) return;
  chartTimer = window.setTimeout(() => {
    chartTimer = 0;
    renderCharts();
  }, 200);
}

function alpha(color: string, a: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  const n = parseInt(m[1]!, 16);
  return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${a})`;
}

function renderCharts(): void {
  const box = el<HTMLElement>('charts');
  const keys = [...chosenKeys];
  for (const [k, c] of charts) if (!chosenKeys.has(k)) {
    c.u?.destroy();
    c.box.remove();
    charts.delete(k);
  }
  const marks = boundaries();
  for (const key of keys) {
    let c = charts.get(key);
    if (!c) {
      const div = document.createElement('div');
      div.className = 'chart';
      div.dataset.key = key;
      div.innerHTML = `<h3>${esc(key)}</h3><div class="plot"></div>`;
      box.appendChild(div);
      c = { box: div, u: null, signature: '', zoomed: false };
      charts.set(key, c);
    }
    const series = seriesFor(key);
    // One x column for all series; a series has null where it has no point.
    const xs = [...new Set(series.flatMap((s) => s.xs))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const columns: (number | null)[][] = [];
    const specs: uPlot.Series[] = [{ label: opts.x }];
    const bands: uPlot.Band[] = [];
    const pos = (v: number | null) => (v === null || (opts.logY && v <= 0) ? null : v);
    let points = 0;
    for (const s of series) {
      const col = (vals: (number | null)[]) => {
        const out: (number | null)[] = new Array(xs.length).fill(null);
        s.xs.forEach((x, i) => (out[index.get(x)!] = pos(vals[i] ?? null)));
        return out;
      };
      const main = col(s.ys);
      points += main.filter((v) => v !== null).length;
      columns.push(main);
      specs.push({ label: s.label, stroke: s.color, width: 1.5, spanGaps: true, points: { show: false } });
      if (s.band) {
        const mainIdx = columns.length;
        columns.push(col(s.band.hi), col(s.band.lo));
        specs.push({ label: `${s.label} +s.e.`, stroke: 'transparent', spanGaps: true, points: { show: false } }, { label: `${s.label} -s.e.`, stroke: 'transparent', spanGaps: true, points: { show: false } });
        bands.push({ series: [mainIdx + 1, mainIdx + 2], fill: alpha(s.color, 0.18) });
      }
    }
    c.box.dataset.points = String(points);
    c.box.dataset.series = String(series.length);
    const data = [xs, ...columns] as uPlot.AlignedData;
    const signature = canonicalJson([specs.map((s) => s.label), opts.logY, opts.x]);
    if (c.u && c.signature === signature) {
      (c.u as unknown as { marks: number[] }).marks = marks;
      c.u.setData(data, !c.zoomed);
      continue;
    }
    c.u?.destroy();
    c.signature = signature;
    c.zoomed = false;
    const chart = c;
    const plot = c.box.querySelector<HTMLElement>('.plot')!;
    const u = new uPlot({
      width: Math.max(360, plot.clientWidth || 560), height: 260,
      cursor: { sync: { key: 'supple' } },
      legend: { live: true },
      scales: { x: { time: false }, y: opts.logY ? { distr: 3 } : {} },
      axes: [{ label: opts.x }, { size: 60 }],
      series: specs,
      bands,
      hooks: {
        setSelect: [() => (chart.zoomed = true)],
        draw: [(uu) => {
          const ms = (uu as unknown as { marks?: number[] }).marks ?? [];
          const { ctx, bbox } = uu;
          const [lo, hi] = [uu.scales.x!.min ?? 0, uu.scales.x!.max ?? 0];
          const visible = ms.filter((m) => m >= lo && m <= hi);
          if (!visible.length || visible.length > 200) return;
          ctx.save();
          ctx.strokeStyle = 'rgba(0,0,0,0.12)';
          ctx.setLineDash([3, 3]);
          for (const m of visible) {
            const x = Math.round(uu.valToPos(m, 'x', true));
            ctx.beginPath();
            ctx.moveTo(x, bbox.top);
            ctx.lineTo(x, bbox.top + bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        }],
      },
    }, data, plot);
    (u as unknown as { marks: number[] }).marks = marks;
    // The band edges are series too (uPlot fills between series); their rows would only clutter the legend.
    const rows = u.root.querySelectorAll<HTMLElement>('.u-legend .u-series');
    specs.forEach((s, i) => {
      if (String(s.label).endsWith('s.e.') && rows[i]) rows[i]!.style.display = 'none';
    });
    u.over.addEventListener('dblclick', () => (chart.zoomed = false));
    c.u = u;
  }
}

// ---- keys, table, diff, details, reports ----

function allKeys(): string[] {
  const ks = new Set<string>();
  for (const id of selected) for (const k of runs.get(id)?.keys ?? []) ks.add(k);
  if (ks.size === 0) for (const r of runs.values()) for (const k of r.keys) ks.add(k);
  return [...ks].sort();
}

function renderKeys(): void {
  const keys = allKeys();
  if (!keysTouched) {
    const preferred = ['online/accuracy', 'bin/loss', 'online/loss', 'eval/test/accuracy', 'diag/deadFraction', 'diag/effectiveRank'];
    for (const k of preferred) if (keys.includes(k) && chosenKeys.size < 3) chosenKeys.add(k);
    if (chosenKeys.size === 0 && keys[0]) chosenKeys.add(keys[0]);
  }
  const filter = el<HTMLInputElement>('key-filter').value.trim().toLowerCase();
  el('keys').innerHTML = keys.filter((k) => !filter || k.toLowerCase().includes(filter))
    .map((k) => `<label><input type="checkbox" data-key="${esc(k)}"${chosenKeys.has(k) ? ' checked' : ''}> ${esc(k)}</label>`).join('') || '<span class="muted">no metrics yet</span>';
}

function ago(iso: string | null): string {
  if (!iso) return '–';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86400 ? `${Math.round(s / 3600)} h ago` : new Date(iso).toISOString().slice(0, 16).replace('T', ' ');
}

function lastValue(r: RunInfo): string {
  const rs = records.get(r.id);
  const key = [...chosenKeys][0];
  if (!rs || !key) return '–';
  for (let i = rs.length - 1; i >= 0; i--) {
    const v = rs[i]![key];
    if (typeof v === 'number') return `${key.split('/').pop()} ${Number.isInteger(v) ? v : Number(v.toPrecision(4))}`;
  }
  return '–';
}

function renderTable(): void {
  const list = [...runs.values()].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  el('no-runs').hidden = list.length > 0;
  el('runs').querySelector('tbody')!.innerHTML = list.map((r) => {
    const p = r.progress;
    const frac = p.fraction ?? 0;
    const prog = p.tasks ? `task ${(p.task ?? -1) + 1}/${p.tasks}` : p.task !== null ? `task ${p.task + 1}` : '';
    return `<tr data-run="${esc(r.id)}" class="${r.id === current ? 'current' : ''}">
      <td><input type="checkbox" data-select="${esc(r.id)}"${selected.has(r.id) ? ' checked' : ''}></td>
      <td class="run">${esc(r.id)}</td>
      <td>${r.condition ? `<span class="swatch" style="background:${esc(r.condition.color)}"></span>${esc(r.condition.label)}` : '–'}</td>
      <td>${r.seed ?? '–'}</td>
      <td><span class="status ${esc(r.status)}">${esc(r.status)}</span></td>
      <td><span class="bar"><span style="width:${(frac * 100).toFixed(1)}%"></span></span>${esc(prog)}</td>
      <td>${p.step ?? '–'}</td>
      <td>${esc(lastValue(r))}</td>
      <td title="${esc(r.updatedAt ?? '')}">${ago(r.updatedAt)}</td></tr>`;
  }).join('');
}

function renderDiff(): void {
  const ids = [...selected].filter((id) => runs.has(id)).sort();
  const box = el('diff');
  if (ids.length < 2) {
    box.innerHTML = '<p class="muted">Select two runs or more to see where their configs differ.</p>';
    return;
  }
  const flat = ids.map((id) => flattenConfig(runs.get(id)!.config));
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))].sort();
  const differ = keys.filter((k) => new Set(flat.map((f) => canonicalJson(f.get(k)))).size > 1);
  if (!differ.length) {
    box.innerHTML = `<p class="muted">The ${ids.length} selected runs have the same config.</p>`;
    return;
  }
  box.innerHTML = `<table><thead><tr><th>key</th>${ids.map((id) => `<th>${esc(id)}</th>`).join('')}</tr></thead><tbody>${
    differ.map((k) => `<tr><td>${esc(k)}</td>${flat.map((f) => `<td>${f.has(k) ? esc(formatValue(f.get(k))) : '—'}</td>`).join('')}</tr>`).join('')}</tbody></table>
    <p class="muted">${keys.length - differ.length} other keys are equal.</p>`;
}

function renderDetails(): void {
  const r = current ? runs.get(current) : undefined;
  el('details-box').hidden = !r;
  if (!r) return;
  el('details-title').textContent = r.id;
  const c = r.config;
  const prov: [string, unknown][] = [
    ['status', r.status], ['version', c.version], ['backend', c.backend], ['seed', c.seed], ['preset', c.preset],
    ['started', r.startedAt], ['updated', r.updatedAt], ['records', r.records],
    ['edits', r.edits.count ? `${r.edits.count} (${Object.entries(r.edits.byKind).map(([k, n]) => `${k} ${n}`).join(', ')})` : 0],
  ];
  if (c.provenance && typeof c.provenance === 'object') for (const [k, v] of Object.entries(c.provenance)) prov.push([`provenance.${k}`, v]);
  const s = r.summary;
  if (s) for (const k of ['seconds', 'examples', 'examplesPerSecond', 'finishedAt']) if (s[k] !== undefined) prov.push([`summary.${k}`, s[k]]);
  // Re-rendered as the run goes on: keep what the reader opened open.
  const open = [...el('details').querySelectorAll('details')].map((d) => d.open);
  el('details').innerHTML = `<table>${prov.filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === 'object' ? JSON.stringify(v) : formatValue(v))}</td></tr>`).join('')}</table>
    ${r.warnings.length ? `<p><b>warnings</b></p><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
    ${s?.final ? `<details><summary>final values (summary.json)</summary><pre>${esc(JSON.stringify(s.final, null, 2))}</pre></details>` : ''}
    <details><summary>config.json</summary><pre>${esc(JSON.stringify(c, null, 2))}</pre></details>`;
  el('details').querySelectorAll('details').forEach((d, i) => (d.open = open[i] ?? false));
}

async function renderReports(): Promise<void> {
  const list = (await (await fetch('api/reports')).json()) as ReportInfo[];
  el('reports-box').hidden = list.length === 0;
  el('reports').innerHTML = list.map((r) => `<div class="report"><h3><a href="${esc(r.index)}" target="_blank" rel="noopener">${esc(r.id)}</a></h3>
    <div class="figs">${r.figures.map((f) => `<figure><a href="${esc(f.url)}" target="_blank" rel="noopener"><img loading="lazy" src="${esc(f.url)}" alt="${esc(f.name)}"></a><figcaption>${esc(f.name)}</figcaption></figure>`).join('')}</div></div>`).join('');
}

function renderAll(): void {
  renderKeys();
  renderTable();
  renderDiff();
  renderDetails();
  renderCharts();
}

// ---- events ----

el('keys').addEventListener('change', (e) => {
  const t = e.target as HTMLInputElement;
  const k = t.dataset.key;
  if (!k) return;
  keysTouched = true;
  if (t.checked) chosenKeys.add(k);
  else chosenKeys.delete(k);
  renderCharts();
  renderTable();
});
el<HTMLInputElement>('key-filter').addEventListener('input', renderKeys);
el('runs').addEventListener('click', (e) => {
  const t = e.target as HTMLElement;
  const sel = (t as HTMLInputElement).dataset?.select;
  if (sel) {
    if ((t as HTMLInputElement).checked) selected.add(sel);
    else selected.delete(sel);
    void loadRecords(sel).then(() => renderAll());
    return;
  }
  const row = t.closest('tr');
  if (row?.dataset.run) {
    current = row.dataset.run;
    renderTable();
    renderDetails();
  }
});
el('select-all').addEventListener('click', () => {
  for (const id of runs.keys()) selected.add(id);
  void Promise.all([...selected].map(loadRecords)).then(renderAll);
});
el('select-none').addEventListener('click', () => {
  selected.clear();
  renderAll();
});
const bindOption = (id: string, apply: (input: HTMLInputElement | HTMLSelectElement) => void) => {
  const input = el<HTMLInputElement>(id);
  input.addEventListener('input', () => {
    apply(input);
    renderCharts();
  });
};
bindOption('x-axis', (i) => (opts.x = i.value as 'step' | 'task'));
bindOption('smooth', (i) => {
  opts.smooth = Number(i.value);
  el('smooth-out').textContent = i.value;
});
bindOption('log-y', (i) => (opts.logY = (i as HTMLInputElement).checked));
bindOption('group', (i) => (opts.group = (i as HTMLInputElement).checked));
bindOption('boundaries', (i) => (opts.boundaries = (i as HTMLInputElement).checked));
el<HTMLInputElement>('follow').addEventListener('change', (e) => (opts.follow = (e.target as HTMLInputElement).checked));

const live = el('live');
const events = new EventSource('api/events');
events.addEventListener('open', () => {
  live.textContent = 'live';
  live.className = 'live on';
});
events.addEventListener('error', () => {
  live.textContent = 'reconnecting';
  live.className = 'live off';
});
events.addEventListener('runs', (e) => onRuns(JSON.parse((e as MessageEvent<string>).data) as RunInfo[]));
events.addEventListener('metrics', (e) => onMetrics(JSON.parse((e as MessageEvent<string>).data) as MetricsEvent));
events.addEventListener('reset', (e) => {
  const { run } = JSON.parse((e as MessageEvent<string>).data) as { run: string };
  records.delete(run);
  if (selected.has(run)) void loadRecords(run).then(() => renderCharts());
});
// The table's times and statuses age; reports appear when written.
setInterval(() => {
  renderTable();
  void renderReports();
}, 5000);
void renderReports();
void fetch('api/info').then(async (r) => {
  const info = (await r.json()) as { version: string; folders: { name: string; path: string }[] };
  el('folders').textContent = `supple ${info.version} · ${info.folders.map((f) => f.path).join(', ')}`;
});
(window as unknown as { dashboard: unknown }).dashboard = { runs, records, selected, chosenKeys, charts };
