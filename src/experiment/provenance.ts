import { spawnSync } from 'node:child_process';
import { hostname, platform, release } from 'node:os';

/** Where and how a run was started: written as config.json's `provenance` (it does not enter the config hash). */
export interface Provenance {
  readonly supple: string;
  /** The git commit of the working directory's repository (the user's project), if it is one. */
  readonly git: { commit: string; dirty: boolean } | null;
  readonly host: string;
  readonly os: string;
  readonly node: string;
  readonly backend: string;
  /** The command line, as typed (argv after node). */
  readonly command: readonly string[];
  readonly cwd: string;
  readonly startedAt: string;
}

function gitState(cwd: string): Provenance['git'] {
  const run = (args: string[]) => spawnSync('git', args, { cwd, encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
  const head = run(['rev-parse', 'HEAD']);
  if (head.status !== 0 || !head.stdout) return null;
  const status = run(['status', '--porcelain', '--untracked-files=no']);
  return { commit: head.stdout.trim(), dirty: status.status === 0 && status.stdout.trim().length > 0 };
}

/** Collect the provenance of a run started now from this process. */
export function collectProvenance(opts: { version: string; backend: string; argv?: readonly string[]; cwd?: string }): Provenance {
  const cwd = opts.cwd ?? process.cwd();
  return {
    supple: opts.version,
    git: gitState(cwd),
    host: hostname(),
    os: `${platform()} ${release()}`,
    node: process.versions.node,
    backend: opts.backend,
    command: [...(opts.argv ?? process.argv.slice(1))],
    cwd,
    startedAt: new Date().toISOString(),
  };
}
