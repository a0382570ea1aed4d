import { runJobProcess, type JobOutcome, type RunJobOptions } from './runJobProcess.js';
import type { SweepJob } from './SweepJob.js';

/** How a failed run is retried outside a queue (the local pool and Slurm array tasks): as BullMQ does it. */
export interface RetryOptions extends RunJobOptions {
  /** Tries in all (1: no retry). */
  readonly attempts: number;
  /** Wait before the second try; doubled before each further one. */
  readonly backoffSeconds: number;
  /** True once the executor was asked to stop: no further try starts. */
  readonly stopping: () => boolean;
  /** Told of each failed try that will be retried. */
  readonly onRetry?: (attempt: number, outcome: JobOutcome & { kind: 'failed' }) => void;
}

/**
 * Run a job until it completes, diverges, stops, or has failed `attempts` times (a permanent failure, such as
 * a bad config or a folder of another run, is not retried): the retry rule every executor shares.
 */
export async function runJobWithRetries(job: SweepJob, o: RetryOptions): Promise<JobOutcome & { readonly attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await runJobProcess(job, o);
    if (outcome.kind !== 'failed' || outcome.permanent || attempt >= o.attempts || o.stopping()) return { ...outcome, attempts: attempt };
    o.onRetry?.(attempt, outcome);
    await new Promise((r) => setTimeout(r, o.backoffSeconds * 1000 * 2 ** (attempt - 1)));
    if (o.stopping()) return { ...outcome, attempts: attempt };
  }
}
