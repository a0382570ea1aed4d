import { ConfigError } from '../config/parseConfig.js';
import { UsageError } from '../config/UsageError.js';
import { OutputPathError } from '../experiment/checkOutputDir.js';

/** The exit codes of every supple command (also in `supple --help` and the README). */
export const EXIT = {
  /** Done: the run completed, the report was written, the sweep's runs are complete. */
  ok: 0,
  /** A run failed (an error once it started, a data set missing, I/O) or diverged; a sweep with such a run. */
  failed: 1,
  /** Bad usage or config: unknown flags or settings, values out of range, an unusable output folder. */
  usage: 2,
  /** Interrupted (Ctrl-C, SIGTERM): what was recorded is kept and --resume continues. */
  interrupted: 130,
} as const;

/** The help text's section on exit codes. */
export const exitCodesHelp = `Exit codes: 0 done; 1 run failed or diverged; 2 bad usage or config; 130 interrupted (resume continues).`;

/** The exit code for an error that reached the top of a command. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof ConfigError || e instanceof UsageError || e instanceof OutputPathError) return EXIT.usage;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return EXIT.usage;
  return EXIT.failed;
}
