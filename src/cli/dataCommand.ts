import { UsageError } from '../config/UsageError.js';
import { isCI } from './argvHelpers.js';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { datasetNames, fetchDataset, getDataset } from '../benchmarks/data/datasets.js';
import { resolveDataSource } from '../benchmarks/data/dataSource.js';
import { packageRoot } from '../benchmarks/data/packageRoot.js';
import { checkFile } from '../benchmarks/data/fetchDataset.js';
import type { DownloadProgress } from '../benchmarks/data/DatasetSpec.js';

export const dataUsage = `supple data list [--data-dir DIR] [--json]
supple data fetch <name> [--data-dir DIR]

list: the data sets supple reads, and where each is found (the --data-dir folder, the cache, or the package).
fetch: download a data set from its canonical source into the cache (${'$'}SUPPLE_CACHE_DIR, else
$XDG_CACHE_HOME/supple, else ~/.cache/supple), checking the published checksums; an interrupted or
corrupt download never leaves a file behind. Offline, put the files in <data-dir>/<folder> instead.`;

export async function dataCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  const [sub, name] = positionals;
  if (values.help || !sub) {
    console.log(dataUsage);
    return values.help ? 0 : 2;
  }
  const source = resolveDataSource({ ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}) });
  if (sub === 'list') {
    let damaged = 0;
    const listed: Array<Record<string, unknown>> = [];
    for (const n of datasetNames()) {
      const spec = getDataset(n);
      const folders = [
        ...(source.dataDir ? [['data-dir', join(source.dataDir, spec.folder)]] : []),
        ['cache', join(source.cacheDir, spec.folder)],
        ...(spec.embedded ? [['package', dirname(join(packageRoot(), spec.embedded))]] : []),
      ] as const;
      const complete = (d: string) => spec.files.length > 0 && spec.files.every((f) => existsSync(join(d, f.name)));
      const hit = folders.find(([, d]) => complete(d) || (spec.extracted?.every((f) => existsSync(join(d, f))) ?? false));
      const size = spec.files.reduce((s, f) => s + f.size, 0);
      let state = `missing (${(size / 1e6).toFixed(1)} MB: supple data fetch ${n})`;
      const problems: string[] = [];
      if (hit) {
        // Found means usable: every file has its published size and SHA-256 (a truncated or damaged copy is named).
        if (complete(hit[1])) for (const f of spec.files) {
          const c = await checkFile(join(hit[1], f.name), f, true);
          if (!c.ok) problems.push(c.problem);
        }
        state = problems.length
          ? `DAMAGED (${hit[0]}: ${hit[1]}): ${problems.join('; ')}; delete the file and run supple data fetch ${n}`
          : `found (${hit[0]}: ${hit[1]}${complete(hit[1]) ? ', checksums match' : ', unpacked: no published checksums'})`;
        if (problems.length) damaged++;
      }
      listed.push({ name: n, found: hit ? { where: hit[0], path: hit[1] } : null, damaged: problems.length ? problems : null, bytes: size, description: spec.description, license: spec.license });
      if (!values.json) console.log(`${n.padEnd(14)} ${state}\n${' '.repeat(15)}${spec.description}; ${spec.license}`);
    }
    if (values.json) console.log(JSON.stringify(listed, null, 2));
    return damaged ? 1 : 0;
  }
  if (sub === 'fetch') {
    if (!name) throw new UsageError(`supple data fetch: which data set? (${datasetNames().join(', ')})`);
    getDataset(name);
    const tty = process.stderr.isTTY === true && !isCI();
    let lastFile = '';
    let lastDraw = 0;
    const onProgress = (p: DownloadProgress) => {
      const now = performance.now();
      if (p.file !== lastFile) {
        if (lastFile && tty) process.stderr.write('\n');
        lastFile = p.file;
        if (!tty) process.stderr.write(`downloading ${p.file} from ${p.url}\n`);
      }
      if (!tty || (now - lastDraw < 100 && p.received < p.total)) return;
      lastDraw = now;
      const frac = p.total ? p.received / p.total : 0;
      const w = 30;
      process.stderr.write(`\r${p.file} [${'#'.repeat(Math.round(frac * w)).padEnd(w, '-')}] ${(p.received / 1e6).toFixed(1)}/${(p.total / 1e6).toFixed(1)} MB`);
    };
    const dir = await fetchDataset(name, { source: { ...source, download: true }, onProgress });
    if (tty && lastFile) process.stderr.write('\n');
    console.log(`${name}: checked and ready in ${dir}`);
    return 0;
  }
  throw new UsageError(`supple data: '${sub}' is not a subcommand; use list or fetch`);
}
