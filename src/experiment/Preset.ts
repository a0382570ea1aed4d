import type { Settings } from './settings.js';

/**
 * A named configuration that reproduces a paper's experiment. `scale` says whether it is the paper's full
 * setting or a laptop-sized cut (fewer tasks, smaller data) that keeps the paper's direction.
 * `conditions` are the methods/settings the paper compares; `supple sweep` can run them all over seeds.
 */
export interface Preset {
  readonly name: string;
  readonly description: string;
  readonly paper: string;
  readonly scale: 'full' | 'laptop';
  readonly benchmark: string;
  /** The methods a plain `supple run --preset` uses (a --method flag overrides). */
  readonly methods: readonly string[];
  readonly set: Settings;
  readonly conditions?: readonly PresetCondition[];
}

/**
 * One compared condition of a preset: its label in reports, the methods it runs, and settings on top of the preset's
 * own.
 */
export interface PresetCondition {
  readonly label: string;
  readonly methods: readonly string[];
  readonly set?: Settings;
  /**
   * A benchmark other than the preset's (the classification-MDP column of the Lyle table, a DQN beside supervised
   * runs): the condition then takes none of the preset's settings (they are for the preset's benchmark), only its own.
   */
  readonly benchmark?: string;
}

/** The benchmark a run of the preset (of its condition `label`, if given and known) is on. */
export function presetBenchmark(preset: Preset, label?: string): string {
  const c = label === undefined ? undefined : preset.conditions?.find((x) => x.label === label);
  return c?.benchmark ?? preset.benchmark;
}

/** The preset's own settings as a run of `condition` takes them: none for a condition on another benchmark. */
export function presetSettingsFor(preset: Preset, condition: PresetCondition | null): Settings {
  return condition?.benchmark !== undefined && condition.benchmark !== preset.benchmark ? {} : preset.set;
}
