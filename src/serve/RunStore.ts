import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { toRecord, type RunData, type RunRecord, type RunSummary } from '../report/RunFolder.js';
import { groupConditions } from '../report/groupConditions.js';
import { JsonlTail } from './JsonlTail.js';
import { isWithin } from './safePath.js';

/** A folder the dashboard serves, under the name its URLs use. */
export interface ServedRoot {
  /** Unique, URL-safe: the folder's base name (with a number when two roots share one). */
  readonly name: string;
  readonly path: string;
}

/** What clients get to know about a run (no records: those come from /api/metrics and the event stream). */
export interface RunInfo {
  /** `<root name>/<path below the root>`: stable while the server runs. */
  readonly id: string;
  readonly root: string;
  /** The path below the root ('' when the root is itself a run). */
  readonly rel: string;
  readonly config: Record<string, unknown>;
  readonly seed: number | null;
  /** summary.json's status, else 'running' (written to in the last two minutes) or 'no summary' (stopped or killed). */
  readonly status: string;
  readonly summary: RunSummary | null;
  /** The last record's task and step, and the configured number of tasks when the config has one. */
  readonly progress: { readonly task: number | null; readonly step: number | null; readonly tasks: number | null; readonly fraction: number | null };
  /** Metric keys seen in its records. */
  readonly keys: readonly string[];
  readonly records: number;
  readonly edits: { readonly count: number; readonly byKind: Readonly<Record<string, number>> };
  readonly startedAt: string | null;
  readonly updatedAt: string | null;
  readonly condition: { readonly label: string; readonly color: string } | null;
  readonly warnings: readonly string[];
}

/** A report folder (`supple report --out`, or a run's report/): its page and figures, as /files/ URLs. */
export interface ReportInfo {
  readonly id: string;
  readonly index: string;
  readonly figures: readonly { readonly name: string; readonly url: string }[];
}

/** New records of a run; `from` is the index of the first one (the run's record count before them). */
export interface MetricsEvent {
  readonly run: string;
  readonly from: number;
  readonly records: readonly RunRecord[];
}

interface Entry {
  readonly id: string;
  readonly root: ServedRoot;
  readonly rel: string;
  readonly path: string;
  config: Record<string, unknown>;
  records: RunRecord[];
  readonly keys: Set<string>;
  edits: { count: number; byKind: Record<string, number> };
  summary: RunSummary | null;
  summaryMtime: number;
  startedAt: Date | null;
  updatedAt: Date | null;
  readonly warnings: string[];
  readonly metrics: JsonlTail;
  readonly editsTail: JsonlTail;
  watcher: FSWatcher | null;
  timer: NodeJS.Timeout | null;
  condition: { label: string; color: string } | null;
}

/** Folders never searched for runs. */
const SKIP = new Set(['checkpoint', 'node_modules', 'report']);
/** How deep below a served folder runs are looked for (sweeps/<sweep>/<condition>/<seed>). */
const DEPTH = 3;
/** A run without summary.json that wrote nothing for this long is shown as 'no summary' rather than 'running'. */
const RUNNING_WINDOW_MS = 120_000;

/**
 * The runs under the served folders, kept up to date: new run folders are found by listing folders (once a
 * second, and at once when a served folder changes), and each run folder is watched (fs.watch) so that appended
 * metrics are read as they arrive, by byte offset (JsonlTail). Emits 'metrics' (MetricsEvent), 'reset' (a run
 * whose metrics file shrank: { run }) and 'runs' (RunInfo[], at most once a second). Reads only.
 */
export class RunStore extends EventEmitter {
  private readonly entries = new Map<string, Entry>();
  private reportList: ReportInfo[] = [];
  private rootWatchers: FSWatcher[] = [];
  private scanTimer: NodeJS.Timeout | null = null;
  private runsTimer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private closed = false;

  constructor(readonly roots: readonly ServedRoot[]) {
    super();
  }

  /** Reads every run found now, then keeps watching. */
  async start(): Promise<void> {
    await this.scan();
    for (const r of this.roots) {
      try {
        const w = watch(r.path, () => void this.scan());
        w.on('error', () => w.close());
        this.rootWatchers.push(w);
      } catch {
        // The folder may not exist yet (runs/ before the first run): the periodic scan finds it.
      }
    }
    this.scanTimer = setInterval(() => void this.scan(), 1000);
    this.scanTimer.unref();
  }

  /** Stops watching and scanning (timers and file watchers released); the store keeps what it has read. */
  close(): void {
    this.closed = true;
    if (this.scanTimer) clearInterval(this.scanTimer);
    if (this.runsTimer) clearTimeout(this.runsTimer);
    for (const w of this.rootWatchers) w.close();
    for (const e of this.entries.values()) {
      e.watcher?.close();
      if (e.timer) clearTimeout(e.timer);
    }
  }

