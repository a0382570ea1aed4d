import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { UsageError } from '../config/UsageError.js';
import { checkQueueUrl, redactIn } from '../cluster/redisUrl.js';
import { runJobWithRetries } from '../cluster/runJobWithRetries.js';
import { SweepWorker } from '../cluster/SweepWorker.js';
import type { SweepJob } from '../cluster/SweepJob.js';
import { EXIT, exitCodesHelp } from './exitCodes.js';

export const workerUsage = `supple worker --queue redis://[user:password@]host[:port][/db] [--concurrency N] [--out DIR]
supple worker --jobs FILE --index I [--out DIR] [--attempts N] [--backoff-seconds S]

Works the runs of sweeps submitted with 'supple sweep FILE --queue URL' (rediss:// for TLS), on any number of
machines: each run in its own process, resumed from its checkpoint when another worker left it (stopped,
killed, machine lost). A job whose worker stops heartbeating for --lock-seconds is taken over by another.
  --concurrency N     runs at once (default 1)
  --out DIR           the sweep folder on this machine, if mounted elsewhere than where the sweep was submitted
  --queue-name NAME   the BullMQ queue (default supple)
  --lock-seconds S    heartbeat timeout after which another worker takes a job over (default 30)
  --exit-when-done    stop once nothing is waiting, delayed or running
With --jobs and --index (what a Slurm array task runs): run job I of a jobs file written by --slurm,
retrying a failed run --attempts times (default 1) with exponential backoff.
Ctrl-C or SIGTERM: each run writes its checkpoint and its job returns to the queue (SIGUSR1 as well with --jobs).
Passwords in URLs are never printed.
${exitCodesHelp}`;

export async function workerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      queue: { type: 'string' }, concurrency: { type: 'string' }, out: { type: 'string' }, 'queue-name': { type: 'string' }, 'lock-seconds': { type: 'string' },
      'exit-when-done': { type: 'boolean', default: false }, jobs: { type: 'string' }, index: { type: 'string' }, attempts: { type: 'string' }, 'backoff-seconds': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(workerUsage);
    return EXIT.ok;
  }
  if (positionals.length) throw new UsageError(`supple worker: unexpected ${positionals.join(' ')} (supple worker --help)`);
  const num = (flag: string, v: string | undefined, dflt: number, min: number, integer = true) => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new UsageError(`--${flag} ${v}: not allowed; ${integer ? 'an integer' : 'a number'} >= ${min}`);
    return n;
  };
  const say = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${values.queue ? redactIn(line, values.queue) : line}`);
  if (values.jobs !== undefined) {
    if (values.queue) throw new UsageError('supple worker: --jobs (one job of a Slurm array) or --queue, not both');
    return arrayTask(values.jobs, num('index', values.index, -1, 0), num('attempts', values.attempts, 1, 1), num('backoff-seconds', values['backoff-seconds'], 30, 0, false), values.out, say);
  }
  if (!values.queue) throw new UsageError('supple worker: --queue redis://host:6379/0 is required (or --jobs FILE --index I) (supple worker --help)');
  const worker = new SweepWorker({
    url: checkQueueUrl(values.queue),
    ...(values['queue-name'] ? { name: values['queue-name'] } : {}),
    concurrency: num('concurrency', values.concurrency, 1, 1),
    ...(values.out ? { out: values.out } : {}),
    lockSeconds: num('lock-seconds', values['lock-seconds'], 30, 1, false),
    exitWhenDone: values['exit-when-done'],
    say,
  });
  const onSignal = (s: string) => void worker.stop(s, EXIT.interrupted);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);
  try {
    worker.start();
    const code = await worker.done;
    const c = worker.counts;
    say(`worker stopped: ${c.complete} done, ${c.diverged} diverged, ${c.failed} failed attempts, ${c.returned} returned to the queue`);
    return code;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

/** One job of a jobs file (a Slurm array task): run it, retrying failures with backoff; exit 0, 1, 2 or 130. */
async function arrayTask(file: string, index: number, attempts: number, backoffSeconds: number, out: string | undefined, say: (l: string) => void): Promise<number> {
  const jobs = JSON.parse(readFileSync(file, 'utf8')) as SweepJob[];
  if (index < 0 || index >= jobs.length) throw new UsageError(`--index ${index}: not allowed; 0 to ${jobs.length - 1} (the jobs of ${file})`);
  const job = jobs[index]!;
  let child: ChildProcess | null = null;
  let stops = 0;
  const onSignal = (s: string) => {
    stops++;
    if (stops === 1) say(`${s}: stopping the run; it writes its checkpoint`);
    child?.kill('SIGTERM');
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR1'] as const;
  for (const s of signals) process.on(s, onSignal);
  try {
    const o = await runJobWithRetries(job, {
      ...(out ? { out } : {}),
      attempts,
      backoffSeconds,
      stopping: () => stops > 0,
      onStart: (c) => {
        child = c;
        if (stops) c.kill('SIGTERM');
      },
      onRetry: (attempt, f) => {
        child = null;
        say(`failed (attempt ${attempt} of ${attempts}): ${f.message}`);
      },
    });
    child = null;
    if (o.kind === 'complete' || o.kind === 'diverged') {
      say(`${o.kind === 'complete' ? 'done' : 'DIVERGED'} ${o.dir}${o.ran ? '' : ' (finished before)'}`);
      return o.kind === 'complete' ? EXIT.ok : EXIT.failed;
    }
    if (o.kind === 'stopped') return EXIT.interrupted;
    if (o.kind === 'busy') {
      say(`${o.dir} is held by ${o.holder}`);
      return EXIT.failed;
    }
    if (o.kind !== 'failed') return EXIT.failed;
    say(`failed (attempt ${o.attempts} of ${attempts}): ${o.message}`);
    return o.permanent ? EXIT.usage : EXIT.failed;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
