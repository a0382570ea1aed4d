import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseConfig } from '../config/parseConfig.js';
import { UsageError } from '../config/UsageError.js';
import { buildFigures, diagnosticSeries, headlineSeries, isRegression } from './buildFigures.js';
import { collectSeries } from './collectSeries.js';
import { canonicalJson, flattenConfig, formatValue } from './flattenConfig.js';
import { loadRuns, type LoadedRuns } from './loadRuns.js';
import { renderFigure } from './renderFigure.js';
import { glossaryEntry, type GlossaryEntry } from './glossary.js';
import { reportHtml, prefixSvgIds, type RunRow } from './reportHtml.js';
import { isLyleStudy, lyleCell, lyleCellSpec, lyleTable, lyleTableHtml, lyleTableMarkdown } from './lyleTable.js';
import { reportOptionsSchema, type ReportOptionsInput } from './reportOptions.js';
import { examplesOf, seriesCsv, summarizeConditions, summaryCsv, type ConditionSummary } from './summarizeConditions.js';

/** A figure written to disk. */
export interface WrittenFigure {
  readonly name: string;
  readonly title: string;
  /** Path of the SVG file. */
  readonly svg: string;
  /** Path of the PNG file (null when PNGs are off). */
  readonly png: string | null;
}

/** What `writeReport` wrote. */
export interface ReportResult {
  /** The report folder. */
  readonly outDir: string;
  /** Path of index.html, the self-contained page. */
  readonly html: string;
  readonly figures: readonly WrittenFigure[];
  /** Per condition: seeds, final numbers (mean ± SE), speed; as in summary.json. */
  readonly conditions: readonly ConditionSummary[];
  /** Problems met (partial lines, unfinished runs, duplicate seeds, drawing); also on the page. */
  readonly warnings: readonly string[];
}

/**
 * Read run folders (or sweep folders), average every metric over the seeds of each condition, and write to
 * `outDir`: one SVG and PNG per figure, `summary.json` and `summary.csv` (final numbers per condition, mean ±
 * SE), `series.csv` (every curve point), and `index.html`, one self-contained page with the figures inlined.
 */
export async function writeReport(runPaths: readonly string[], outDir: string, options: ReportOptionsInput = {}): Promise<ReportResult> {
  const o = parseConfig(reportOptionsSchema, options, 'report options');
  const loaded = await loadRuns(runPaths);
  refuseRunFolder(outDir, loaded.runs.map((r) => r.path));
  return writeLoadedReport(loaded, outDir, o);
}

/** Files of a run folder (or a sweep's) that a report must never overwrite. */
const RUN_FILES = ['config.json', 'metrics.jsonl', 'edits.jsonl', 'sweep.json'];

/**
 * A report never writes a run's files: its folder may not be one of the runs read, nor any folder that holds
 * a run's or a sweep's files (its summary.json would replace the run's).
 */
function refuseRunFolder(outDir: string, runs: readonly string[]): void {
  const out = resolve(outDir);
  const held = RUN_FILES.find((f) => existsSync(join(out, f)));
  if (runs.includes(out) || held) {
    throw new ReportOutError(`--out ${outDir}: ${held ? `it holds ${held}: it is a run or sweep folder` : 'it is one of the runs read'}; a report never writes a run's files. Give another folder, e.g. ${join(outDir, 'report')}`);
  }
}

/** The report's folder is a run's or a sweep's own. */
export class ReportOutError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'ReportOutError';
  }
}

