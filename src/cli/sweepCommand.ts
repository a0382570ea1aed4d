import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Catalog } from '../experiment/runConfig.js';
import { defaultSweepOut, expandSweep, readSweepFile, runArgs, sweepSchema, type SweepPoint } from '../experiment/sweep.js';
import { writeFileAtomic } from '../experiment/atomicWrite.js';
import { checkOutputDir } from '../experiment/checkOutputDir.js';
import { configDiff } from '../experiment/configDiff.js';
import { configHash } from '../experiment/configHash.js';
import { RunLock } from '../experiment/RunLock.js';
import { ConfigError } from '../config/parseConfig.js';
import { UsageError } from '../config/UsageError.js';
import { EXIT, exitCodesHelp } from './exitCodes.js';
import { version } from '../version.js';
import { duration } from './ProgressBar.js';
import { folderState, sweepJobs } from '../cluster/SweepJob.js';
import { runJobWithRetries } from '../cluster/runJobWithRetries.js';
import { clusterSweepOptions, nonNegative, positiveInt, clusterSweepUsage, submitToQueue, submitToSlurm, sweepStatus } from './clusterSweep.js';

export const sweepUsage = `supple sweep <file.yaml|json> [--workers N] [--dry-run] [--out DIR]
supple sweep --preset NAME [--seeds N] [--workers N] [--dry-run] [--out DIR] [--json]

Runs a grid over settings x seeds on a pool of worker processes (default: one per core). Runs already
complete are skipped; stopped or crashed ones are resumed. Each run gets its folder <out>/<label>/s<seed>.
Sweep file keys: benchmark, preset, methods, set, conditions, grid, seeds, backend, dataDir, workers, out.
With --preset and no file: every condition of the preset (the paper's comparison) x seeds.
An existing run folder is reused only when its config.json is the same run (same config hash); a folder
holding another config is an error, never overwritten. Ctrl-C or SIGTERM stops every worker cleanly (each
writes its checkpoint); run the same command again to resume. Workers stop too if the sweep is killed.
${clusterSweepUsage}
${exitCodesHelp}`;

type Status = 'complete' | 'diverged' | 'partial' | 'new';

/**
 * Where a run folder stands, given the run it must hold (the job model's `folderState`); a folder of another run
 * throws, saying how its config differs.
 */
function statusOf(dir: string, p: SweepPoint): Status {
  const state = folderState(dir, configHash(p.config));
  if (state !== 'other') return state;
  const cfg = join(dir, 'config.json');
  let stored: unknown;
  try {
    stored = JSON.parse(readFileSync(cfg, 'utf8'));
  } catch (e) {
    throw new ConfigError(cfg, [`not valid JSON (${(e as Error).message}); move the folder away to run it again`]);
  }
  throw new ConfigError(dir, [`holds another run than the sweep's point ${p.dir} (config.json -> sweep: ${configDiff(stored, p.config).join('; ')}); move it away or change the sweep's out`]);
}

