import type { Action, Env, StepResult } from './Env.js';
import type { ParamChange, ParamSchedule, ParamScheduleState } from './ParamSchedule.js';
import { Wrapper } from './Wrapper.js';
import { stepResult } from './stepResult.js';

/** The info key set on the first step under new parameters: the change's index. */
export const SCHEDULE_CHANGE = 'schedule/change';

/**
 * An env whose parameters follow a ParamSchedule (one env; a SyncVectorEnv takes the schedule itself so that
 * all copies change together). Before each step a due change is applied (`setParams` on the wrapped env),
 * reported through `onChange`, kept in `lastChange`, and marked in that step's info as `schedule/change`
 * (its index) and `param/<name>` (the new values). Parameters persist across episodes.
 */
export class ScheduledEnv extends Wrapper {
  readonly kind = 'ScheduledEnv';
  lastChange: ParamChange | null = null;

  constructor(
    env: Env,
    readonly schedule: ParamSchedule,
    /** Called with each change as it is applied, before the step it affects (settable). */
    public onChange?: (change: ParamChange) => void,
  ) {
    super(env);
    schedule.checkNames(env.params(), env.id);
  }

  override step(action: Action): StepResult {
    const change = this.schedule.poll();
    if (change) {
      this.env.setParams(change.values);
      this.lastChange = change;
      this.onChange?.(change);
    }
    const r = this.env.step(action);
    this.schedule.advance(1);
    if (!change) return r;
    const info: Record<string, number> = { ...r.info, [SCHEDULE_CHANGE]: change.index };
    for (const [k, v] of Object.entries(change.values)) info[`param/${k}`] = v;
    return stepResult(r.obs, r.reward, r.terminated, r.truncated, info);
  }

  protected override ownState(): unknown {
    return { schedule: this.schedule.getState(), lastChange: this.lastChange };
  }

  protected override setOwnState(own: unknown): void {
    const s = own as { schedule: ParamScheduleState; lastChange: ParamChange | null };
    this.schedule.setState(s.schedule);
    this.lastChange = s.lastChange;
  }
}