async function writeLoadedReport(loaded: LoadedRuns, outDir: string, o: ReturnType<typeof reportOptionsSchema.parse>): Promise<ReportResult> {
  const out = resolve(outDir);
  await mkdir(out, { recursive: true });
  const warnings = [...loaded.warnings];
  const { conditions } = loaded;
  const series = collectSeries(conditions, o);
  const regression = isRegression(series);
  const summaries = summarizeConditions(conditions, series, regression);
  const defs = buildFigures(series, conditions, o);

  const figures: WrittenFigure[] = [];
  const inlined: { name: string; title: string; caption: string; svg: string; png: boolean; keys: GlossaryEntry[] }[] = [];
  const glossary = new Map<string, GlossaryEntry>();
  const entriesOf = (keys: readonly string[]) => {
    const out = new Map<string, GlossaryEntry>();
    for (const k of keys) {
      const g = glossaryEntry(k, regression);
      out.set(g.id, g);
      glossary.set(g.id, g);
    }
    return [...out.values()];
  };
  for (const f of defs) {
    const r = await renderFigure(f.spec, { png: o.png, pngScale: o.pngScale });
    for (const w of r.warnings) warnings.push(`figure ${f.name}: ${w}`);
    const svgPath = join(out, `${f.name}.svg`);
    await writeFile(svgPath, r.svg);
    let pngPath: string | null = null;
    if (r.png) {
      pngPath = join(out, `${f.name}.png`);
      await writeFile(pngPath, r.png);
    }
    figures.push({ name: f.name, title: f.title, svg: svgPath, png: pngPath });
    inlined.push({ name: f.name, title: f.title, caption: f.caption, svg: r.svg, png: r.png !== null, keys: entriesOf(f.keys) });
  }

  const versions = await versionsUsed();
  const generatedAt = new Date();
  const flats = conditions.map((c) => flattenConfig(c.config));
  const differing = [...new Set(conditions.flatMap((c) => Object.keys(c.settings)))];
  const shared = flats.length
    ? [...flats[0]!].filter(([k, v]) => !differing.includes(k) && flats.every((f) => f.has(k) && canonicalJson(f.get(k)) === canonicalJson(v))).map(([k, v]) => [k, formatValue(v)] as const)
    : [];
  const runs: RunRow[] = conditions.flatMap((c) => c.runs.map((r) => {
    const last = r.records[r.records.length - 1];
    return {
      condition: c.label, color: c.color, seed: r.seed,
      status: r.summary?.status ?? (r.records.length ? 'no summary (running or stopped)' : 'nothing recorded'),
      steps: typeof r.summary?.steps === 'number' ? r.summary.steps : (last?.step ?? null),
      examples: examplesOf(r),
      seconds: typeof r.summary?.seconds === 'number' ? r.summary.seconds : null,
      edits: r.edits.count,
      backend: typeof r.config.backend === 'string' ? r.config.backend : '—',
      version: typeof r.config.version === 'string' ? r.config.version : '—',
      startedAt: r.startedAt, updatedAt: r.updatedAt, path: r.path,
    };
  }));
  const benchmarks = [...new Set(conditions.map((c) => (c.config.benchmark as { name?: unknown } | undefined)?.name).filter((n): n is string => typeof n === 'string'))];
  const tableMetrics = [...headlineSeries(series), ...diagnosticSeries(series)].map((s) => s.id);
  const tableGlossary = Object.fromEntries([...headlineSeries(series), ...diagnosticSeries(series)].map((s) => [s.id, entriesOf([s.key])[0]!]));
  const provenance = conditions.flatMap((c) => c.runs.map((r) => {
    const p = (r.config.provenance ?? null) as { supple?: string; git?: { commit: string; dirty: boolean } | null; host?: string; node?: string; backend?: string; command?: string[]; os?: string } | null;
    return {
      condition: c.label, color: c.color, seed: r.seed,
      supple: p?.supple ?? (typeof r.config.version === 'string' ? r.config.version : '—'),
      git: p?.git ? `${p.git.commit.slice(0, 12)}${p.git.dirty ? ' (uncommitted changes)' : ''}` : '—',
      host: p?.host ?? '—', os: p?.os ?? '—', node: p?.node ?? '—',
      backend: p?.backend ?? (typeof r.config.backend === 'string' ? r.config.backend : '—'),
      command: p?.command ? p.command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ') : '—',
    };
  }));

  const sections: string[] = [];
  const study = o.table === 'lyle' || (o.table === 'auto' && isLyleStudy(loaded.runs)) ? lyleTable(loaded.runs, o.tableWindow) : null;
  if (o.table === 'lyle' && !study) throw new UsageError("--table lyle: no run is labelled 'intervention / architecture / target' (run the lyle-interventions presets, or label runs so)");
  if (study) {
    // One small figure per cell, inlined below the tables; each cell of the tables links to its figure.
    const cellFigures = new Map<string, string>();
    for (const c of study.cells) {
      const r = await renderFigure(lyleCellSpec(c, lyleCell(study, c.target, c.arch, 'none')), { png: false });
      for (const w of r.warnings) warnings.push(`figure ${c.id}: ${w}`);
      cellFigures.set(c.id, prefixSvgIds(r.svg.replace(/^<\?xml[^>]*>\s*/, ''), `${c.id}-`));
    }
    sections.push(lyleTableHtml(study, cellFigures));
    await writeFile(join(out, 'lyle-table.md'), lyleTableMarkdown(study));
    await writeFile(join(out, 'lyle-table.json'), `${JSON.stringify(study, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  }

  const html = reportHtml({
    sections,
    title: o.title, generatedAt, versions, benchmarks, conditions: summaries, tableMetrics,
    figures: inlined, differing, shared, runs, warnings, options: o, finalFraction: o.finalFraction,
    glossary: [...glossary.values()], tableGlossary, provenance,
  });
  const htmlPath = join(out, 'index.html');
  await writeFile(htmlPath, html);
  await writeFile(join(out, 'summary.csv'), summaryCsv(summaries));
  await writeFile(join(out, 'series.csv'), seriesCsv(series));
  await writeFile(join(out, 'summary.json'), `${JSON.stringify({
    generatedAt: generatedAt.toISOString(), versions, options: o, benchmarks,
    conditions: summaries,
    figures: figures.map((f) => ({ name: f.name, title: f.title, svg: `${f.name}.svg`, png: f.png ? `${f.name}.png` : null })),
    warnings,
  }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  return { outDir: out, html: htmlPath, figures, conditions: summaries, warnings };
}

/** Versions of what made the report (provenance). */
async function versionsUsed(): Promise<Record<string, string>> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  let supple = 'unknown';
  try {
    // dist/src/report/writeReport.js -> package.json at the package root.
    supple = (JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    // Running from an unusual layout: the version stays unknown rather than failing the report.
  }
  return { supple, vega: vega.version, 'vega-lite': vl.version, node: process.versions.node };
}
