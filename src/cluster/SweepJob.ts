import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configHash } from '../experiment/configHash.js';
import { runArgs, type SweepPoint } from '../experiment/sweep.js';
import { processAlive } from '../experiment/atomicWrite.js';
import { hostname } from 'node:os';

/**
 * One run of a sweep as every executor sees it (local pool, Redis queue, Slurm array task): its identity is the
 * hash of its resolved config, so submitting a sweep twice never duplicates work and a folder is resumed only
 * by the run it holds.
 */
export interface SweepJob {
  /** configHash of the run's resolved config: the queue's job id. */
  readonly id: string;
  /** Folder of the run relative to the sweep folder (`<label>/s<seed>`). */
  readonly dir: string;
  /** The sweep folder the job was submitted with (absolute); a worker may mount it elsewhere (`--out`). */
  readonly sweepOut: string;
  /** The condition (label) of the run, for status tables. */
  readonly label: string;
  readonly seed: number;
  /** Arguments of `supple run` that start it, without `--out` (added where the folder is). */
  readonly args: readonly string[];
}

/** The jobs of a sweep's points. */
export function sweepJobs(points: readonly SweepPoint[], out: string): SweepJob[] {
  const sweepOut = resolve(out);
  return points.map((p) => {
    const args = runArgs(p.request, '.');
    // runArgs ends with --out <dir> --quiet: keep the run's options only.
    const at = args.lastIndexOf('--out');
    return { id: configHash(p.config), dir: p.dir, sweepOut, label: p.request.label ?? p.dir, seed: p.request.seed ?? 0, args: args.slice(1, at) };
  });
}

/** The run folder of a job: under the sweep folder it was submitted with, or under `out` when given. */
export function jobFolder(job: SweepJob, out?: string): string {
  return join(out ? resolve(out) : job.sweepOut, job.dir);
}

/** Where a job's folder stands: empty, partly run, finished, or holding another run (another config hash). */
export type FolderState = 'new' | 'partial' | 'complete' | 'diverged' | 'other';

/** The state of a job's folder, read from its config.json (by config hash) and summary.json. */
export function folderState(dir: string, id: string): FolderState {
  const cfg = join(dir, 'config.json');
  if (!existsSync(cfg)) return 'new';
  try {
    if (configHash(JSON.parse(readFileSync(cfg, 'utf8')) as object) !== id) return 'other';
  } catch {
    return 'other';
  }
  try {
    const s = (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { status?: string }).status;
    if (s === 'complete' || s === 'diverged') return s;
  } catch {
    // no summary yet, or a torn one: resumable
  }
  return 'partial';
}

/**
 * Who holds a run folder's lock, when it is held by a live process (or by a process of another host, which
 * cannot be checked from here); null when the folder is free or its holder is gone.
 */
export function liveHolder(dir: string): { pid: number; host: string } | null {
  try {
    const h = JSON.parse(readFileSync(join(dir, 'lock'), 'utf8')) as { pid?: unknown; host?: unknown };
    if (typeof h.pid !== 'number' || typeof h.host !== 'string') return null;
    if (h.host === hostname() && !processAlive(h.pid)) return null;
    return { pid: h.pid, host: h.host };
  } catch {
    return null;
  }
}

/** The last step recorded in a run's metrics.jsonl (a cheap heartbeat of its progress), or null. */
export function lastStep(dir: string): number | null {
  let fd: number;
  try {
    fd = openSync(join(dir, 'metrics.jsonl'), 'r');
  } catch {
    return null;
  }
  try {
    // Only the tail: the log of a long run is large.
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, 8192));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    const text = buf.toString('utf8');
    const end = text.lastIndexOf('"step":');
    if (end < 0) return null;
    const m = /^"step":(\d+)/.exec(text.slice(end));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
