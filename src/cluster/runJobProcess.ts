import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { folderState, jobFolder, liveHolder, type SweepJob } from './SweepJob.js';

/** How one execution of a job ended. */
export type JobOutcome =
  /** Finished for good (`ran`: false when the folder was finished already, so nothing ran). */
  | { readonly kind: 'complete' | 'diverged'; readonly ran: boolean; readonly dir: string }
  /** Stopped on request with a checkpoint (exit 130): resumable, not a failure. */
  | { readonly kind: 'stopped'; readonly dir: string }
  /** Another live process holds the folder (a worker whose job was taken for stalled while it still runs). */
  | { readonly kind: 'busy'; readonly dir: string; readonly holder: string }
  /** The run failed; `permanent`: retrying cannot help (bad config, the folder holds another run). */
  | { readonly kind: 'failed'; readonly dir: string; readonly message: string; readonly permanent: boolean };

export interface RunJobOptions {
  /** The sweep folder on this machine, when it is mounted elsewhere than where the sweep was submitted. */
  readonly out?: string;
  /** SUPPLE_THREADS of the run (native backend threads). */
  readonly threads?: number;
  /** Gets the run's process once started (to forward stop signals to it). */
  readonly onStart?: (child: ChildProcess) => void;
  /** Write the run's own HTML report at its end (the local pool does; queue and Slurm workers leave it to `supple report`). */
  readonly report?: boolean;
}

const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** The end of a run's log, for the error kept with a failed job. */
function logTail(dir: string, lines = 15): string {
  try {
    return readFileSync(join(dir, 'log.txt'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Run (or resume, or skip when finished) one job in its folder, as a `supple run` process of its own that
 * writes `<folder>/log.txt`: the job model shared by the local pool, the queue's workers and Slurm array
 * tasks. A folder of another config is never touched; a folder locked by a live process is reported busy.
 * The process stops cleanly (checkpoint, exit 130) on SIGTERM or SIGINT, and when this process dies (its
 * IPC channel closes).
 */
export function runJobProcess(job: SweepJob, opts: RunJobOptions = {}): Promise<JobOutcome> {
  const dir = jobFolder(job, opts.out);
  const state = folderState(dir, job.id);
  if (state === 'complete' || state === 'diverged') return Promise.resolve({ kind: state, ran: false, dir });
  if (state === 'other') {
    return Promise.resolve({ kind: 'failed', dir, permanent: true, message: `${dir} holds another run (its config.json has another config hash than job ${job.id}); move it away and submit again` });
  }
  const holder = liveHolder(dir);
  if (holder) return Promise.resolve({ kind: 'busy', dir, holder: `process ${holder.pid} on ${holder.host}` });
  mkdirSync(dir, { recursive: true });
  const tail = opts.report ? ['--quiet'] : ['--quiet', '--no-report'];
  const args = state === 'partial' ? ['run', '--resume', dir, ...tail] : ['run', ...job.args, '--out', dir, ...tail];
  return new Promise((resolveRun, reject) => {
    // The run writes its log itself (not through a pipe to this process), so that it outlives a killed worker
    // long enough to write its checkpoint; its own process group keeps a terminal's Ctrl-C to the worker.
    const log = openSync(join(dir, 'log.txt'), 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [cli, ...args], {
        stdio: ['ignore', log, log, 'ipc'],
        detached: true,
        env: { ...process.env, ...(opts.threads ? { SUPPLE_THREADS: process.env.SUPPLE_THREADS ?? String(opts.threads) } : {}) },
      });
    } catch (e) {
      closeSync(log);
      reject(e);
      return;
    }
    closeSync(log);
    opts.onStart?.(child);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const after = folderState(dir, job.id);
      if (after === 'complete' || after === 'diverged') resolveRun({ kind: after, ran: true, dir });
      else if (code === 130) resolveRun({ kind: 'stopped', dir });
      else {
        const tail = logTail(dir);
        resolveRun({
          kind: 'failed', dir, permanent: code === 2,
          message: `supple run exited with ${code ?? signal} in ${dir}${tail ? `; end of its log.txt:\n${tail}` : ''}${existsSync(join(dir, 'log.txt')) ? '' : ' (no log)'}`,
        });
      }
    });
  });
}