  /** The runs found so far (status, progress, config, metric keys), built fresh on each call. */
  runs(): RunInfo[] {
    return [...this.entries.values()].map((e) => this.info(e));
  }

  /** The report folders found by the last scan. */
  reports(): readonly ReportInfo[] {
    return this.reportList;
  }

  /** A run's records so far, or undefined for an unknown id. */
  records(id: string): readonly RunRecord[] | undefined {
    return this.entries.get(id)?.records;
  }

  /** Looks for new run and report folders, and re-reads runs whose files changed without an fs.watch event. */
  scan(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.scanning ??= this.scanNow().finally(() => (this.scanning = null));
    return this.scanning;
  }

  private async scanNow(): Promise<void> {
    const reports: ReportInfo[] = [];
    let added = false;
    for (const root of this.roots) {
      const realRoot = await realpath(root.path).catch(() => null);
      if (!realRoot) continue;
      const walk = async (dir: string, depth: number): Promise<void> => {
        const names = await readdir(dir).catch(() => null);
        if (!names) return;
        if (names.includes('report')) {
          const rep = await this.reportAt(root, join(dir, 'report'));
          if (rep) reports.push(rep);
        }
        if (names.includes('config.json') && (await stat(join(dir, 'config.json')).catch(() => null))?.isFile()) {
          const rel = relative(root.path, dir).split(sep).join('/');
          const id = rel ? `${root.name}/${rel}` : root.name;
          const known = this.entries.get(id);
          if (!known) added = (await this.add(id, root, rel, dir)) || added;
          else await this.checkGrowth(known);
          return;
        }
        if (depth >= DEPTH) return;
        for (const n of names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
          if (n.startsWith('.') || SKIP.has(n)) continue;
          const p = join(dir, n);
          // Never out of the served folder, not even through a symbolic link.
          const real = await realpath(p).catch(() => null);
          if (real && isWithin(realRoot, real) && (await stat(real).catch(() => null))?.isDirectory()) await walk(p, depth + 1);
        }
      };
      await walk(root.path, 0);
    }
    this.reportList = reports;
    if (added) {
      this.regroup();
      this.runsChanged();
    }
  }

