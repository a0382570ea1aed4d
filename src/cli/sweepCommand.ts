import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Catalog } from '../experiment/runConfig.js';
import { defaultSweepOut, expandSweep, readSweepFile, runArgs, sweepSchema, type SweepPoint } from '../experiment/sweep.js';
import { writeFileAtomic } from '../experiment/atomicWrite.js';
import { version } from '../version.js';
import { duration } from './ProgressBar.js';

export const sweepUsage = `supple sweep <file.yaml|json> [--workers N] [--dry-run] [--out DIR]
supple sweep --preset NAME [--seeds N] [--workers N] [--dry-run] [--out DIR] [--json]

Runs a grid over settings x seeds on a pool of worker processes (default: one per core). Runs already
complete are skipped; stopped or crashed ones are resumed. Each run gets its folder <out>/<label>/s<seed>.
Sweep file keys: benchmark, preset, methods, set, conditions, grid, seeds, backend, dataDir, workers, out.
With --preset and no file: every condition of the preset (the paper's comparison) x seeds.`;

type Status = 'complete' | 'partial' | 'new';

function statusOf(dir: string): Status {
  const s = join(dir, 'summary.json');
  if (existsSync(s)) {
    try {
      if ((JSON.parse(readFileSync(s, 'utf8')) as { status?: string }).status === 'complete') return 'complete';
    } catch {
      // a damaged summary: treat as partial and resume
    }
  }
  return existsSync(join(dir, 'config.json')) ? 'partial' : 'new';
}

export async function sweepCommand(argv: string[], catalog: Catalog): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workers: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, out: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
      preset: { type: 'string' }, seeds: { type: 'string' }, json: { type: 'boolean', default: false }, 'data-dir': { type: 'string' }, backend: { type: 'string' },
    },
  });
  const fromPreset = values.preset !== undefined && positionals.length === 0;
  if (values.help || (positionals.length !== 1 && !fromPreset)) {
    console.log(sweepUsage);
    return values.help ? 0 : 2;
  }
  if (!fromPreset && (values.preset || values.seeds)) throw new Error('supple sweep: --preset and --seeds go without a file (the file says them)');
  const seeds = values.seeds === undefined ? 3 : Number(values.seeds);
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`--seeds ${values.seeds}: not allowed; a positive integer`);
  const file = fromPreset
    ? sweepSchema.parse({ preset: values.preset, seeds, ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}), ...(values.backend ? { backend: values.backend } : {}) })
    : readSweepFile(positionals[0]!);
  const source = fromPreset ? `preset ${values.preset}` : positionals[0]!;
  const out = values.out ?? file.out ?? (fromPreset ? join('sweeps', values.preset!) : defaultSweepOut(positionals[0]!));
  const { registerCustomDataset } = await import('../benchmarks/data/customDataset.js');
  for (const [n, p] of Object.entries(file.datasets ?? {})) await registerCustomDataset(n, p);
  const points = expandSweep(file, catalog, version);
  const workers = Math.max(1, Number(values.workers ?? file.workers ?? availableParallelism()));
  if (!Number.isInteger(workers)) throw new Error(`--workers ${values.workers}: not allowed; a positive integer`);
  const status = points.map((p) => statusOf(join(out, p.dir)));
  const counts = { complete: 0, partial: 0, new: 0 };
  status.forEach((s) => counts[s]++);
  // With --json, stdout holds only the JSON; progress goes to stderr.
  const say = (line: string) => (values.json ? process.stderr.write(`${line}\n`) : console.log(line));
  say(`sweep ${source}: ${points.length} runs (${counts.complete} complete, ${counts.partial} to resume, ${counts.new} new) in ${out}, ${workers} workers`);
  if (values['dry-run'] && values.json) {
    console.log(JSON.stringify({ source, out, workers, runs: points.map((p, i) => ({ dir: join(out, p.dir), status: status[i], args: runArgs(p.request, join(out, p.dir)) })) }, null, 2));
    return 0;
  }
  if (values['dry-run']) {
    points.forEach((p, i) => console.log(`  ${status[i]!.padEnd(8)} ${join(out, p.dir)}  ${runArgs(p.request, join(out, p.dir)).join(' ')}`));
    return 0;
  }
  mkdirSync(out, { recursive: true });
  const record = () =>
    writeFileAtomic(join(out, 'sweep.json'), `${JSON.stringify({ version, file: source, sweep: file, runs: points.map((p, i) => ({ dir: p.dir, request: p.request, status: status[i] })) }, null, 2)}\n`);
  record();
  const cli = fileURLToPath(new URL('./main.js', import.meta.url));
  const todo = points.map((p, i) => ({ p, i })).filter(({ i }) => status[i] !== 'complete');
  let failed = 0;
  let doneCount = 0;
  const t0 = performance.now();
  const runOne = ({ p, i }: { p: SweepPoint; i: number }) =>
    new Promise<void>((resolveRun) => {
      const dir = join(out, p.dir);
      mkdirSync(dir, { recursive: true });
      const args = status[i] === 'partial' ? ['run', '--resume', dir, '--quiet'] : runArgs(p.request, dir);
      const log = createWriteStream(join(dir, 'log.txt'), { flags: 'a' });
      const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SUPPLE_THREADS: process.env.SUPPLE_THREADS ?? String(Math.max(1, Math.floor(availableParallelism() / workers))) } });
      child.stdout.pipe(log);
      child.stderr.pipe(log);
      child.on('close', (code) => {
        doneCount++;
        status[i] = statusOf(dir);
        if (code !== 0 || status[i] !== 'complete') failed++;
        say(`[${doneCount}/${todo.length}] ${code === 0 ? 'done  ' : `FAILED (exit ${code}, see ${join(dir, 'log.txt')})`} ${p.dir}  ${duration((performance.now() - t0) / 1000)}`);
        record();
        resolveRun();
      });
    });
  const queue = [...todo];
  await Promise.all(
    Array.from({ length: Math.min(workers, queue.length) }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await runOne(job);
    }),
  );
  if (values.json) console.log(JSON.stringify({ source, out, failed, runs: points.map((p, i) => ({ dir: join(out, p.dir), status: status[i] })) }, null, 2));
  say(`${failed ? `${failed} runs failed` : 'all runs complete'}; report: supple report ${out} --out ${join(out, 'report')}`);
  return failed ? 1 : 0;
}
