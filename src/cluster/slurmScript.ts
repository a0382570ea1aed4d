import { UsageError } from '../config/UsageError.js';

/** Resources and behaviour of a sweep's Slurm job array. */
export interface SlurmOptions {
  readonly partition?: string;
  /** Time limit per task, in a format sbatch takes (`MM`, `HH:MM:SS`, `D-HH:MM:SS`). */
  readonly time?: string;
  readonly cpusPerTask?: number;
  /** Memory per node, as sbatch takes it (`4G`, `500M`). */
  readonly mem?: string;
  /** Requeue a task stopped before its time limit or preempted (it resumes from its checkpoint). */
  readonly requeue: boolean;
  /** Seconds before the time limit at which the task is told to checkpoint (SIGUSR1 to the batch shell). */
  readonly signalSeconds: number;
  /** At most this many tasks at once (`--array=0-N%max`). */
  readonly maxParallel?: number;
  readonly jobName: string;
}

/** What the script runs: node, supple's CLI, the sweep's jobs file and the number of jobs. */
export interface SlurmTarget {
  readonly node: string;
  readonly cli: string;
  readonly jobsFile: string;
  readonly count: number;
  /** Folder of the tasks' Slurm logs (`%A_%a.out`). */
  readonly logDir: string;
}

/** A word for the shell, quoted when it needs to be. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const timeFormat = /^(\d+-)?\d+(:\d{1,2}){0,2}$/;

/** Check the options (names the flag, the value and what is allowed). */
export function checkSlurmOptions(o: SlurmOptions): void {
  if (o.time !== undefined && !timeFormat.test(o.time)) throw new UsageError(`--time ${o.time}: not allowed; minutes, HH:MM:SS or D-HH:MM:SS (as sbatch)`);
  if (o.mem !== undefined && !/^\d+[KMGT]?$/.test(o.mem)) throw new UsageError(`--mem ${o.mem}: not allowed; a size as sbatch takes it, e.g. 4G or 500M`);
  if (o.cpusPerTask !== undefined && !(Number.isInteger(o.cpusPerTask) && o.cpusPerTask >= 1)) throw new UsageError(`--cpus-per-task ${o.cpusPerTask}: not allowed; a positive integer`);
  if (o.partition !== undefined && !/^[A-Za-z0-9_.,-]+$/.test(o.partition)) throw new UsageError(`--partition ${o.partition}: not allowed; a partition name (letters, digits, _ . , -)`);
  if (!(Number.isInteger(o.signalSeconds) && o.signalSeconds >= 1 && o.signalSeconds <= 65535)) throw new UsageError(`signal seconds ${o.signalSeconds}: not allowed; 1 to 65535`);
  if (o.maxParallel !== undefined && !(Number.isInteger(o.maxParallel) && o.maxParallel >= 1)) throw new UsageError(`--workers ${o.maxParallel}: not allowed; a positive integer`);
}

/**
 * An sbatch script of a job array, one task per run of the sweep: each task runs `supple worker --jobs FILE
 * --index $SLURM_ARRAY_TASK_ID`, which starts its run, resumes it from its checkpoint (after a requeue or a
 * preemption), or does nothing when it is finished. Slurm sends SIGUSR1 to the batch shell `signalSeconds`
 * before the time limit (`--signal=B:USR1@S`): the shell passes it on as SIGTERM, the run writes its
 * checkpoint, and with `--requeue` the task puts itself back in the queue to go on. SIGTERM (scancel,
 * preemption) stops the run with a checkpoint as well.
 */
export function slurmScript(o: SlurmOptions, t: SlurmTarget): string {
  checkSlurmOptions(o);
  if (t.count < 1) throw new UsageError('supple sweep --slurm: the sweep has no runs');
  const q = shellQuote;
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${q(o.jobName)}`,
    `#SBATCH --array=0-${t.count - 1}${o.maxParallel ? `%${o.maxParallel}` : ''}`,
    `#SBATCH --output=${q(`${t.logDir}/%A_%a.out`)}`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...(o.cpusPerTask ? [`#SBATCH --cpus-per-task=${o.cpusPerTask}`] : []),
    ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
    o.requeue ? '#SBATCH --requeue' : '#SBATCH --no-requeue',
    `#SBATCH --signal=B:USR1@${o.signalSeconds}`,
    '#SBATCH --open-mode=append',
    '',
    '# Written by supple sweep --slurm: one array task per run; a task resumes its run from the checkpoint.',
    'set -u',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable of the batch script
    'export SUPPLE_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
    `${q(t.node)} ${q(t.cli)} worker --jobs ${q(t.jobsFile)} --index "$SLURM_ARRAY_TASK_ID" &`,
    'run=$!',
    'near_limit=0',
    '# The time limit is near (SIGUSR1 to this shell): the run writes its checkpoint and stops.',
    'trap \'near_limit=1; kill -TERM "$run" 2>/dev/null\' USR1',
    '# scancel or preemption: stop with a checkpoint too.',
    'trap \'kill -TERM "$run" 2>/dev/null\' TERM INT',
    '# wait returns early when a trapped signal arrives: wait again for the run\'s own exit code.',
    'wait "$run"; code=$?',
    'while kill -0 "$run" 2>/dev/null; do wait "$run"; code=$?; done',
    ...(o.requeue
      ? [
        'if [ "$code" -eq 130 ] && [ "$near_limit" -eq 1 ]; then',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable of the batch script
        '  echo "supple: checkpoint written before the time limit; requeueing ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} to resume"',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable of the batch script
        '  scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"',
        'fi',
      ]
      : []),
    'exit "$code"',
    '',
  ];
  return lines.join('\n');
}
