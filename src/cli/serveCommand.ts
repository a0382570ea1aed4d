import { UsageError } from '../config/UsageError.js';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** The default port of `supple serve`. */
export const DEFAULT_PORT = 6060;

export const serveUsage = `supple serve [folders...] [--port N] [--host ADDR]

A live dashboard of runs in the browser: curves that grow as runs append metrics (zoom, hover values,
smoothing, log axes; runs grouped by condition with mean +- standard error over seeds; task boundaries),
a table of runs with status, progress, config differences and provenance, and the figures of report
folders. Also hosts the playground (/playground/): bp, cbp and shrink & perturb training side by side in
the browser. Reads only: nothing is written to the run folders.

Arguments:
  folders        run folders, sweep folders or folders holding them (default: runs and sweeps)

Options:
  --port N       port to listen on (default ${DEFAULT_PORT}; 0: any free port)
  --host ADDR    address to bind (default 127.0.0.1: this machine only; 0.0.0.0 exposes the runs to the network)
  -h, --help     this help`;

/** `supple serve`: runs until Ctrl-C (SIGINT) or SIGTERM. */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    console.log(serveUsage);
    return 0;
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`supple serve: --port ${values.port} is not allowed: give an integer from 0 (any free port) to 65535`);
  const host = values.host ?? '127.0.0.1';
  const folders = positionals.length ? positionals : ['runs', 'sweeps'];
  const missing = folders.filter((f) => !existsSync(f));
  if (positionals.length && missing.length === folders.length) throw new UsageError(`supple serve: no such folder: ${missing.join(', ')}`);
  const { startDashboard } = await import('../serve/startDashboard.js');
  const d = await startDashboard({ folders, host, port });
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    process.stderr.write(`warning: --host ${host}: the dashboard and every file below ${folders.join(', ')} can be read by anyone who can reach this machine on port ${d.port} (no authentication)\n`);
  }
  for (const m of missing) process.stderr.write(`note: ${m} does not exist yet; runs appearing there will be shown\n`);
  const n = d.store.runs().length;
  console.log(`supple serve: ${n} run${n === 1 ? '' : 's'} in ${d.roots.map((r) => r.path).join(', ')}`);
  console.log(`dashboard:  ${d.url}`);
  console.log(`playground: ${d.url}playground/`);
  console.log('Ctrl-C stops it.');
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await d.close();
  return 0;
}
