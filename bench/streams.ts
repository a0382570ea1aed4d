// Stream speed: how long loading MNIST takes and what building examples adds to a step.
// Run: npm run build && node dist/bench/streams.js [--data-dir DIR]  (DIR holds mnist/; default SUPPLE_DATA_DIR or ../shared/data)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { availableBackends, getBackend } from '../src/backend/selectBackend.js';
import { Rng } from '../src/tensor/Rng.js';
import type { BenchmarkContext, DataSource } from '../src/benchmarks/Benchmark.js';
import { createStream } from '../src/benchmarks/index.js';
import { loadImageSet } from '../src/benchmarks/data/datasets.js';
import { Augmenter, augmentSchema } from '../src/benchmarks/Augmenter.js';
import { streamPools } from '../src/benchmarks/BatchPool.js';
import { ImageEncoder } from '../src/benchmarks/ImageEncoder.js';
import { imageTask } from '../src/benchmarks/imageTask.js';
import type { ImageSet } from '../src/benchmarks/data/ImageSet.js';
import { packageRoot } from '../src/benchmarks/data/packageRoot.js';
import type { Batch } from '../src/learn/Batch.js';
import { scratchDir } from '../test/helpers/scratchDir.js';

/** The folder holding mnist/ for benchmarks: --data-dir, SUPPLE_DATA_DIR, or ../shared/data beside the repo. */
export function benchDataDir(argv: readonly string[] = process.argv): string | undefined {
  const arg = argv.indexOf('--data-dir');
  const candidates = [arg > 0 ? argv[arg + 1] : undefined, process.env.SUPPLE_DATA_DIR, join(packageRoot(), '..', 'shared', 'data')];
  return candidates.find((d) => d && existsSync(join(d, 'mnist', 'train-images-idx3-ubyte.gz')));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const time = async (f: () => unknown) => { const t = performance.now(); await f(); return performance.now() - t; };

/** Stream timings: loading MNIST, building permuted examples, regression examples, augmented colour batches. */
export async function benchStreams(log: (line: string) => void = console.log): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  const dataDir = benchDataDir();
  const cacheDir = scratchDir('supple-bench-');
  const console = { log: (line: string) => log(line) };
  console.log(`streams (node ${process.version}, backends: ${availableBackends().join(', ')})`);
  if (dataDir) {
    for (const verify of [true, false]) {
      const source: DataSource = { dataDir, cacheDir, download: false, verify };
      const ms: number[] = [];
      for (let i = 0; i < 3; i++) ms.push(await time(() => loadImageSet('mnist', { source })));
      console.log(`load MNIST idx.gz (60000 + 10000 images)${verify ? ', sha256 checked' : ', no checksum'}: median ${median(ms).toFixed(0)} ms (runs ${ms.map((m) => m.toFixed(0)).join(', ')})`);
      results[`loadMnistMs${verify ? 'Checked' : ''}`] = median(ms);
    }
  } else console.log('load MNIST: skipped (no mnist/ folder; pass --data-dir)');

  for (const name of availableBackends().filter((b) => b === 'ts' || b === 'wasm')) {
    const backend = getBackend(name);
    const ctx: BenchmarkContext = { backend, rng: Rng.seeded(1), data: { ...(dataDir ? { dataDir } : {}), cacheDir, download: false } };
    const dataset = dataDir ? 'mnist' : 'digits';
    const { stream } = await createStream('permuted-mnist', { dataset }, ctx);
    for (let t = 0; t < 3; t++) {
      let n = 0;
      const ms = await time(() => {
        const task = stream.task(t);
        const c = task.epoch(0);
        for (let b: Batch | null; (b = c.next()); ) { n += b.x.batch; c.getState(); }
      });
      console.log(`[${name}] permuted-mnist on ${dataset}, task ${t}: ${n} examples (batch 1, new permutation and order included) in ${ms.toFixed(0)} ms = ${((ms * 1000) / n).toFixed(2)} us/example`);
      results[`${name}.permutedPassMs`] = Math.min(results[`${name}.permutedPassMs`] ?? Infinity, ms);
    }
    const scr = (await createStream('slowly-changing-regression', { tasks: 10 }, ctx)).stream;
    let n = 0;
    const ms = await time(() => {
      for (let t = 0; t < 10; t++) { const c = scr.task(t).epoch(0); while (c.next()) { n += 1; c.getState(); } }
    });
    console.log(`[${name}] slowly-changing-regression: ${n} examples in ${ms.toFixed(0)} ms = ${((ms * 1000) / n).toFixed(2)} us/example`);
    results[`${name}.regressionUsPerExample`] = (ms * 1000) / n;

    // Augmented colour batches (incremental CIFAR-100 settings: batch 90, flip + 4-pixel reflect crop + rotation up to 15 degrees).
    const count = 4500;
    const images = new Uint8Array(count * 3072);
    const r = Rng.seeded(2);
    for (let i = 0; i < images.length; i++) images[i] = r.int(256);
    const set: ImageSet = { name: 'synthetic', shape: [3, 32, 32], classes: 10, maxValue: 255, train: { images, labels: new Int32Array(count), count }, test: { images, labels: new Int32Array(count), count }, provenance: {} };
    const encoder = new ImageEncoder(set, 'standardize', backend);
    for (const augment of [false, true]) {
      const task = imageTask({
        index: 0, label: 'bench', batchSize: 90, schedule: { kind: 'epochs', epochs: 1 }, start: {}, encoder, pools: streamPools(backend, set.shape), rng: Rng.seeded(3),
        train: { split: set.train, indices: Int32Array.from({ length: count }, (_, i) => i), labels: new Int32Array(count) },
        augment: augment ? new Augmenter(set.shape, augmentSchema.parse({ flip: true, cropPadding: 4, rotateMin: 0, rotateMax: 15 })) : null,
      });
      let k = 0;
      const t = await time(() => { const c = task.epoch(0); for (let b: Batch | null; (b = c.next()); ) k += b.x.batch; });
      console.log(`[${name}] 3x32x32 batches of 90, standardized${augment ? ' + flip, crop, rotation' : ''}: ${((t * 1000) / k).toFixed(2)} us/example (${((t * 1000 * 90) / k).toFixed(0)} us/batch)`);
      results[`${name}.cifarBatchUsPerExample${augment ? 'Augmented' : ''}`] = (t * 1000) / k;
    }
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchStreams();
