import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SweepPoint } from '../experiment/sweep.js';
import { writeFileAtomic } from '../experiment/atomicWrite.js';
import { UsageError } from '../config/UsageError.js';
import { folderState, jobFolder, liveHolder, sweepJobs } from '../cluster/SweepJob.js';
import type { ConditionStatus } from '../cluster/RedisQueue.js';
import { checkQueueUrl, redactUrl } from '../cluster/redisUrl.js';
import { slurmScript, type SlurmOptions } from '../cluster/slurmScript.js';
import { EXIT } from './exitCodes.js';
import { version } from '../version.js';

/** The flags of `supple sweep` for the cluster executors (parsed by sweepCommand). */
export const clusterSweepOptions = {
  queue: { type: 'string' }, 'queue-name': { type: 'string' }, attempts: { type: 'string' }, 'backoff-seconds': { type: 'string' },
  slurm: { type: 'boolean', default: false }, partition: { type: 'string' }, time: { type: 'string' }, 'cpus-per-task': { type: 'string' }, mem: { type: 'string' },
  'no-requeue': { type: 'boolean', default: false }, 'no-submit': { type: 'boolean', default: false }, 'signal-seconds': { type: 'string' },
} as const;

/** The help text's part on the cluster executors. */
export const clusterSweepUsage = `Beyond one machine:
  --queue redis://[user:pw@]host:6379/0  put the runs on a Redis queue (BullMQ; rediss:// for TLS) instead of
                      running them; 'supple worker --queue URL' on any machines works them. Job ids are the runs'
                      config hashes: submitting again never duplicates work (failed jobs are retried)
  --attempts N        tries per run before it counts as failed (default 3 on a queue, 1 in the local pool),
                      --backoff-seconds S (default 30, doubling); --queue-name NAME (default supple)
  --slurm             write an sbatch job array (one task per run, resumed from its checkpoint when requeued or
                      preempted) to <out>/slurm/sweep.sbatch and submit it; with --dry-run print it, with
                      --no-submit write it (and jobs.json) without submitting
                      --partition P --time T --cpus-per-task C --mem M; --no-requeue; --signal-seconds S (default
                      120: SIGUSR1 that long before the time limit makes the run checkpoint and requeue itself)
supple sweep status <file> [--queue URL] [--json]   queued / running / done / failed per condition`;

type Values = {
  queue?: string; 'queue-name'?: string; attempts?: string; 'backoff-seconds'?: string; slurm?: boolean; partition?: string; time?: string; 'cpus-per-task'?: string; mem?: string;
  'no-requeue'?: boolean; 'no-submit'?: boolean; 'signal-seconds'?: string; 'dry-run'?: boolean; json?: boolean; workers?: string;
};