export async function sweepCommand(argv: string[], catalog: Catalog): Promise<number> {
  const statusOnly = argv[0] === 'status';
  const { values, positionals } = parseArgs({
    args: statusOnly ? argv.slice(1) : argv,
    allowPositionals: true,
    options: {
      workers: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, out: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
      preset: { type: 'string' }, seeds: { type: 'string' }, json: { type: 'boolean', default: false }, 'data-dir': { type: 'string' }, backend: { type: 'string' },
      ...clusterSweepOptions,
    },
  });
  const fromPreset = values.preset !== undefined && positionals.length === 0;
  if (values.help || (positionals.length !== 1 && !fromPreset)) {
    console.log(sweepUsage);
    return values.help ? 0 : 2;
  }
  if (!fromPreset && (values.preset || values.seeds)) throw new UsageError('supple sweep: --preset and --seeds go without a file (the file says them)');
  const seeds = values.seeds === undefined ? 3 : Number(values.seeds);
  if (!Number.isInteger(seeds) || seeds < 1) throw new UsageError(`--seeds ${values.seeds}: not allowed; a positive integer`);
  const file = fromPreset
    ? sweepSchema.parse({ preset: values.preset, seeds, ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}), ...(values.backend ? { backend: values.backend } : {}) })
    : readSweepFile(positionals[0]!);
  const source = fromPreset ? `preset ${values.preset}` : positionals[0]!;
  const out = values.out ?? file.out ?? (fromPreset ? join('sweeps', values.preset!) : defaultSweepOut(positionals[0]!));
  const { registerCustomDataset } = await import('../benchmarks/data/customDataset.js');
  for (const [n, p] of Object.entries(file.datasets ?? {})) await registerCustomDataset(n, p);
  const points = expandSweep(file, catalog, version);
  const workers = Math.max(1, Number(values.workers ?? file.workers ?? availableParallelism()));
  if (!Number.isInteger(workers)) throw new UsageError(`--workers ${values.workers}: not allowed; a positive integer`);
  // Status reports folders of other runs as failed rather than refusing to show anything.
  if (statusOnly) return sweepStatus(source, points, out, values);
  const problems: string[] = [];
  const status = points.map((p) => {
    try {
      return statusOf(join(out, p.dir), p);
    } catch (e) {
      problems.push((e as Error).message);
      return 'new' as Status;
    }
  });
  if (problems.length) throw new ConfigError(`sweep ${source}`, problems);
  if (values.queue !== undefined) return submitToQueue(source, points, out, values, (l) => (values.json ? process.stderr.write(`${l}\n`) : console.log(l)));
  if (values.slurm) return submitToSlurm(points, out, values, (l) => process.stderr.write(`${l}\n`));
  const counts = { complete: 0, diverged: 0, partial: 0, new: 0 };
  status.forEach((s) => counts[s]++);
  // With --json, stdout holds only the JSON; progress goes to stderr.
  const say = (line: string) => (values.json ? process.stderr.write(`${line}\n`) : console.log(line));
  say(`sweep ${source}: ${points.length} runs (${counts.complete} complete, ${counts.diverged ? `${counts.diverged} diverged, ` : ''}${counts.partial} to resume, ${counts.new} new) in ${out}, ${workers} workers`);
  if (values['dry-run'] && values.json) {
    console.log(JSON.stringify({ source, out, workers, runs: points.map((p, i) => ({ dir: join(out, p.dir), status: status[i], args: runArgs(p.request, join(out, p.dir)) })) }, null, 2));
    return EXIT.ok;
  }
  if (values['dry-run']) {
    points.forEach((p, i) => console.log(`  ${status[i]!.padEnd(8)} ${join(out, p.dir)}  ${runArgs(p.request, join(out, p.dir)).join(' ')}`));
    return EXIT.ok;
  }
  checkOutputDir(out);
  // One sweep per folder at a time; each run folder is locked by its worker as well.
  const lock = RunLock.acquire(out);
  const workersAlive = new Set<ChildProcess>();
  let stops = 0;
  const onSignal = (signal: string) => {
    stops++;
    if (stops === 1) say(`${signal}: stopping ${workersAlive.size} workers; each writes its checkpoint (run the same command again to resume)`);
    // Each worker gets one SIGTERM per signal received: the third makes it quit at once.
    for (const c of workersAlive) c.kill('SIGTERM');
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);
  const ignorePipe = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  };
  process.stdout.on('error', ignorePipe);
  try {
    const record = () =>
      writeFileAtomic(join(out, 'sweep.json'), `${JSON.stringify({ version, file: source, sweep: file, runs: points.map((p, i) => ({ dir: p.dir, configHash: configHash(p.config), request: p.request, status: status[i] })) }, null, 2)}\n`);
    record();
    const jobs = sweepJobs(points, out);
    const attempts = positiveInt('attempts', values.attempts, 1);
    const backoffSeconds = nonNegative('backoff-seconds', values['backoff-seconds'], 30);
    const threads = Math.max(1, Math.floor(availableParallelism() / workers));
    const todo = points.map((p, i) => ({ p, i })).filter(({ i }) => status[i] === 'partial' || status[i] === 'new');
    let failed = 0;
    let diverged = counts.diverged;
    let stopped = 0;
    let doneCount = 0;
    const t0 = performance.now();
    // The job model every executor shares (runJobProcess): a `supple run` process of its own per run, which
    // writes its log itself, stops cleanly on SIGTERM and when this process dies; failures retried as --attempts says.
    const runOne = async ({ p, i }: { p: SweepPoint; i: number }) => {
      const dir = join(out, p.dir);
      checkOutputDir(dir);
      let child: ChildProcess | null = null;
      const o = await runJobWithRetries(jobs[i]!, {
        attempts,
        backoffSeconds,
        threads,
        report: true,
        stopping: () => stops > 0,
        onStart: (c) => {
          child = c;
          workersAlive.add(c);
        },
        onRetry: (attempt, f) => {
          if (child) workersAlive.delete(child);
          say(`retrying ${p.dir} (attempt ${attempt} of ${attempts} failed: ${f.message.split('\n')[0]}) in ${duration(backoffSeconds * 2 ** (attempt - 1))}`);
        },
      });
      if (child) workersAlive.delete(child);
      doneCount++;
      try {
        status[i] = statusOf(dir, p);
      } catch {
        status[i] = 'partial';
      }
      let what: string;
      if (o.kind === 'complete') what = 'done  ';
      else if (o.kind === 'diverged') {
        what = 'DIVERGED';
        diverged++;
      } else if (o.kind === 'stopped' || stops > 0) {
        what = 'stopped (resumable)';
        stopped++;
      } else {
        what = o.kind === 'busy' ? `FAILED (held by ${o.holder})` : o.kind !== 'failed' ? 'FAILED' : `FAILED (${o.message.split(';')[0]}${o.attempts > 1 ? `, ${o.attempts} attempts` : ''}; see ${join(dir, 'log.txt')})`;
        failed++;
      }
      say(`[${doneCount}/${todo.length}] ${what} ${p.dir}  ${duration((performance.now() - t0) / 1000)}`);
      record();
    };
    const queue = [...todo];
    await Promise.all(
      Array.from({ length: Math.min(workers, queue.length) }, async () => {
        for (let job = queue.shift(); job && stops === 0; job = queue.shift()) await runOne(job);
      }),
    );
    if (stops > 0) {
      say(`stopped: ${stopped + queue.length} runs to resume; run the same command again to continue`);
      return EXIT.interrupted;
    }
    const bad = [failed ? `${failed} runs failed` : '', diverged ? `${diverged} runs diverged` : ''].filter(Boolean).join(', ');
    if (values.json) console.log(JSON.stringify({ source, out, failed, diverged, runs: points.map((p, i) => ({ dir: join(out, p.dir), status: status[i] })) }, null, 2));
    say(`${bad || 'all runs complete'}; report: supple report ${out} --out ${join(out, 'report')}`);
    return failed || diverged ? EXIT.failed : EXIT.ok;
  } finally {
    for (const s of signals) process.off(s, onSignal);
    lock.release();
  }
}
