import { Registry } from './config/Registry.js';
import type { Benchmark } from './benchmarks/Benchmark.js';
import { allBenchmarks } from './benchmarks/index.js';
import { createProbeRunner, probeSchema, type ProbeConfig } from './diagnostics/ProbeRunner.js';
import type { Method } from './methods/Method.js';
import { allMethods } from './methods/index.js';
import { presets } from './experiment/presets.js';
import type { Catalog } from './experiment/runConfig.js';

/** Everything registered: the benchmarks, methods, presets and probes the CLI offers. */
export function catalog(): Catalog {
  const methods = new Registry<Method>('method');
  for (const m of allMethods()) methods.register(m);
  const benchmarks = new Registry<Benchmark>('benchmark');
  for (const b of allBenchmarks()) benchmarks.register(b);
  return {
    benchmarks,
    methods,
    presets,
    probes: { schema: probeSchema, create: (config, ctx) => createProbeRunner(config as ProbeConfig, { learner: ctx.learner, rng: ctx.rng }) },
  };
}
