import { DelayedError, Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { ChildProcess } from 'node:child_process';
import { availableParallelism, hostname } from 'node:os';
import { DEFAULT_QUEUE, openRedis } from './RedisQueue.js';
import { redactIn, redactUrl } from './redisUrl.js';
import { runJobProcess, type JobOutcome, type RunJobOptions } from './runJobProcess.js';
import { jobFolder, lastStep, type SweepJob } from './SweepJob.js';

export interface SweepWorkerOptions {
  readonly url: string;
  readonly name?: string;
  /** Jobs run at once by this worker (each in its own process). */
  readonly concurrency: number;
  /** The sweep folder on this machine (default: the path each sweep was submitted with). */
  readonly out?: string;
  /**
   * How long a job stays this worker's without a heartbeat: a worker gone longer than this (killed, machine
   * lost) has its job taken over by another. Also how often workers look for such stalled jobs.
   */
  readonly lockSeconds: number;
  /** Stop once the queue has nothing waiting, delayed or running. */
  readonly exitWhenDone: boolean;
  /** Progress lines. */
  readonly say: (line: string) => void;
  /** Runs a job (default: runJobProcess); the queue's throughput benchmark passes an empty one. */
  readonly execute?: (job: SweepJob, opts: RunJobOptions) => Promise<JobOutcome>;
}

/**
 * A queue worker: takes sweep jobs from Redis (BullMQ), runs each as a `supple run` process in its folder
 * (resuming what a stopped or killed worker left), heartbeats the job's lock and progress, and hands back
 * jobs it was asked to drop (Ctrl-C: the run writes its checkpoint, the job returns to the queue).
 */
export class SweepWorker {
  private readonly children = new Set<ChildProcess>();
  private worker: Worker | null = null;
  private queue: Queue | null = null;
  private stopping = 0;
  private running = 0;
  private poll: NodeJS.Timeout | null = null;
  private finished!: (code: number) => void;
  /** Resolves with the exit code once the worker has stopped. */
  readonly done = new Promise<number>((r) => (this.finished = r));
  /** Jobs finished by this worker, by outcome. */
  readonly counts = { complete: 0, diverged: 0, failed: 0, returned: 0 };
  private readonly me = `${hostname()}:${process.pid}`;

  constructor(private readonly opts: SweepWorkerOptions) {}

  /** Connect and start taking jobs. */
  start(): void {
    const o = this.opts;
    const name = o.name ?? DEFAULT_QUEUE;
    // Each connection reports the same outage: one line per kind of trouble and half minute.
    let last = '';
    let lastAt = 0;
    const onError = (m: string) => {
      if (m === last && Date.now() - lastAt < 30000) return;
      last = m;
      lastAt = Date.now();
      o.say(`queue ${redactUrl(o.url)}: ${redactIn(m, o.url)} (retrying)`);
    };
    const connection = openRedis(o.url, onError);
    const threads = Math.max(1, Math.floor(availableParallelism() / o.concurrency));
    const lockMs = Math.round(o.lockSeconds * 1000);
    this.worker = new Worker<SweepJob>(name, (job, token) => this.process(job, token, threads, lockMs), {
      connection,
      concurrency: o.concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      // A job is taken over after each stall (killed worker); only a job that keeps stalling is failed.
      maxStalledCount: 5,
      autorun: true,
    });
    this.worker.on('error', (e) => onError(e.message));
    this.worker.on('failed', (job, e) => {
      if (!job || e instanceof WaitingError || e instanceof DelayedError) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || e instanceof UnrecoverableError;
      o.say(`failed ${job.data.dir} (attempt ${job.attemptsMade}${final ? ', no retry left' : ', will retry'}): ${e.message.split('\n')[0]}`);
    });
    if (o.exitWhenDone) {
      this.queue = new Queue(name, { connection: openRedis(o.url, onError) });
      this.queue.on('error', (e) => onError(e.message));
      this.poll = setInterval(() => void this.checkDone(), 500);
    }
    o.say(`worker ${this.me} on ${redactUrl(o.url)} queue ${name}: ${o.concurrency} at a time${o.out ? `, sweep folders under ${o.out}` : ''}`);
  }

  private async process(job: Job<SweepJob>, token: string | undefined, threads: number, lockMs: number): Promise<unknown> {
    const o = this.opts;
    const dir = jobFolder(job.data, o.out);
    this.running++;
    const beat = setInterval(() => {
      const step = lastStep(dir);
      if (step !== null) job.updateProgress({ step, worker: this.me }).catch(() => {});
    }, 5000);
    let outcome: JobOutcome;
    try {
      o.say(`start ${dir} (job ${job.id!.slice(0, 12)}, attempt ${job.attemptsMade + 1})`);
      outcome = await (o.execute ?? runJobProcess)(job.data, {
        ...(o.out ? { out: o.out } : {}),
        threads,
        onStart: (child) => {
          this.children.add(child);
          child.on('close', () => this.children.delete(child));
          // Asked to stop while it started: stop it too.
          if (this.stopping) child.kill('SIGTERM');
        },
      });
    } finally {
      clearInterval(beat);
      this.running--;
    }
    switch (outcome.kind) {
      case 'complete':
      case 'diverged':
        this.counts[outcome.kind]++;
        o.say(`${outcome.kind === 'complete' ? 'done' : 'DIVERGED'} ${dir}${outcome.ran ? '' : ' (finished before)'}`);
        return { status: outcome.kind, dir, worker: this.me };
      case 'stopped':
        // Checkpointed on request: back to the queue without counting an attempt.
        this.counts.returned++;
        o.say(`returned ${dir} to the queue (checkpoint written)`);
        await job.moveToWait(token);
        throw new WaitingError();
      case 'busy':
        // The job was taken for stalled while its first worker still runs it: look again later.
        o.say(`busy ${dir}: held by ${outcome.holder}; retrying later`);
        await job.moveToDelayed(Date.now() + lockMs, token);
        throw new DelayedError();
      case 'failed':
        this.counts.failed++;
        throw outcome.permanent ? new UnrecoverableError(outcome.message) : new Error(outcome.message);
    }
  }

  private async checkDone(): Promise<void> {
    if (this.stopping || this.running > 0 || !this.queue) return;
    try {
      const c = await this.queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
      if (Object.values(c).every((n) => n === 0) && this.running === 0) await this.stop('queue empty', 0);
    } catch {
      // Redis unreachable: look again next time.
    }
  }

  /**
   * Stop: runs in progress write their checkpoint and their jobs return to the queue; each further call sends
   * the runs one more SIGTERM (the third makes them quit at once). Resolves `done` with `code`.
   */
  async stop(why: string, code: number): Promise<void> {
    this.stopping++;
    for (const c of this.children) c.kill('SIGTERM');
    if (this.stopping > 1) return;
    if (this.poll) clearInterval(this.poll);
    if (this.children.size) this.opts.say(`${why}: stopping ${this.children.size} runs; each writes its checkpoint and its job returns to the queue`);
    // Closing waits for Redis; when it is out of reach, the runs' checkpoints are written all the same (their
    // jobs are taken over as stalled later): give up 5 s after the last run has stopped.
    const idle = new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (this.children.size === 0 && this.running === 0) {
          clearInterval(t);
          setTimeout(resolve, 5000).unref();
        }
      }, 200);
      t.unref();
    });
    await Promise.race([Promise.all([this.worker?.close(), this.queue?.close()]), idle]);
    this.finished(code);
  }
}
