import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DataSource } from '../Benchmark.js';

/**
 * The download cache: SUPPLE_CACHE_DIR, else $XDG_CACHE_HOME/supple, else ~/.cache/supple.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SUPPLE_CACHE_DIR) return resolve(env.SUPPLE_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return join(resolve(env.XDG_CACHE_HOME), 'supple');
  return join(homedir(), '.cache', 'supple');
}

/** Settings for {@link resolveDataSource}; each one left out falls back to its environment variable or default. */
export interface DataSourceOptions {
  /** --data-dir; SUPPLE_DATA_DIR when absent. */
  readonly dataDir?: string;
  /** Overrides the default cache folder. */
  readonly cacheDir?: string;
  /** Whether a missing data set may be downloaded (default: true unless SUPPLE_OFFLINE is set). */
  readonly download?: boolean;
  /** Check published checksums of files read (default true). */
  readonly verify?: boolean;
}

/** Where data is read from: the local folder first, then the cache, then (if allowed) the network. */
export function resolveDataSource(o: DataSourceOptions = {}, env: NodeJS.ProcessEnv = process.env): DataSource {
  const dataDir = o.dataDir ?? env.SUPPLE_DATA_DIR;
  const offline = env.SUPPLE_OFFLINE !== undefined && env.SUPPLE_OFFLINE !== '' && env.SUPPLE_OFFLINE !== '0';
  return {
    ...(dataDir ? { dataDir: resolve(dataDir) } : {}),
    cacheDir: o.cacheDir ? resolve(o.cacheDir) : defaultCacheDir(env),
    download: o.download ?? !offline,
    verify: o.verify ?? true,
  };
}
