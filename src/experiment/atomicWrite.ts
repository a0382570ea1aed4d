import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Marks the temporary files of `writeFileAtomic`: `<name>.tmp-<pid>`. */
const TMP = /\.tmp-(\d+)$/;

/**
 * An I/O error that names the file: Node's own messages often do not (`ENOSPC: no space left on device,
 * write`). `code` is the system code (ENOSPC, EACCES, EROFS, ...).
 */
export class FileError extends Error {
  readonly code: string | undefined;
  constructor(readonly path: string, readonly action: string, cause: unknown) {
    const c = cause as NodeJS.ErrnoException;
    super(`cannot ${action} ${path}: ${c?.code ? `${describeCode(c.code)} (${c.code})` : (c as Error)?.message ?? String(cause)}`);
    this.name = 'FileError';
    this.code = c?.code;
  }
}

function describeCode(code: string): string {
  switch (code) {
    case 'ENOSPC': return 'no space left on the device';
    case 'EDQUOT': return 'disk quota exceeded';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'read-only file system';
    case 'ENOENT': return 'no such file or folder';
    case 'ENOTDIR': return 'a part of the path is a file, not a folder';
    case 'EISDIR': return 'it is a folder';
    case 'EIO': return 'input/output error';
    default: return code;
  }
}

/** Run `f`, turning a system error into a FileError that names `path`. */
export function withPath<T>(path: string, action: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new FileError(path, action, e);
  }
}

/**
 * Write a file so that readers see the old contents or the new, never a mix: write a temporary file next to
 * it, flush it to disk, rename it over the target, and flush the folder. On any failure (ENOSPC half way) the
 * temporary file is removed, so a full disk is not kept full, and the error names the path.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  withPath(dirname(path), 'create the folder', () => mkdirSync(dirname(path), { recursive: true }));
  const tmp = `${path}.tmp-${process.pid}`;
  let fd = -1;
  try {
    fd = withPath(tmp, 'create', () => openSync(tmp, 'w'));
    const parts = typeof data === 'string' ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
    withPath(tmp, 'write', () => {
      for (const p of parts) {
        let off = 0;
        while (off < p.length) off += writeSync(fd, p, off, p.length - off);
      }
      fsyncSync(fd);
    });
    const open = fd;
    fd = -1;
    withPath(tmp, 'close', () => closeSync(open));
    withPath(path, 'replace', () => renameSync(tmp, path));
  } catch (e) {
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // Already failing: the first error is the one to report.
      }
    }
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(dirname(path));
}

/**
 * Remove the temporaries that writers killed mid-write left in `dir` (not descending): those of processes
 * that are gone, and this process's own. Called by a run when it takes its folder's lock, so only the lock
 * holder writes there. Returns the paths removed.
 */
export function removeStaleTemporaries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = TMP.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && processAlive(pid)) continue;
    const p = join(dir, name);
    rmSync(p, { force: true });
    removed.push(p);
  }
  return removed;
}

/** Whether a process with this id exists on this machine (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot open a directory for syncing; the rename is still atomic.
  }
}

/** The file name `writeFileAtomic` uses as the temporary of `path` in this process (tests use it). */
export function temporaryOf(path: string): string {
  return join(dirname(path), `${basename(path)}.tmp-${process.pid}`);
}
