import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive, withPath } from './atomicWrite.js';

/** Who holds a run folder: written in `<run>/lock`. */
export interface LockHolder {
  pid: number;
  host: string;
  /** When the holder took the lock (ISO time). */
  startedAt: string;
  /** The holder's process start time in clock ticks since boot (Linux), so a reused pid is not taken for it. */
  processStart: number | null;
}

/** The folder is held by another live process. */
export class LockedError extends Error {
  constructor(readonly path: string, readonly holder: LockHolder) {
    super(
      `${path} is in use by process ${holder.pid} on ${holder.host} (since ${holder.startedAt}); two processes never write one run folder. ` +
        `Wait for it to finish or stop it${holder.host === hostname() ? ` (kill ${holder.pid})` : ''}; if that process is gone, remove ${join(path, 'lock')}`,
    );
    this.name = 'LockedError';
  }
}

/** The start time of a process (Linux: field 22 of /proc/<pid>/stat), or null where it cannot be read. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/** Whether the process named in a lock is gone: only decidable for this host. */
function isStale(h: LockHolder): boolean {
  if (h.host !== hostname()) return false;
  if (!processAlive(h.pid)) return true;
  // The pid was reused by a younger process: the holder is gone.
  if (h.processStart !== null) {
    const now = processStartTime(h.pid);
    if (now !== null && now !== h.processStart) return true;
  }
  return false;
}

function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof h.pid !== 'number' || typeof h.host !== 'string') return null;
    return { pid: h.pid, host: h.host, startedAt: String(h.startedAt ?? '?'), processStart: typeof h.processStart === 'number' ? h.processStart : null };
  } catch {
    return null;
  }
}

/**
 * An exclusive lock on a run folder (`<run>/lock`, created with O_EXCL): while one process trains in a
 * folder, another gets a LockedError naming the holder. A lock left by a process that died (same host, pid
 * gone or reused) is stale and taken over; one of another host is never guessed at. Released on `release()`
 * and, as a last resort, when the process exits.
 */
export class RunLock {
  private held = true;
  private readonly onExit = () => this.release();

  private constructor(readonly dir: string, readonly holder: LockHolder) {
    process.on('exit', this.onExit);
  }

  /** Take the lock of `dir` (the folder must exist) or throw a LockedError. Returns what it replaced, if stale. */
  static acquire(dir: string): RunLock {
    const path = join(dir, 'lock');
    const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), processStart: processStartTime(process.pid) };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        try {
          writeSync(fd, `${JSON.stringify(me)}\n`);
        } finally {
          closeSync(fd);
        }
        return new RunLock(dir, me);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return withPath(path, 'create', () => { throw e; });
      }
      const holder = readHolder(path);
      if (holder && !isStale(holder)) throw new LockedError(dir, holder);
      // Stale or unreadable (a holder killed while writing it): take it over, one process at a time.
      const takeover = `${path}.takeover`;
      let fd: number;
      try {
        fd = openSync(takeover, 'wx');
      } catch {
        if (attempt === 2) throw new Error(`${path}: another process is taking over a stale lock; try again (or remove ${takeover} if none is)`);
        continue;
      }
      try {
        closeSync(fd);
        const again = readHolder(path);
        if (again && !isStale(again)) throw new LockedError(dir, again);
        rmSync(path, { force: true });
      } finally {
        rmSync(takeover, { force: true });
      }
    }
    throw new Error(`${path}: could not take the lock`);
  }

  /** Give the folder back (idempotent); only removes the lock file while it is still this process's. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    process.off('exit', this.onExit);
    const path = join(this.dir, 'lock');
    const h = readHolder(path);
    if (h && h.pid === this.holder.pid && h.startedAt === this.holder.startedAt) rmSync(path, { force: true });
  }
}
