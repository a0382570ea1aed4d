import { benchmarkRegistry } from '../benchmarks/index.js';
import { createProbeRunner, probeSchema, type ProbeConfig } from '../diagnostics/ProbeRunner.js';
import { methodRegistry } from '../methods/index.js';
import { presets } from './presets.js';
import type { Catalog } from './runConfig.js';
import type { RlCatalog } from './runRl.js';
import { rlBenchmarkRegistry } from '../rl/rlBenchmarks.js';

/** Everything registered: the benchmarks, methods, presets and probes the CLI offers (the shared registries). */
export function catalog(): Catalog & RlCatalog {
  return {
    benchmarks: benchmarkRegistry,
    methods: methodRegistry,
    presets,
    rlBenchmarks: rlBenchmarkRegistry,
    probes: { schema: probeSchema, create: (config, ctx) => createProbeRunner(config as ProbeConfig, { learner: ctx.learner, rng: ctx.rng }) },
  };
}
