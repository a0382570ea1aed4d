import { UsageError } from '../config/UsageError.js';

/**
 * A Redis URL with its password (and user name) hidden, for logs and messages: `redis://:***@host:6379/0`.
 * Credentials are never printed; a string that does not parse as a URL is hidden whole.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '<redis url>';
  }
  if (u.password) u.password = '***';
  if (u.username && u.password) u.username = '***';
  else if (u.username) u.username = '***';
  return u.toString();
}

/** Hide every occurrence of the URL's credentials in a text (errors of the client may quote the URL). */
export function redactIn(text: string, url: string): string {
  let out = text.split(url).join(redactUrl(url));
  try {
    const u = new URL(url);
    for (const secret of [decodeURIComponent(u.password), u.password]) if (secret.length >= 3) out = out.split(secret).join('***');
  } catch {
    // not a URL: nothing more to hide
  }
  return out;
}

/** Check a queue URL: `redis://` or `rediss://` (TLS), with optional user, password and database number. */
export function checkQueueUrl(url: string, flag = '--queue'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${flag} ${redactUrl(url)}: not a URL; redis://[user:password@]host[:port][/db] or rediss:// for TLS`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new UsageError(`${flag} ${redactUrl(url)}: protocol ${u.protocol} is not allowed; redis:// or rediss:// (TLS)`);
  }
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new UsageError(`${flag} ${redactUrl(url)}: database '${db}' is not allowed; a number (redis://host:6379/0)`);
  return url;
}
