import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shellQuote, slurmScript, type SlurmOptions } from './slurmScript.js';

const opts: SlurmOptions = { partition: 'gpu', time: '02:00:00', cpusPerTask: 4, mem: '8G', requeue: true, signalSeconds: 120, jobName: 'supple-grid', maxParallel: 5 };
const target = { node: '/usr/bin/node', cli: '/opt/supple/dist/src/cli/main.js', jobsFile: '/shared/sweeps/my grid/slurm/jobs.json', count: 12, logDir: '/shared/sweeps/my grid/slurm' };

test('the sbatch script: one array task per run, resources, requeue, USR1 before the time limit, the task command', () => {
  const s = slurmScript(opts, target);
  const directives = s.split('\n').filter((l) => l.startsWith('#SBATCH'));
  assert.deepEqual(directives, [
    '#SBATCH --job-name=supple-grid',
    '#SBATCH --array=0-11%5',
    "#SBATCH --output='/shared/sweeps/my grid/slurm/%A_%a.out'",
    '#SBATCH --partition=gpu',
    '#SBATCH --time=02:00:00',
    '#SBATCH --cpus-per-task=4',
    '#SBATCH --mem=8G',
    '#SBATCH --requeue',
    '#SBATCH --signal=B:USR1@120',
    '#SBATCH --open-mode=append',
  ]);
  assert.ok(s.startsWith('#!/bin/bash\n'));
  assert.match(s, /\n\/usr\/bin\/node \/opt\/supple\/dist\/src\/cli\/main\.js worker --jobs '\/shared\/sweeps\/my grid\/slurm\/jobs\.json' --index "\$SLURM_ARRAY_TASK_ID" &\n/);
  assert.match(s, /trap 'near_limit=1; kill -TERM "\$run" 2>\/dev\/null' USR1/);
  assert.match(s, /scontrol requeue "\$\{SLURM_ARRAY_JOB_ID\}_\$\{SLURM_ARRAY_TASK_ID\}"/);
  assert.match(s, /export SUPPLE_THREADS="\$\{SLURM_CPUS_PER_TASK:-1\}"/);
  const plain = slurmScript({ requeue: false, signalSeconds: 300, jobName: 'x' }, { ...target, count: 1 });
  assert.match(plain, /#SBATCH --array=0-0\n/);
  assert.match(plain, /#SBATCH --no-requeue\n/);
  assert.match(plain, /#SBATCH --signal=B:USR1@300\n/);
  assert.doesNotMatch(plain, /--partition|--time|--mem|scontrol/);
});

test('bad Slurm options are refused, naming the flag, the value and what is allowed', () => {
  assert.throws(() => slurmScript({ ...opts, time: '2 hours' }, target), /--time 2 hours: not allowed; minutes, HH:MM:SS or D-HH:MM:SS/);
  assert.throws(() => slurmScript({ ...opts, mem: '8GB' }, target), /--mem 8GB: not allowed/);
  assert.throws(() => slurmScript({ ...opts, partition: 'a;rm -rf' }, target), /--partition a;rm -rf: not allowed/);
  assert.throws(() => slurmScript({ ...opts, cpusPerTask: 0 }, target), /--cpus-per-task 0: not allowed/);
  assert.throws(() => slurmScript(opts, { ...target, count: 0 }), /no runs/);
});

test('shell quoting: plain words stay, others are single-quoted with quotes escaped', () => {
  assert.equal(shellQuote('/a/b.json'), '/a/b.json');
  assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
  assert.equal(shellQuote('$HOME'), `'$HOME'`);
});
