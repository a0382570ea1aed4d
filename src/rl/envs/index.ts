// The environment layer of supple's reinforcement learning (Gymnasium-style): classic control, wrappers,
// vector env, schedules of parameter change, and the registry of environments by id.
export type { Action, BoxSpace, DiscreteSpace, Env, Space, StepResult } from './Env.js';
export { boxSpace, discreteSpace, spaceSize, checkAction } from './spaces.js';
export { ParamTable, type ParamSpec } from './ParamTable.js';
export { ClassicControlEnv, type ClassicControlState } from './ClassicControlEnv.js';
export { CartPole, cartPoleParamSpecs, type CartPoleParam } from './CartPole.js';
export { Acrobot, acrobotParamSpecs, type AcrobotParam } from './Acrobot.js';
export { MountainCar, mountainCarParamSpecs, type MountainCarParam } from './MountainCar.js';
export { Pendulum, pendulumParamSpecs, type PendulumParam } from './Pendulum.js';
export { Wrapper, findWrapper, type WrapperState } from './Wrapper.js';
export { TimeLimit } from './TimeLimit.js';
export { RecordEpisodeStatistics, EPISODE_RETURN, EPISODE_LENGTH } from './RecordEpisodeStatistics.js';
export { RunningMeanStd, type RunningMeanStdState } from './RunningMeanStd.js';
export { NormalizeObservation } from './NormalizeObservation.js';
export { NormalizeReward } from './NormalizeReward.js';
export { ClipObservation } from './ClipObservation.js';
export { ClipReward } from './ClipReward.js';
export { ClipAction } from './ClipAction.js';
export { TransformObservation } from './TransformObservation.js';
export { applyWrappers, cleanrlWrappers, wrapperConfigSchema, type WrapperConfig } from './wrapperConfig.js';
export { ParamSchedule, paramScheduleSchema, paramDrawSchema, type ParamChange, type ParamDraw, type ParamScheduleConfig, type ParamScheduleState } from './ParamSchedule.js';
export { ScheduledEnv, SCHEDULE_CHANGE } from './ScheduledEnv.js';
export { SyncVectorEnv, type VectorStepResult, type SyncVectorEnvState } from './SyncVectorEnv.js';
export { paramsSchema, type EnvSpec } from './EnvSpec.js';
export { classicControlSpecs, cartPoleOptionsSchema, acrobotOptionsSchema, mountainCarOptionsSchema, pendulumOptionsSchema } from './classicControlSpecs.js';
export { environmentRegistry, registerEnv, makeEnv, makeEnvSync } from './envRegistry.js';
export { makeVectorEnv, vectorEnvConfigSchema, type VectorEnvConfig } from './makeVectorEnv.js';
