import { existsSync, readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { version } from '../version.js';
import { RunStore, type MetricsEvent, type ServedRoot } from './RunStore.js';
import { resolveInside } from './safePath.js';

/** Options of `supple serve`. */
export interface DashboardOptions {
  /** Run folders, sweep folders or folders of them (default: runs and sweeps). */
  readonly folders?: readonly string[];
  /** Address to bind (default 127.0.0.1: only this machine). */
  readonly host?: string;
  /** Port (0: a free one). */
  readonly port?: number;
}

/** A running dashboard. */
export interface Dashboard {
  /** http://host:port/ */
  readonly url: string;
  readonly port: number;
  readonly roots: readonly ServedRoot[];
  readonly store: RunStore;
  /**
   * Stops the server: ends the live streams, stops watching the run folders, and resolves once the port is released.
   */
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json',
  '.json': 'application/json', '.jsonl': 'text/plain; charset=utf-8', '.csv': 'text/csv; charset=utf-8', '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.wasm': 'application/wasm', '.gz': 'application/gzip',
};

/** Where the build puts the browser bundles (scripts/build-web.mjs). */
const distDir = fileURLToPath(new URL('../../', import.meta.url));

/** The files of a bundle folder, by name: the only names served from it (nothing from a request reaches the path). */
function bundle(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (existsSync(dir)) for (const n of readdirSync(dir)) files.set(n, join(dir, n));
  return files;
}

/** Names for the served folders: their base names, numbered where two share one. */
export function nameRoots(folders: readonly string[]): ServedRoot[] {
  const used = new Map<string, number>();
  return folders.map((f) => {
    const path = resolve(f);
    const base = (basename(path) || 'root').replace(/[^A-Za-z0-9._-]/g, '_');
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return { name: n === 1 ? base : `${base}-${n}`, path };
  });
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Starts the dashboard: a read-only HTTP server over the run folders (GET and HEAD only) with the dashboard page,
 * the playground, a JSON API and a Server-Sent Events stream of appended metrics.
 *
 * - `/` the dashboard, `/playground/` the playground
 * - `/api/info` version and served folders, `/api/runs` every run (RunInfo), `/api/metrics?run=ID` its records, `/api/reports` report folders found
 * - `/api/events` SSE: `runs` (the run list), `metrics` ({run, from, records}), `reset` ({run})
 * - `/files/<folder>/<path>` a file below a served folder (report pages and figures); anything outside is refused
 */
export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const folders = options.folders?.length ? options.folders : ['runs', 'sweeps'];
  const roots = nameRoots(folders);
  const host = options.host ?? '127.0.0.1';
  const store = new RunStore(roots);
  await store.start();
  const dashboardFiles = bundle(join(distDir, 'dashboard'));
  const playgroundFiles = bundle(join(distDir, 'playground'));
  const clients = new Set<ServerResponse>();

  const send = (res: ServerResponse, event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const broadcast = (event: string, data: unknown) => {
    for (const c of clients) send(c, event, data);
  };
  store.on('runs', (runs) => broadcast('runs', runs));
  store.on('metrics', (m: MetricsEvent) => broadcast('metrics', m));
  store.on('reset', (r) => broadcast('reset', r));
  const heartbeat = setInterval(() => {
    for (const c of clients) c.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  const fail = (res: ServerResponse, code: number, message: string, headers: Record<string, string> = {}) => {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(`${message}\n`);
  };
  const json = (req: IncomingMessage, res: ServerResponse, value: unknown) => {
    const body = JSON.stringify(value);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const file = async (req: IncomingMessage, res: ServerResponse, path: string, extra: Record<string, string> = {}) => {
    const s = await stat(path).catch(() => null);
    if (!s?.isFile()) return fail(res, 404, 'not found');
    res.writeHead(200, { 'content-type': MIME[extname(path).toLowerCase()] ?? 'application/octet-stream', 'content-length': String(s.size), 'cache-control': 'no-cache', ...extra });
    res.end(req.method === 'HEAD' ? undefined : await readFile(path));
  };
  // The pages are cross-origin isolated so that the playground's wasm backend may use shared memory; they load
  // nothing from elsewhere.
  const csp = (script: string) =>
    `default-src 'self'; script-src ${script}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self'; connect-src 'self'`;
  const pageHeaders = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'content-security-policy': csp("'self'") };
  // The playground's worker runs the engine, whose wasm backend compiles kernels.wasm and builds its kernel
  // wrappers with new Function (src/backend/wasm/wrapKernels.ts).
  const playgroundHeaders = { ...pageHeaders, 'content-security-policy': csp("'self' 'wasm-unsafe-eval' 'unsafe-eval'") };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, `${req.method} is not allowed: this server only reads`, { allow: 'GET, HEAD' });
    // Bound to this machine only: refuse other Host names, so that a web page cannot reach it by DNS rebinding.
    if (LOOPBACK.has(host)) {
      const h = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      if (!LOOPBACK.has(h)) return fail(res, 403, `Host '${req.headers.host}' refused: this server answers to 127.0.0.1 and localhost only`);
    }
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));

    if (path === '/' || path === '/index.html') {
      const index = dashboardFiles.get('index.html');
      return index ? file(req, res, index, pageHeaders) : fail(res, 500, `the dashboard is not built (no ${join(distDir, 'dashboard')}): run npm run build`);
    }
    if (path === '/playground') {
      res.writeHead(301, { location: '/playground/' });
      return void res.end();
    }
    if (path.startsWith('/playground/')) {
      const name = path.slice('/playground/'.length) || 'index.html';
      const f = playgroundFiles.get(name);
      return f ? file(req, res, f, playgroundHeaders) : fail(res, 404, 'not found');
    }
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    if (path === '/api/info') return json(req, res, { version, folders: roots.map((r) => ({ name: r.name, path: r.path })) });
    if (path === '/api/runs') return json(req, res, store.runs());
    if (path === '/api/reports') return json(req, res, store.reports());
    if (path === '/api/metrics') {
      const id = query.get('run') ?? '';
      const records = store.records(id);
      return records ? json(req, res, { run: id, records }) : fail(res, 404, `no run '${id}'`);
    }
    if (path === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      send(res, 'runs', store.runs());
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (path.startsWith('/files/')) {
      const rest = path.slice('/files/'.length);
      const slash = rest.indexOf('/');
      const root = roots.find((r) => r.name === decodeSafe(slash < 0 ? rest : rest.slice(0, slash)));
      const inside = root && slash >= 0 ? await resolveInside(root.path, rest.slice(slash + 1)) : null;
      if (!inside) return fail(res, 404, 'not found (only files below the served folders are served)');
      return file(req, res, inside);
    }
    const f = dashboardFiles.get(path.slice(1));
    return f ? file(req, res, f) : fail(res, 404, 'not found');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) fail(res, 500, (e as Error).message);
      else res.end();
    });
  });
  await new Promise<void>((ok, bad) => {
    server.once('error', bad);
    server.listen(options.port ?? 0, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`, port, roots, store,
    close: async () => {
      clearInterval(heartbeat);
      store.close();
      for (const c of clients) c.end();
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
    },
  };
}

function decodeSafe(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
