import type { Benchmark, BenchmarkContext, Stream } from './Benchmark.js';
import { parseConfig } from '../config/parseConfig.js';
import { Registry } from '../config/Registry.js';
import { permutedMnist } from './permutedMnist.js';
import { slowlyChangingRegression } from './slowlyChangingRegression.js';
import { randomLabels } from './randomLabels.js';
import { classIncremental } from './classIncremental.js';
import { continualBinary } from './continualBinary.js';
import { warmStart } from './warmStart.js';

/** The supervised benchmarks: one file each, plus one line here. */
export const benchmarkRegistry = new Registry<Benchmark>('benchmark', {
  namePattern: { pattern: /^[a-z][a-z0-9-]*$/, description: "lowercase letters, digits and '-'" },
});
for (const b of [permutedMnist, slowlyChangingRegression, randomLabels, classIncremental, continualBinary, warmStart] as unknown as Benchmark[]) benchmarkRegistry.register(b);

/** Adds a benchmark to the registry. Names are unique: a second one with the same name is refused. */
export function registerBenchmark(b: Benchmark): void {
  benchmarkRegistry.register(b);
}

/** Names of the registered benchmarks, in registration order. */
export function benchmarkNames(): string[] {
  return benchmarkRegistry.names();
}

/** Every registered benchmark. */
export function allBenchmarks(): Benchmark[] {
  return benchmarkRegistry.all();
}

/** The benchmark with this name, or an error naming the known ones. */
export function getBenchmark(name: string): Benchmark {
  return benchmarkRegistry.get(name);
}

/** Validate a benchmark's options (defaults filled in; errors name the key, value and what is allowed) and create its stream. */
export async function createStream(name: string, options: unknown, ctx: BenchmarkContext): Promise<{ config: Record<string, unknown>; stream: Stream }> {
  const b = getBenchmark(name);
  const config = parseConfig(b.schema, options, `benchmark ${name}`) as Record<string, unknown>;
  return { config, stream: await b.create(config, ctx) };
}
