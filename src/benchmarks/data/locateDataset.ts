import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DataSource } from '../Benchmark.js';
import type { DatasetSpec, DownloadProgress, FoundFiles } from './DatasetSpec.js';
import { checkFile, fetchDatasetFiles } from './fetchDataset.js';
import { packageRoot } from './packageRoot.js';

/** The data set is not on this machine and may not be downloaded: says which files to put where. */
export class MissingDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingDataError';
  }
}

/**
 * Find a data set's files: in `--data-dir/<folder>` first, then in the cache, then shipped with the package,
 * then (when allowed) by downloading into the cache. Files with a published checksum are checked (unless
 * `source.verify` is false); a file that fails the check is an error naming it, never silently used.
 */
export async function locateDataset(spec: DatasetSpec, source: DataSource, onProgress?: (p: DownloadProgress) => void): Promise<FoundFiles> {
  const verify = source.verify !== false;
  const folders = [
    ...(source.dataDir ? [join(source.dataDir, spec.folder)] : []),
    join(source.cacheDir, spec.folder),
    ...(spec.embedded ? [dirname(join(packageRoot(), spec.embedded))] : []),
  ];
  for (const dir of folders) {
    const present = spec.files.filter((f) => existsSync(join(dir, f.name)));
    if (present.length === spec.files.length && present.length > 0) {
      const files: FoundFiles['files'][number][] = [];
      for (const f of spec.files) {
        const check = await checkFile(join(dir, f.name), f, verify);
        if (!check.ok) {
          throw new Error(`data set '${spec.name}': ${check.problem}. Delete it (then \`supple data fetch ${spec.name}\`), or replace it with the file from ${f.urls[0]}`);
        }
        files.push({ name: f.name, size: statSync(join(dir, f.name)).size, ...(check.sha256 ? { sha256: check.sha256 } : {}), verified: verify });
      }
      return { dir, kind: 'files', path: (n) => join(dir, n), files };
    }
    if (spec.extracted?.every((n) => existsSync(join(dir, n)))) {
      const files = spec.extracted.map((n) => ({ name: n, size: statSync(join(dir, n)).size, verified: false }));
      return { dir, kind: 'extracted', path: (n) => join(dir, n), files };
    }
  }
  if (source.download && spec.files.length > 0) {
    const dir = await fetchDatasetFiles(spec, { source, ...(onProgress ? { onProgress } : {}) });
    const files = spec.files.map((f) => ({ name: f.name, size: f.size, sha256: f.sha256, verified: true }));
    return { dir, kind: 'files', path: (n) => join(dir, n), files };
  }
  throw new MissingDataError(missingMessage(spec, source));
}

function missingMessage(spec: DatasetSpec, source: DataSource): string {
  const where = source.dataDir ? join(source.dataDir, spec.folder) : join(source.cacheDir, spec.folder);
  const lines = [
    `data set '${spec.name}' is not on this machine${source.download ? '' : ' and downloading is off'}.`,
    `Put these files in ${where}${source.dataDir ? ` (or ${join(source.cacheDir, spec.folder)})` : ' (or in <data-dir>/' + spec.folder + ' with --data-dir / SUPPLE_DATA_DIR)'}:`,
    ...spec.files.map((f) => `  ${f.name}  (${f.size} bytes, sha256 ${f.sha256})  from ${f.urls.join(' or ')}`),
  ];
  if (spec.extracted) lines.push(`or the unpacked archive: ${spec.extracted.join(', ')}`);
  if (spec.howToGet) lines.push(spec.howToGet);
  if (!source.download) lines.push(`With network access, \`supple data fetch ${spec.name}\` downloads and checks them.`);
  return lines.join('\n');
}
