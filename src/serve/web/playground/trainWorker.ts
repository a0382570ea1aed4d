// The playground's training worker: the real engine (permuted-digits stream, Model, Learner, the registered
// methods, the dead-unit probe, the training loop) on the wasm backend where the page allows shared memory,
// else on the ts backend. One worker trains one method; the page runs one per method side by side.
import { permutedMnist, permutedMnistSchema } from '../../../benchmarks/permutedMnist.js';
import type { DataSource } from '../../../benchmarks/Benchmark.js';
import { parseDigitsCsv } from '../../../benchmarks/data/digitsCsv.js';
import { createTsBackend } from '../../../backend/ts/tsBackend.js';
import { createWasmBackend } from '../../../backend/wasm/wasmBackend.js';
import type { Backend } from '../../../backend/Backend.js';
import { createProbeRunner, probeSchema } from '../../../diagnostics/ProbeRunner.js';
import { Learner } from '../../../learn/Learner.js';
import { initialLoopState, trainLoop } from '../../../experiment/trainLoop.js';
import { crossEntropy } from '../../../losses/crossEntropy.js';
import { createMethods } from '../../../methods/index.js';
import { Model } from '../../../nn/Model.js';
import { buildModelSpec, modelSchema } from '../../../nn/modelConfig.js';
import { buildOptimizer, optimizerSchema } from '../../../optim/optimizerConfig.js';
import { Rng } from '../../../tensor/Rng.js';
import { provideImageSet } from '../shims/datasets.js';
import { setKernelModule } from '../shims/kernels.js';
import type { PlaygroundSettings, WorkerMessage } from './protocol.js';

/** Images of the digits used for training (sklearn's 80/20 split, as src/benchmarks/data/datasets.ts). */
const DIGITS_TRAIN = 1437;

const post = (m: WorkerMessage) => postMessage(m);

/** The method options of the quickstart preset's conditions (src/experiment/presets.ts). */
function methodOptions(s: PlaygroundSettings): Record<string, unknown> {
  switch (s.method) {
    case 'cbp':
      return { utility: 'adaptable', rate: s.rate, maturity: 100, decay: 0.99 };
    case 'shrink-perturb':
      return { schedule: 'every-step', shrink: 1 - s.lr * 1e-3, noise: 1e-5 };
    default:
      return {};
  }
}

async function gunzip(bytes: ArrayBuffer): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function loadDigits(): Promise<void> {
  const res = await fetch(new URL('digits.csv.gz', self.location.href));
  if (!res.ok) throw new Error(`digits.csv.gz: HTTP ${res.status}`);
  const all = parseDigitsCsv(await gunzip(await res.arrayBuffer()), 'digits.csv.gz');
  const cut = Math.min(DIGITS_TRAIN, all.count);
  provideImageSet({
    name: 'digits', shape: [1, 8, 8], classes: 10, maxValue: 16,
    train: { images: all.images.subarray(0, cut * 64), labels: all.labels.subarray(0, cut), count: cut },
    test: { images: all.images.subarray(cut * 64), labels: all.labels.subarray(cut), count: all.count - cut },
    provenance: { dataset: 'digits', files: ['digits.csv.gz'] },
  });
}

async function pickBackend(choice: PlaygroundSettings['backend']): Promise<{ backend: Backend; note: string }> {
  if (choice !== 'ts') {
    try {
      const url = new URL('kernels.wasm', self.location.href);
      const res = await fetch(url);
      if (!res.ok) throw new Error(`kernels.wasm: HTTP ${res.status}`);
      setKernelModule(await WebAssembly.compile(await res.arrayBuffer()), url.href);
      return { backend: createWasmBackend({ threads: 1 }), note: 'WebAssembly SIMD kernels' };
    } catch (e) {
      if (choice === 'wasm') throw e;
      // Shared wasm memory needs a cross-origin isolated page (supple serve sends the headers; a plain static host may not).
      return { backend: createTsBackend(32), note: `TypeScript kernels (wasm unavailable here: ${(e as Error).message})` };
    }
  }
  return { backend: createTsBackend(32), note: 'TypeScript kernels' };
}

async function train(s: PlaygroundSettings): Promise<void> {
  const started = performance.now();
  await loadDigits();
  const { backend, note } = await pickBackend(s.backend);
  post({ type: 'ready', backend: backend.name, note });
  // The same random streams as a `supple run` of this config (src/experiment/runExperiment.ts).
  const root = Rng.seeded(s.seed);
  const benchOptions = permutedMnistSchema.parse({ dataset: 'digits', tasks: s.tasks, examplesPerTask: s.examplesPerTask });
  const stream = await permutedMnist.create(benchOptions, { backend, rng: root.split('stream'), data: {} as DataSource });
  const spec = buildModelSpec(modelSchema.parse({ hidden: [s.width, s.width, s.width] }), stream.inputShape, stream.outputs);
  const model = Model.build(spec, { inputShape: stream.inputShape, backend, rng: root.split('model') });
  const learner = new Learner({ model, optimizer: buildOptimizer(optimizerSchema.parse({ name: 'sgd', lr: s.lr })), loss: crossEntropy });
  const methods = createMethods([{ name: s.method, ...methodOptions(s) }], { model, learner, backend, rng: root });
  const probes = createProbeRunner(probeSchema.parse({ diagnostics: ['deadFraction'], batchSize: 500, everyTasks: 1 }), { learner, rng: root.split('probes') });
  let lastProgress = 0;
  trainLoop({
    stream, learner, methods, probes, rng: root.split('benchmark-edits'),
    record: (r) => post({ type: 'record', record: { ...r } }),
    onStep: (state) => {
      const now = performance.now();
      if (now - lastProgress < 250) return;
      lastProgress = now;
      post({ type: 'progress', task: state.task, examples: state.examples, seconds: (now - started) / 1000 });
    },
  }, initialLoopState());
  post({ type: 'done', seconds: (performance.now() - started) / 1000 });
}

self.onmessage = (e: MessageEvent<{ type: 'start'; settings: PlaygroundSettings }>) => {
  if (e.data?.type !== 'start') return;
  train(e.data.settings).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
