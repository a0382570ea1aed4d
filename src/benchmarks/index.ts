import type { Benchmark, BenchmarkContext, Stream } from './Benchmark.js';
import { parseConfig } from '../config/parseConfig.js';
import { permutedMnist } from './permutedMnist.js';
import { slowlyChangingRegression } from './slowlyChangingRegression.js';
import { randomLabels } from './randomLabels.js';
import { classIncremental } from './classIncremental.js';
import { continualBinary } from './continualBinary.js';
import { warmStart } from './warmStart.js';

const registry = new Map<string, Benchmark>();

/** Add a benchmark to the registry. Names are unique: a second one with the same name is refused. */
export function registerBenchmark(b: Benchmark): void {
  if (registry.has(b.name)) throw new Error(`benchmark '${b.name}' is already registered`);
  registry.set(b.name, b);
}

for (const b of [permutedMnist, slowlyChangingRegression, randomLabels, classIncremental, continualBinary, warmStart] as unknown as Benchmark[]) registerBenchmark(b);

/** Names of the registered benchmarks, in registration order. */
export function benchmarkNames(): string[] {
  return [...registry.keys()];
}

/** Every registered benchmark. */
export function allBenchmarks(): Benchmark[] {
  return [...registry.values()];
}

export function getBenchmark(name: string): Benchmark {
  const b = registry.get(name);
  if (!b) throw new Error(`benchmark = ${JSON.stringify(name)} is not allowed: allowed: ${benchmarkNames().map((n) => JSON.stringify(n)).join(', ')}`);
  return b;
}

/** Validate a benchmark's options (defaults filled in; errors name the key, value and what is allowed) and create its stream. */
export async function createStream(name: string, options: unknown, ctx: BenchmarkContext): Promise<{ config: Record<string, unknown>; stream: Stream }> {
  const b = getBenchmark(name);
  const config = parseConfig(b.schema, options, `benchmark ${name}`) as Record<string, unknown>;
  return { config, stream: await b.create(config, ctx) };
}