/** A flag's positive integer value, or `dflt` when absent. */
export function positiveInt(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} ${v}: not allowed; a positive integer`);
  return n;
}

/** A flag's number >= 0, or `dflt` when absent. */
export function nonNegative(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(n >= 0)) throw new UsageError(`--${flag} ${v}: not allowed; a number >= 0`);
  return n;
}

/** `supple sweep FILE --queue URL`: enqueue one job per run (idempotent by config hash). */
export async function submitToQueue(source: string, points: readonly SweepPoint[], out: string, values: Values, say: (l: string) => void): Promise<number> {
  // BullMQ loads only with --queue: it would slow the start of every sweep.
  const { DEFAULT_QUEUE, submitJobs } = await import('../cluster/RedisQueue.js');
  const url = checkQueueUrl(values.queue!);
  const jobs = sweepJobs(points, out);
  const backoff = nonNegative('backoff-seconds', values['backoff-seconds'], 30);
  const retry = { attempts: positiveInt('attempts', values.attempts, 3), backoffSeconds: backoff };
  const name = values['queue-name'] ?? DEFAULT_QUEUE;
  if (values['dry-run']) {
    for (const j of jobs) say(`  ${j.id.slice(0, 12)}  ${jobFolder(j)}  ${j.args.join(' ')}`);
    return EXIT.ok;
  }
  mkdirSync(out, { recursive: true });
  writeFileAtomic(join(out, 'sweep.json'), `${JSON.stringify({ version, file: source, executor: { queue: redactUrl(url), name, ...retry }, runs: jobs.map((j) => ({ dir: j.dir, configHash: j.id, label: j.label, seed: j.seed })) }, null, 2)}\n`);
  const r = await submitJobs(url, jobs, retry, name);
  say(`queued ${r.added} new runs on ${redactUrl(url)} (queue ${name}); ${r.existing} were queued, running or done already${r.retried ? `, ${r.retried} failed ones queued again` : ''}`);
  if (r.elsewhere.length) {
    say(`note: some of these runs (same configs, same job ids) were submitted with another sweep folder, ${r.elsewhere.join(', ')}: they run or ran there; use another --queue-name to run them again here`);
  }
  say(`work them with: supple worker --queue ${redactUrl(url)}${name !== DEFAULT_QUEUE ? ` --queue-name ${name}` : ''} (on any machine that sees ${resolve(out)}); progress: supple sweep status ${source} --queue ...`);
  return EXIT.ok;
}

/** `supple sweep FILE --slurm`: an sbatch job array of the runs, submitted (or printed with --dry-run). */
export function submitToSlurm(points: readonly SweepPoint[], out: string, values: Values, say: (l: string) => void): number {
  const jobs = sweepJobs(points, out);
  const dir = resolve(out, 'slurm');
  const opts: SlurmOptions = {
    ...(values.partition ? { partition: values.partition } : {}),
    ...(values.time ? { time: values.time } : {}),
    ...(values['cpus-per-task'] ? { cpusPerTask: positiveInt('cpus-per-task', values['cpus-per-task'], 1) } : {}),
    ...(values.mem ? { mem: values.mem } : {}),
    ...(values.workers ? { maxParallel: positiveInt('workers', values.workers, 1) } : {}),
    requeue: !values['no-requeue'],
    signalSeconds: positiveInt('signal-seconds', values['signal-seconds'], 120),
    jobName: `supple-${basename(resolve(out))}`,
  };
  const script = slurmScript(opts, { node: process.execPath, cli: fileURLToPath(new URL('./main.js', import.meta.url)), jobsFile: join(dir, 'jobs.json'), count: jobs.length, logDir: dir });
  if (values['dry-run']) {
    process.stdout.write(script);
    return EXIT.ok;
  }
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'jobs.json'), `${JSON.stringify(jobs, null, 2)}\n`);
  const file = join(dir, 'sweep.sbatch');
  writeFileSync(file, script, { mode: 0o755 });
  if (values['no-submit']) {
    say(`wrote ${file} (${jobs.length} array tasks) and ${join(dir, 'jobs.json')}; submit with: sbatch ${file}`);
    return EXIT.ok;
  }
  const r = spawnSync('sbatch', [file], { encoding: 'utf8' });
  if (r.error) {
    say(`sbatch could not be run here (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): submit ${file} with sbatch on the cluster's login node`);
    return EXIT.failed;
  }
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (r.status === 0) say(`${jobs.length} array tasks; logs in ${dir}; progress: supple sweep status ...`);
  return r.status === 0 ? EXIT.ok : EXIT.failed;
}

/** `supple sweep status FILE`: queued / running / done / failed per condition, from the queue or the run folders. */
export async function sweepStatus(source: string, points: readonly SweepPoint[], out: string, values: Values): Promise<number> {
  const jobs = sweepJobs(points, out);
  let rows: ConditionStatus[];
  if (values.queue) {
    const { DEFAULT_QUEUE, queueStatus } = await import('../cluster/RedisQueue.js');
    rows = await queueStatus(checkQueueUrl(values.queue), new Set(jobs.map((j) => j.id)), values['queue-name'] ?? DEFAULT_QUEUE);
  } else {
    const byLabel = new Map<string, ConditionStatus>();
    for (const j of jobs) {
      let r = byLabel.get(j.label);
      if (!r) byLabel.set(j.label, (r = { label: j.label, queued: 0, running: 0, done: 0, diverged: 0, failed: 0, errors: [] }));
      const dir = jobFolder(j);
      const s = folderState(dir, j.id);
      if (s === 'complete') r.done++;
      else if (s === 'diverged') r.diverged++;
      else if (s === 'other') {
        r.failed++;
        r.errors.push(`${dir}: holds another run`);
      } else if (s === 'partial' && liveHolder(dir)) r.running++;
      else r.queued++;
    }
    rows = [...byLabel.values()];
  }
  if (values.json) {
    console.log(JSON.stringify({ source, out: resolve(out), conditions: rows }, null, 2));
    return EXIT.ok;
  }
  const w = Math.max(9, ...rows.map((r) => r.label.length));
  console.log(`sweep ${source} (${jobs.length} runs${values.queue ? `, queue ${redactUrl(values.queue)}` : `, folders in ${out}`}):`);
  console.log(`  ${'condition'.padEnd(w)}  queued  running  done  diverged  failed`);
  for (const r of rows) console.log(`  ${r.label.padEnd(w)}  ${String(r.queued).padStart(6)}  ${String(r.running).padStart(7)}  ${String(r.done).padStart(4)}  ${String(r.diverged).padStart(8)}  ${String(r.failed).padStart(6)}`);
  for (const r of rows) for (const e of r.errors) console.log(`  failed: ${e}`);
  return EXIT.ok;
}
