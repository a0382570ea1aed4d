import { join } from 'node:path';
import type { DataSource } from '../Benchmark.js';
import type { DatasetSpec } from './DatasetSpec.js';

/**
 * What to do without a network: which files to put in which folder, each with its size and SHA-256, so a
 * copy made on another machine can be checked (`sha256sum`) before it is used.
 */
export function placementHelp(spec: DatasetSpec, source: DataSource): string[] {
  const where = source.dataDir ? join(source.dataDir, spec.folder) : join(source.cacheDir, spec.folder);
  const lines = [
    `Put these files in ${where}${source.dataDir ? ` (or ${join(source.cacheDir, spec.folder)})` : ` (or in <data-dir>/${spec.folder} with --data-dir / SUPPLE_DATA_DIR)`}:`,
    ...spec.files.map((f) => `  ${f.name}  (${f.size} bytes, sha256 ${f.sha256})  from ${f.urls.join(' or ')}`),
  ];
  if (spec.extracted) lines.push(`or the unpacked archive: ${spec.extracted.join(', ')}`);
  return lines;
}
