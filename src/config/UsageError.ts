/**
 * A mistake in how a command was called (flags, arguments, paths given): the CLI exits with code 2 for it,
 * as for a ConfigError, and 1 for a run that failed once started.
 */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}
