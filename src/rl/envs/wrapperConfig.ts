import { z } from 'zod';
import { parseConfig } from '../../config/parseConfig.js';
import type { Env } from './Env.js';
import { ClipAction } from './ClipAction.js';
import { ClipObservation } from './ClipObservation.js';
import { ClipReward } from './ClipReward.js';
import { NormalizeObservation } from './NormalizeObservation.js';
import { NormalizeReward } from './NormalizeReward.js';
import { RecordEpisodeStatistics } from './RecordEpisodeStatistics.js';
import { TimeLimit } from './TimeLimit.js';

/** One wrapper as data (a run config's `wrappers` list, innermost first). */
export const wrapperConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('record-episode-statistics'), bufferLength: z.number().int().min(1).default(100).describe('episodes kept in the return/length queues') }),
  z.strictObject({ kind: z.literal('time-limit'), maxEpisodeSteps: z.number().int().min(1).describe('steps before truncation') }),
  z.strictObject({ kind: z.literal('clip-action') }).describe('clip box actions to the action space'),
  z.strictObject({ kind: z.literal('normalize-observation'), epsilon: z.number().gt(0).default(1e-8) }),
  z.strictObject({ kind: z.literal('clip-observation'), low: z.number(), high: z.number() }),
  z.strictObject({ kind: z.literal('normalize-reward'), gamma: z.number().min(0).max(1).default(0.99), epsilon: z.number().gt(0).default(1e-8) }),
  z.strictObject({ kind: z.literal('clip-reward'), min: z.number(), max: z.number() }),
]);
/** One wrapper as data, before defaults (the input of `wrapperConfigSchema`): its kind and that kind's options. */
export type WrapperConfig = z.input<typeof wrapperConfigSchema>;

/** Wraps `env` in the listed wrappers, the first innermost. */
export function applyWrappers(env: Env, configs: readonly WrapperConfig[]): Env {
  let e = env;
  for (const [i, raw] of configs.entries()) {
    const c = parseConfig(wrapperConfigSchema, raw, `wrappers[${i}]`);
    switch (c.kind) {
      case 'record-episode-statistics':
        e = new RecordEpisodeStatistics(e, c.bufferLength);
        break;
      case 'time-limit':
        e = new TimeLimit(e, c.maxEpisodeSteps);
        break;
      case 'clip-action':
        e = new ClipAction(e);
        break;
      case 'normalize-observation':
        e = new NormalizeObservation(e, c.epsilon);
        break;
      case 'clip-observation':
        e = new ClipObservation(e, c.low, c.high);
        break;
      case 'normalize-reward':
        e = new NormalizeReward(e, c.gamma, c.epsilon);
        break;
      case 'clip-reward':
        e = new ClipReward(e, c.min, c.max);
        break;
    }
  }
  return e;
}

/**
 * CleanRL's per-copy wrappers: ppo.py (discrete) records episode statistics only; ppo_continuous_action.py
 * records statistics, clips actions, normalizes observations (then clips them to +-10) and rewards (discount
 * `gamma`, then clips them to +-10), in that order.
 */
export function cleanrlWrappers(continuous: boolean, gamma = 0.99): WrapperConfig[] {
  if (!continuous) return [{ kind: 'record-episode-statistics' }];
  return [
    { kind: 'record-episode-statistics' },
    { kind: 'clip-action' },
    { kind: 'normalize-observation' },
    { kind: 'clip-observation', low: -10, high: 10 },
    { kind: 'normalize-reward', gamma },
    { kind: 'clip-reward', min: -10, max: 10 },
  ];
}
