import { z } from 'zod';
import { parseConfig } from '../../config/parseConfig.js';
import { Rng, type RngState } from '../../tensor/Rng.js';

/** How a new value is drawn at each change. */
export const paramDrawSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('log-uniform'),
      low: z.number().gt(0).describe('smallest value (> 0)'),
      high: z.number().gt(0).describe('largest value'),
    }).describe('exp(uniform(ln low, ln high)): the slippery Ant draws friction in [0.02, 2] this way'),
    z.strictObject({ kind: z.literal('uniform'), low: z.number(), high: z.number() }).describe('uniform in [low, high)'),
    z.strictObject({ kind: z.literal('cycle'), values: z.array(z.number()).min(1).describe('the values in turn: change k takes values[k mod length]') }),
  ])
  .refine((d) => d.kind === 'cycle' || d.low <= d.high, { message: 'low must be <= high', path: ['high'] });
/**
 * How one scheduled value is drawn at each change: log-uniform or uniform in [low, high], or the next of a fixed
 * cycle of values.
 */
export type ParamDraw = z.output<typeof paramDrawSchema>;

/** A schedule of parameter changes: every `every` environment steps, the listed parameters get new values. */
export const paramScheduleSchema = z.strictObject({
  every: z.number().int().min(1).describe('environment steps between changes (a vector env counts the steps of all its copies)'),
  atStart: z.boolean().default(false).describe('draw values before the first step too (false: the first change comes after `every` steps)'),
  changes: z
    .array(
      z.strictObject({
        params: z.union([z.string(), z.array(z.string()).min(1)]).describe('parameter name(s); several names get the same drawn value'),
        draw: paramDrawSchema,
      }),
    )
    .min(1)
    .describe('what changes and how each value is drawn'),
});
/**
 * A parameter schedule as given (before defaults: the input of `paramScheduleSchema`): the step interval, whether to
 * change before the first step, and what changes and how each value is drawn.
 */
export type ParamScheduleConfig = z.input<typeof paramScheduleSchema>;

/** One change of parameters, as applied and reported (the RL loop calls atTaskBoundary hooks on it). */
export interface ParamChange {
  /** 0 for the first change. */
  readonly index: number;
  /** Environment steps taken before the change (it applies from the next step on). */
  readonly step: number;
  readonly values: Readonly<Record<string, number>>;
}

/** A ParamSchedule's checkpoint (plain JSON). */
export interface ParamScheduleState {
  readonly rng: RngState;
  readonly steps: number;
  readonly nextAt: number;
  readonly count: number;
  readonly current: Record<string, number> | null;
}

/**
 * Non-stationarity as data: counts environment steps and, when a change is due, draws new values for named
 * parameters. Change k draws from rng.split(k), so the values of a change depend only on the seed and k
 * (not on how many draws earlier changes took). Changes fall at multiples of `every` steps (the first step
 * count reaching it when a vector env advances several steps at once). The caller applies the values
 * (ScheduledEnv, SyncVectorEnv); the count, the next change and the current values are in the checkpoint.
 */
export class ParamSchedule {
  readonly config: z.output<typeof paramScheduleSchema>;
  private rng: Rng;
  /** Environment steps counted so far. */
  steps = 0;
  private nextAt: number;
  /** Changes made so far. */
  count = 0;
  /** The values of the last change (null before the first). */
  current: Record<string, number> | null = null;

  constructor(config: ParamScheduleConfig, rng: Rng) {
    this.config = parseConfig(paramScheduleSchema, config, 'schedule');
    this.rng = rng;
    this.nextAt = this.config.atStart ? 0 : this.config.every;
  }

  /** The parameter names the schedule changes. */
  names(): string[] {
    return this.config.changes.flatMap((c) => (typeof c.params === 'string' ? [c.params] : c.params));
  }

  /** Throws unless every scheduled name is one of `known` (an env's params()); `envId` names the env in the error. */
  checkNames(known: Readonly<Record<string, number>>, envId: string): void {
    for (const n of this.names()) {
      if (!(n in known)) throw new Error(`schedule: ${envId} has no parameter '${n}'; known: ${Object.keys(known).join(', ')}`);
    }
  }

  /** The change due before the next step (drawn now), or null. */
  poll(): ParamChange | null {
    if (this.steps < this.nextAt) return null;
    const k = this.count;
    const rng = this.rng.split(k);
    const values: Record<string, number> = {};
    for (const c of this.config.changes) {
      const d = c.draw;
      const v = d.kind === 'cycle' ? d.values[k % d.values.length]! : d.kind === 'uniform' ? rng.uniform(d.low, d.high) : Math.exp(rng.uniform(Math.log(d.low), Math.log(d.high)));
      for (const n of typeof c.params === 'string' ? [c.params] : c.params) values[n] = v;
    }
    const change: ParamChange = { index: k, step: this.steps, values };
    this.count++;
    this.current = { ...values };
    this.nextAt = (Math.floor(this.steps / this.config.every) + 1) * this.config.every;
    return change;
  }

  /** Counts `n` environment steps taken. */
  advance(n: number): void {
    this.steps += n;
  }

  /**
   * A checkpoint of the schedule: its random stream, steps counted, the next change's step, changes made and the
   * current values.
   */
  getState(): ParamScheduleState {
    return { rng: this.rng.getState(), steps: this.steps, nextAt: this.nextAt, count: this.count, current: this.current && { ...this.current } };
  }

  /** Restores what `getState` returned, so later changes draw the same values as an uninterrupted run. */
  setState(s: ParamScheduleState): void {
    this.rng = Rng.fromState(s.rng);
    this.steps = s.steps;
    this.nextAt = s.nextAt;
    this.count = s.count;
    this.current = s.current && { ...s.current };
  }
}
