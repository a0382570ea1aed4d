/**
 * Training produced a non-finite value: the loss of a step, or a parameter found at a check. The run stops
 * with status `diverged`; `key` says what was found (`loss`, `param/<name>`).
 */
export class DivergedError extends Error {
  constructor(
    readonly step: number,
    readonly task: number,
    readonly key: string,
    readonly value: number,
  ) {
    super(`diverged at step ${step} (task ${task}): ${key} is ${value}`);
    this.name = 'DivergedError';
  }
}
