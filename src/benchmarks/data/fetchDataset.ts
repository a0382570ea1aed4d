import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataSource } from '../Benchmark.js';
import type { DatasetFile, DatasetSpec, DownloadProgress } from './DatasetSpec.js';
import { sha256File } from './checksum.js';
import { placementHelp } from './placementHelp.js';

/**
 * How {@link fetchDataset} downloads: the data source (local folder, cache, whether downloads are allowed), a
 * progress callback, and optional replacement URLs.
 */
export interface FetchOptions {
  readonly source: DataSource;
  /** Called as bytes arrive (the CLI draws a progress bar from it). */
  readonly onProgress?: (p: DownloadProgress) => void;
  /** Replace the canonical URLs (tests point this at a local server). */
  readonly urls?: (file: DatasetFile) => readonly string[];
}

let tempCounter = 0;

/** A file is usable when it has the published size and (when checked) the published SHA-256. */
export async function checkFile(path: string, file: DatasetFile, verify: boolean): Promise<{ ok: true; sha256?: string } | { ok: false; problem: string }> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return { ok: false, problem: 'missing' };
  }
  if (!verify) return { ok: true };
  if (size !== file.size) return { ok: false, problem: `${path} has ${size} bytes; the published file has ${file.size}` };
  const sha = await sha256File(path);
  if (sha !== file.sha256) return { ok: false, problem: `${path}: sha256 ${sha} differs from the published ${file.sha256}` };
  return { ok: true, sha256: sha };
}

/**
 * Download the files of a data set into the cache (`<cacheDir>/<folder>/`), skipping files already present
 * and valid in --data-dir or the cache. Each file goes to a temporary name in the same folder, is checked
 * against its published size and SHA-256 while it streams, and is renamed into place only when complete and
 * correct: an interrupted or corrupt transfer never leaves a file under the real name. Mirrors are tried in
 * order. Returns the folder holding the files.
 */
export async function fetchDatasetFiles(spec: DatasetSpec, o: FetchOptions): Promise<string> {
  const dir = join(o.source.cacheDir, spec.folder);
  await mkdir(dir, { recursive: true });
  for (const file of spec.files) {
    const local = o.source.dataDir ? join(o.source.dataDir, spec.folder, file.name) : null;
    if (local && (await checkFile(local, file, true)).ok) continue;
    const dest = join(dir, file.name);
    const have = await checkFile(dest, file, true);
    if (have.ok) continue;
    if (have.problem !== 'missing') await rm(dest, { force: true }); // a corrupt copy: replace it
    const urls = o.urls ? o.urls(file) : file.urls;
    const errors: string[] = [];
    for (const url of urls) {
      try {
        await downloadOne(url, dest, file, spec.name, o.onProgress);
        errors.length = 0;
        break;
      } catch (e) {
        errors.push(`${url}: ${(e as Error).message}`);
      }
    }
    if (errors.length > 0) {
      const offline = `Without network access: ${placementHelp(spec, o.source).join('\n')}`;
      throw new Error(`data set '${spec.name}': could not download ${file.name}:\n  ${errors.join('\n  ')}\n${offline}${spec.howToGet ? `\n${spec.howToGet}` : ''}`);
    }
  }
  return dir;
}

async function downloadOne(url: string, dest: string, file: DatasetFile, dataset: string, onProgress?: (p: DownloadProgress) => void): Promise<void> {
  const temp = `${dest}.${process.pid}.${Date.now()}.${tempCounter++}.part`;
  const fh = await open(temp, 'wx');
  let closed = false;
  try {
    const res = await fetch(url, { redirect: 'follow' });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared !== file.size) throw new Error(`the server sends ${declared} bytes; the published file has ${file.size}`);
    const hash = createHash('sha256');
    let received = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      if (received > file.size) throw new Error(`more than the published ${file.size} bytes arrived`);
      hash.update(chunk);
      await fh.write(chunk);
      onProgress?.({ dataset, file: file.name, url, received, total: file.size });
    }
    if (received !== file.size) throw new Error(`the transfer ended after ${received} of ${file.size} bytes`);
    const sha = hash.digest('hex');
    if (sha !== file.sha256) throw new Error(`sha256 ${sha} differs from the published ${file.sha256}`);
    await fh.sync();
    await fh.close();
    closed = true;
    await rename(temp, dest);
  } catch (e) {
    if (!closed) await fh.close().catch(() => undefined);
    await rm(temp, { force: true });
    // undici reports a dropped connection as 'terminated' with the cause inside.
    const cause = (e as { cause?: Error }).cause;
    throw new Error(cause ? `${(e as Error).message} (${cause.message})` : (e as Error).message);
  }
}
