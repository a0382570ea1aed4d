import { z } from 'zod';
import type { Benchmark } from '../../src/benchmarks/Benchmark.js';
import type { Method } from '../../src/learn/Method.js';
import { Registry } from '../../src/config/Registry.js';
import type { Catalog } from '../../src/experiment/runConfig.js';
import type { Preset } from '../../src/experiment/Preset.js';
import { UnitSlots } from '../../src/nn/Slots.js';
import { tinyStream } from './tinyStream.js';

/** A catalog for runner tests: a tiny benchmark, bp, a stateful random-reset method, no probes. */
export function testCatalog(): Catalog {
  const benchmarks = new Registry<Benchmark>('benchmark');
  const tinySchema = z.strictObject({
    tasks: z.number().int().positive().default(3).describe('tasks'),
    examplesPerTask: z.number().int().positive().default(40).describe('examples per task'),
    batchSize: z.number().int().positive().default(4).describe('batch size'),
    epochs: z.number().int().positive().default(2).describe('epochs per task'),
  });
  const resetSchema = z.strictObject({ every: z.number().int().positive().default(7).describe('steps between resets') });
  benchmarks.register({
    name: 'tiny',
    description: 'a tiny synthetic stream',
    schema: tinySchema,
    defaults: () => ({ model: { arch: 'mlp', hidden: [8, 8] }, optimizer: { name: 'adam', lr: 0.01 } }),
    create: async (c, ctx) => tinyStream(ctx.backend, { inputShape: [5], classes: 3, tasks: c.tasks, examplesPerTask: c.examplesPerTask, batchSize: c.batchSize, epochs: c.epochs }),
  } satisfies Benchmark<typeof tinySchema> as unknown as Benchmark);
  const methods = new Registry<Method>('method');
  methods.register({ name: 'bp', description: 'plain backprop', schema: z.strictObject({}), create: () => ({ state: {} }) });
  methods.register({
    name: 'random-reset',
    description: 'reset a random unit of h1 every `every` steps, counting resets in its state (a test method with state and randomness)',
    schema: resetSchema,
    create: (c, ctx) => {
      const g = ctx.model.unitGroups[0]!;
      const state = { resets: 0, ages: new UnitSlots('ages', { [g.name]: ctx.backend.alloc(g.size) }, 0) };
      return {
        state,
        afterUpdate: ({ step }) => {
          const ages = state.ages.arrays[g.name]!;
          for (let i = 0; i < ages.length; i++) ages[i]! += 1;
          if (step % c.every !== 0) return [];
          state.resets++;
          return [{ kind: 'reinitUnits', group: g.name, units: [ctx.rng.int(g.size)] }];
        },
        metrics: () => ({ 'method/resets': state.resets, 'method/meanAge': [...state.ages.arrays[g.name]!].reduce((a, b) => a + b, 0) / g.size }),
      };
    },
  } satisfies Method<typeof resetSchema> as unknown as Method);
  const presets = new Registry<Preset>('preset');
  presets.register({ name: 'tiny-paper', description: 'a test preset', paper: 'none', scale: 'laptop', benchmark: 'tiny', methods: ['random-reset'], set: { tasks: 2, 'random-reset.every': 5 } });
  return { benchmarks, methods, presets, probes: { schema: z.strictObject({}), create: () => ({ afterStep: () => null, atTaskEnd: () => null }) } };
}
