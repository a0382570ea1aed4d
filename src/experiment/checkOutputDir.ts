import { existsSync, mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, parse, resolve, sep } from 'node:path';
import { FileError } from './atomicWrite.js';

/** Kernel file systems: writing there does not store anything (and /proc can hang a writer). */
const SPECIAL = ['/proc', '/sys', '/dev'];

/** A bad output folder: given before any work is done. */
export class OutputPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputPathError';
  }
}

/**
 * Check that `path` can be an output folder before any work starts, then create it: not empty, not the
 * file-system root, not under /proc, /sys or /dev, not a file, and writable (a probe file is written and
 * removed). `flag` names the option in errors (`--out`). Returns the absolute path.
 */
export function checkOutputDir(path: string, flag = '--out'): string {
  if (path.trim() === '') throw new OutputPathError(`${flag} "": an empty path is not a folder; give a folder name`);
  const abs = resolve(path);
  if (abs === parse(abs).root) throw new OutputPathError(`${flag} ${path}: the file-system root cannot be an output folder; give a folder under it`);
  // The nearest existing ancestor, with links resolved, says which file system the folder would be on.
  let existing = abs;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  let real = existing;
  try {
    real = realpathSync(existing);
  } catch {
    // Unreadable: the write probe below reports it.
  }
  const target = real === existing ? abs : resolve(real, abs.slice(existing.length + 1) || '.');
  const special = SPECIAL.find((s) => target === s || target.startsWith(s + sep));
  if (special) throw new OutputPathError(`${flag} ${path}: ${special} is a kernel file system, not storage; give a folder on a disk`);
  if (existsSync(abs) && !statSync(abs).isDirectory()) throw new OutputPathError(`${flag} ${path}: it is a file, not a folder`);
  try {
    mkdirSync(abs, { recursive: true });
  } catch (e) {
    throw new OutputPathError(`${flag} ${path}: ${new FileError(abs, 'create the folder', e).message}`);
  }
  const probe = resolve(abs, `.write-test-${process.pid}`);
  try {
    writeFileSync(probe, '');
  } catch (e) {
    throw new OutputPathError(`${flag} ${path}: ${new FileError(abs, 'write in', e).message}`);
  } finally {
    rmSync(probe, { force: true });
  }
  return abs;
}
