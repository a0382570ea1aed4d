import { getBackend } from '../backend/selectBackend.js';
import type { DataSource } from '../benchmarks/Benchmark.js';
import { resolveDataSource } from '../benchmarks/data/dataSource.js';
import { registerCustomDataset } from '../benchmarks/data/customDataset.js';
import { buildModelSpec } from '../nn/modelConfig.js';
import { Model } from '../nn/Model.js';
import { Rng } from '../tensor/Rng.js';
import { modelSummary, type ModelSummary } from './modelSummary.js';
import type { Catalog, RunConfig } from './runConfig.js';

/** What a run would do, without training: its stream and its model. */
export interface RunDescription {
  readonly config: RunConfig;
  readonly stream: { tasks: number; inputShape: readonly number[]; outputs: number; loss: string; firstTask: string };
  readonly model: ModelSummary;
  /** The model itself (built as the run would build it, same seed). */
  readonly built: Model;
}

/** Build a run's stream and model exactly as `startRun` would (same seed and backend) and summarize them. */
export async function describeRun(config: RunConfig, catalog: Catalog): Promise<RunDescription> {
  const backend = getBackend(config.backendRequested);
  const root = Rng.seeded(config.seed);
  const benchmark = catalog.benchmarks.get(config.benchmark.name);
  const { name: _b, ...benchOptions } = config.benchmark;
  const data: DataSource = resolveDataSource(config.data.dir ? { dataDir: config.data.dir } : {});
  for (const [name, path] of Object.entries(config.data.datasets ?? {})) await registerCustomDataset(name, path);
  const stream = await benchmark.create(benchOptions, { backend, rng: root.split('stream'), data });
  const spec = buildModelSpec(config.model, stream.inputShape, stream.outputs);
  const model = Model.build(spec, { inputShape: stream.inputShape, backend, rng: root.split('model') });
  const first = stream.task(0);
  const o = config.optimizer as { name: string; momentum?: number };
  const slots = o.name === 'sgd' ? (o.momentum ? 1 : 0) : 2;
  return {
    config: { ...config, backend: backend.name },
    stream: { tasks: stream.numTasks, inputShape: stream.inputShape, outputs: stream.outputs, loss: stream.loss, firstTask: first.label },
    model: modelSummary(model, first.batchSize, slots),
    built: model,
  };
}