  private async reportAt(root: ServedRoot, dir: string): Promise<ReportInfo | null> {
    const names = await readdir(dir).catch(() => null);
    if (!names?.includes('index.html')) return null;
    const rel = relative(root.path, dir).split(sep).join('/');
    const url = (f: string) => `/files/${encodeURIComponent(root.name)}/${[...rel.split('/'), ...f.split('/')].map(encodeURIComponent).join('/')}`;
    const pngs: string[] = [];
    for (const n of names.sort()) {
      if (n.endsWith('.png')) pngs.push(n);
      else if (n === 'figures') for (const f of ((await readdir(join(dir, n)).catch(() => [])) as string[]).sort()) if (f.endsWith('.png')) pngs.push(`figures/${f}`);
    }
    return { id: `${root.name}/${rel}`, index: url('index.html'), figures: pngs.map((f) => ({ name: f.replace(/^figures\//, '').replace(/\.png$/, ''), url: url(f) })) };
  }

  private async add(id: string, root: ServedRoot, rel: string, path: string): Promise<boolean> {
    let config: unknown;
    try {
      config = JSON.parse(await readFile(join(path, 'config.json'), 'utf8'));
    } catch {
      return false; // being written: the next scan takes it
    }
    if (config === null || typeof config !== 'object' || Array.isArray(config)) return false;
    const cfg = config as Record<string, unknown>;
    const e: Entry = {
      id, root, rel, path, config: cfg, records: [], keys: new Set(), edits: { count: 0, byKind: {} }, summary: null, summaryMtime: 0,
      startedAt: (await stat(join(path, 'config.json')).catch(() => null))?.mtime ?? null, updatedAt: null, warnings: [],
      metrics: new JsonlTail(join(path, 'metrics.jsonl')), editsTail: new JsonlTail(join(path, 'edits.jsonl')), watcher: null, timer: null, condition: null,
    };
    this.entries.set(id, e);
    try {
      e.watcher = watch(path, () => this.schedule(e));
      e.watcher.on('error', () => e.watcher?.close());
    } catch {
      // Unwatchable (too many watchers): the scan's size check still catches appended metrics within a second.
    }
    await this.refresh(e);
    return true;
  }

  /** Runs the next refresh of a run shortly (fs.watch fires several events per write). */
  private schedule(e: Entry): void {
    if (e.timer || this.closed) return;
    e.timer = setTimeout(() => {
      e.timer = null;
      void this.refresh(e);
    }, 25);
  }

  private async checkGrowth(e: Entry): Promise<void> {
    const m = await stat(join(e.path, 'metrics.jsonl')).catch(() => null);
    const s = await stat(join(e.path, 'summary.json')).catch(() => null);
    if ((m && m.size !== e.metrics.position) || (s && s.mtimeMs !== e.summaryMtime)) await this.refresh(e);
  }

  private async refresh(e: Entry): Promise<void> {
    let changed = false;
    const got = await e.metrics.read().catch(() => null);
    if (got) {
      if (got.reset) {
        e.records = [];
        e.keys.clear();
        this.emit('reset', { run: e.id });
        changed = true;
      }
      if (got.bad) e.warnings.push(`metrics.jsonl: ${got.bad} line(s) not valid JSON; ignored`);
      const fresh: RunRecord[] = [];
      for (const v of got.values) {
        const r = toRecord(v);
        if (r) fresh.push(r);
      }
      if (fresh.length) {
        const from = e.records.length;
        for (const r of fresh) {
          e.records.push(r);
          for (const k of Object.keys(r)) if (k !== 'step' && k !== 'task' && k !== 'epoch') e.keys.add(k);
        }
        this.emit('metrics', { run: e.id, from, records: fresh } satisfies MetricsEvent);
        changed = true;
      }
    }
    const edits = await e.editsTail.read().catch(() => null);
    if (edits) {
      if (edits.reset) e.edits = { count: 0, byKind: {} };
      for (const v of edits.values) {
        const kind = v !== null && typeof v === 'object' && typeof (v as { kind?: unknown }).kind === 'string' ? (v as { kind: string }).kind : 'unknown';
        e.edits.byKind[kind] = (e.edits.byKind[kind] ?? 0) + 1;
        e.edits.count++;
        changed = true;
      }
    }
    const ss = await stat(join(e.path, 'summary.json')).catch(() => null);
    if (ss && ss.mtimeMs !== e.summaryMtime) {
      try {
        const s = JSON.parse(await readFile(join(e.path, 'summary.json'), 'utf8')) as RunSummary;
        if (s && typeof s.status === 'string') {
          e.summary = s;
          e.summaryMtime = ss.mtimeMs;
          changed = true;
        }
      } catch {
        // Written atomically (rename), so a parse error is a foreign file: keep the last good one.
      }
    }
    const ms = await stat(join(e.path, 'metrics.jsonl')).catch(() => null);
    const times = [ms?.mtimeMs, ss?.mtimeMs].filter((t): t is number => t !== undefined);
    if (times.length) e.updatedAt = new Date(Math.max(...times));
    if (changed) this.runsChanged();
  }

  private regroup(): void {
    const list = [...this.entries.values()];
    const data: RunData[] = list.map((e) => ({
      path: e.path, config: e.config, seed: typeof e.config.seed === 'number' ? e.config.seed : null, records: e.records,
      edits: e.edits, summary: e.summary, startedAt: e.startedAt, updatedAt: e.updatedAt, warnings: [],
    }));
    const byPath = new Map(list.map((e) => [e.path, e]));
    for (const c of groupConditions(data, [])) for (const r of c.runs) {
      const e = byPath.get(r.path);
      if (e) e.condition = { label: c.label, color: c.color };
    }
  }

  /** Tells listeners the run list changed, at most once a second (the list carries every config). */
  private runsChanged(): void {
    if (this.runsTimer || this.closed) return;
    this.runsTimer = setTimeout(() => {
      this.runsTimer = null;
      this.emit('runs', this.runs());
    }, 1000);
  }

  private info(e: Entry): RunInfo {
    const last = e.records[e.records.length - 1];
    const bench = e.config.benchmark as { tasks?: unknown } | undefined;
    const tasks = typeof bench?.tasks === 'number' ? bench.tasks : null;
    const complete = e.summary?.status === 'complete';
    const status = e.summary?.status ?? (e.updatedAt && Date.now() - e.updatedAt.getTime() < RUNNING_WINDOW_MS ? 'running' : e.records.length ? 'no summary' : 'starting');
    return {
      id: e.id, root: e.root.name, rel: e.rel, config: e.config, seed: typeof e.config.seed === 'number' ? e.config.seed : null,
      status, summary: e.summary,
      progress: { task: last?.task ?? null, step: last?.step ?? null, tasks, fraction: complete ? 1 : tasks && last ? Math.min(1, (last.task + 1) / tasks) : null },
      keys: [...e.keys].sort(), records: e.records.length, edits: e.edits,
      startedAt: e.startedAt?.toISOString() ?? null, updatedAt: e.updatedAt?.toISOString() ?? null,
      condition: e.condition,
      warnings: [...e.warnings, ...(e.metrics.pendingBytes && e.summary ? [`metrics.jsonl ends in an incomplete line (${e.metrics.pendingBytes} bytes); ignored`] : [])],
    };
  }
}
