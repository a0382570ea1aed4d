import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * The real path of `requested` (a URL path below a served folder, still percent-encoded) inside `root`, or null
 * when it is not inside: `..` segments, absolute paths, backslashes, NUL bytes, bad encodings and symbolic
 * links that lead out of the folder are all refused. The file must exist (its real path is resolved).
 */
export async function resolveInside(root: string, requested: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requested);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\') || isAbsolute(decoded)) return null;
  const parts = decoded.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return null;
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(resolve(realRoot, ...parts));
  } catch {
    return null;
  }
  return isWithin(realRoot, real) ? real : null;
}

/** Whether `path` is `root` or below it (both absolute and normalized). */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
