import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { checkQueueUrl, redactIn, redactUrl } from './redisUrl.js';
import type { SweepJob } from './SweepJob.js';

/** The BullMQ queue that sweeps use unless told otherwise. */
export const DEFAULT_QUEUE = 'supple';

/**
 * A Redis connection for BullMQ (commands wait while it reconnects, forever: a worker outlives a Redis
 * restart or a network outage). `onError` gets messages with the URL's credentials hidden.
 */
export function openRedis(url: string, onError: (message: string) => void = () => {}, persistent = true): Redis {
  checkQueueUrl(url);
  // A worker waits out any outage; a command (submit, status) gives up after a few seconds with an error.
  const r = new Redis(url, persistent
    ? { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(200 * times, 2000) }
    : { maxRetriesPerRequest: 2, retryStrategy: (times) => (times > 8 ? null : Math.min(200 * times, 1000)) });
  let last = '';
  r.on('error', (e: Error) => {
    const m = redactIn(e.message, url);
    // One line per kind of trouble, not one per reconnection attempt.
    if (m !== last) onError(m);
    last = m;
  });
  r.on('ready', () => (last = ''));
  return r;
}

/** How jobs retry: attempts in all, exponential backoff from `backoffSeconds`. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffSeconds: number;
}

/** What submitting a sweep found and did, by job. */
export interface SubmitResult {
  readonly added: number;
  /** Jobs already there (queued, running or done): not added twice. */
  readonly existing: number;
  /** Jobs that had failed for good and were queued again. */
  readonly retried: number;
  /** Of the existing jobs, those submitted with another sweep folder (the same configs run there). */
  readonly elsewhere: string[];
}

/**
 * Put a sweep's jobs on the queue, each under its config hash: a job already known (waiting, running, done)
 * is left as it is, so submitting again never duplicates work; one that failed for good is retried.
 */
export async function submitJobs(url: string, jobs: readonly SweepJob[], retry: RetryPolicy, name = DEFAULT_QUEUE): Promise<SubmitResult> {
  const connection = openRedis(url, () => {}, false);
  const queue = new Queue(name, { connection });
  queue.on('error', () => {});
  try {
    let existing = 0;
    let retried = 0;
    const elsewhere = new Set<string>();
    const fresh: SweepJob[] = [];
    for (const j of jobs) {
      const known = (await queue.getJob(j.id)) as Job<SweepJob> | undefined;
      if (known && known.data.sweepOut !== j.sweepOut) elsewhere.add(known.data.sweepOut);
      if (!known) fresh.push(j);
      else if ((await known.getState()) === 'failed') {
        await known.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        retried++;
      } else existing++;
    }
    await queue.addBulk(
      fresh.map((j) => ({
        name: j.label,
        data: j,
        opts: { jobId: j.id, attempts: retry.attempts, backoff: { type: 'exponential', delay: retry.backoffSeconds * 1000 }, removeOnComplete: false, removeOnFail: false },
      })),
    );
    return { added: fresh.length, existing, retried, elsewhere: [...elsewhere] };
  } catch (e) {
    throw unreachable(url, e);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Counts of one condition (label) of a sweep in the queue. */
export interface ConditionStatus {
  label: string;
  queued: number;
  running: number;
  done: number;
  diverged: number;
  failed: number;
  /** The kept errors of failed jobs (run folder: message). */
  errors: string[];
}

/** Jobs of the queue by condition; only the given job ids when `ids` is set (one sweep). */
export async function queueStatus(url: string, ids: ReadonlySet<string> | null, name = DEFAULT_QUEUE): Promise<ConditionStatus[]> {
  const connection = openRedis(url, () => {}, false);
  const queue = new Queue(name, { connection });
  queue.on('error', () => {});
  try {
    const rows = new Map<string, ConditionStatus>();
    const row = (label: string) => {
      let r = rows.get(label);
      if (!r) rows.set(label, (r = { label, queued: 0, running: 0, done: 0, diverged: 0, failed: 0, errors: [] }));
      return r;
    };
    const states = [['wait', 'queued'], ['prioritized', 'queued'], ['delayed', 'queued'], ['active', 'running'], ['completed', 'done'], ['failed', 'failed']] as const;
    for (const [state, column] of states) {
      const jobs = (await queue.getJobs([state], 0, -1)) as Array<Job<SweepJob> | undefined>;
      for (const j of jobs) {
        if (!j || (ids && !ids.has(j.id ?? ''))) continue;
        const r = row(j.data.label);
        if (column === 'done' && (j.returnvalue as { status?: string } | null)?.status === 'diverged') r.diverged++;
        else r[column]++;
        if (column === 'failed') r.errors.push(`${j.data.dir}: ${j.failedReason.split('\n')[0]} (after ${j.attemptsMade} attempts)`);
      }
    }
    return [...rows.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  } catch (e) {
    throw unreachable(url, e);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** An error of the queue, with the URL's credentials hidden. */
function unreachable(url: string, e: unknown): Error {
  return new Error(`queue ${redactUrl(url)}: ${redactIn((e as Error).message, url)} (is Redis running there, and the URL right?)`);
}
