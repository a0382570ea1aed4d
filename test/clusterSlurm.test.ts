import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { env, exitOf, freePort, sleep, supple, tasksIn, until } from './clusterHelpers.js';
import { scratchDir } from './helpers/scratchDir.js';

// Slurm job arrays: the script's signal handling run by bash (no Slurm needed), and the script checked and run
// by a real single-node Slurm (munge, slurmctld, slurmd from Debian's slurm-wlm) where one can be started.
const tmp = () => scratchDir('supple-slurm-');

function sweepFile(dir: string, tasks: number): string {
  const file = join(dir, 'sweep.yaml');
  writeFileSync(file, ['benchmark: permuted-mnist', `set: { dataset: digits, tasks: ${tasks}, examplesPerTask: 100, run.checkpointSeconds: 0 }`, 'seeds: 2', `out: ${join(dir, 'sweep')}`].join('\n'));
  return file;
}

test('--slurm --dry-run prints the array script; --no-submit writes it and the jobs file', () => {
  const dir = tmp();
  const file = sweepFile(dir, 2);
  const r = supple(['sweep', file, '--slurm', '--dry-run', '--partition', 'debug', '--time', '10', '--cpus-per-task', '2', '--mem', '500M']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^#!\/bin\/bash\n#SBATCH --job-name=supple-sweep\n#SBATCH --array=0-1\n/);
  assert.match(r.stdout, /#SBATCH --partition=debug\n#SBATCH --time=10\n#SBATCH --cpus-per-task=2\n#SBATCH --mem=500M\n#SBATCH --requeue\n#SBATCH --signal=B:USR1@120\n/);
  assert.ok(!existsSync(join(dir, 'sweep')), '--dry-run writes nothing');
  const w = supple(['sweep', file, '--slurm', '--no-submit']);
  assert.equal(w.status, 0, w.stderr);
  const jobs = JSON.parse(readFileSync(join(dir, 'sweep', 'slurm', 'jobs.json'), 'utf8')) as Array<{ dir: string; id: string }>;
  assert.deepEqual(jobs.map((j) => j.dir), ['bp/s0', 'bp/s1']);
  assert.match(jobs[0]!.id, /^[0-9a-f]{64}$/);
  const bad = supple(['sweep', file, '--slurm', '--dry-run', '--time', 'soon']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--time soon: not allowed/);
});

test('an array task near its time limit (SIGUSR1 to the batch shell) checkpoints, requeues itself, and resumes exactly', { timeout: 300000 }, async () => {
  const dir = tmp();
  const file = sweepFile(dir, 200);
  assert.equal(supple(['sweep', file, '--slurm', '--no-submit']).status, 0);
  // scontrol stands in for Slurm: it records what the script asks.
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'scontrol'), `#!/bin/sh\necho "$@" >> ${join(dir, 'scontrol.txt')}\n`);
  chmodSync(join(bin, 'scontrol'), 0o755);
  const script = join(dir, 'sweep', 'slurm', 'sweep.sbatch');
  const taskEnv = { ...env, PATH: `${bin}:${process.env.PATH}`, SLURM_ARRAY_JOB_ID: '77', SLURM_ARRAY_TASK_ID: '0' };
  const run = join(dir, 'sweep', 'bp', 's0');
  const shell = spawn('bash', [script], { env: taskEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  shell.stdout!.on('data', (d) => (out += d));
  shell.stderr!.on('data', (d) => (out += d));
  await until(() => tasksIn(run) >= 3, 120000, 'the run under way');
  shell.kill('SIGUSR1');
  assert.equal(await exitOf(shell), 130, out);
  assert.equal(readFileSync(join(dir, 'scontrol.txt'), 'utf8'), 'requeue 77_0\n');
  assert.equal(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')).status, 'stopped');
  assert.ok(existsSync(join(run, 'checkpoint', 'state.ckpt')));
  // The requeued task: resumes from the checkpoint to the end, byte-identical to an uninterrupted run.
  const again = spawnSync('bash', [script], { env: taskEnv, encoding: 'utf8' });
  assert.equal(again.status, 0, again.stdout + again.stderr);
  const whole = join(dir, 'whole');
  assert.equal(supple(['run', 'permuted-mnist', '--set', 'dataset=digits', 'tasks=200', 'examplesPerTask=100', 'run.checkpointSeconds=0', '--seed', '0', '--out', whole, '--quiet', '--no-report']).status, 0);
  assert.equal(readFileSync(join(run, 'metrics.jsonl'), 'utf8'), readFileSync(join(whole, 'metrics.jsonl'), 'utf8'));
  // Once finished, the task does nothing more.
  const third = spawnSync('bash', [script], { env: taskEnv, encoding: 'utf8' });
  assert.equal(third.status, 0);
  assert.match(third.stdout, /finished before/);
});

/** Why a single-node Slurm cannot be started here, or null. */
function slurmMissing(): string | null {
  for (const b of ['munged', 'slurmctld', 'slurmd', 'sbatch']) {
    const found = spawnSync('sh', ['-c', `command -v ${b} || test -x /usr/sbin/${b}`], { encoding: 'utf8' }).status === 0;
    if (!found) return `${b} is not installed (apt-get install slurm-wlm munge)`;
  }
  if (process.getuid?.() !== 0) return 'slurmctld and slurmd are started as root by this test, and this is not root';
  return null;
}

const sbin = (b: string) => (existsSync(`/usr/sbin/${b}`) ? `/usr/sbin/${b}` : b);

/** munged, slurmctld and slurmd on loopback, with their own key, config and state in `dir`. */
async function startSlurm(dir: string): Promise<{ conf: string; stop: () => void } | string> {
  const host = hostname().split('.')[0]!;
  const munge = join(dir, 'munge');
  mkdirSync(munge, { mode: 0o700 });
  if (existsSync('/etc/munge/munge.key')) copyFileSync('/etc/munge/munge.key', join(munge, 'key'));
  else writeFileSync(join(munge, 'key'), Buffer.from(Array.from({ length: 128 }, (_, i) => (i * 97 + 13) % 256)));
  chmodSync(join(munge, 'key'), 0o600);
  const m = spawnSync(sbin('munged'), ['--force', `--key-file=${join(munge, 'key')}`, `--socket=${join(munge, 'sock')}`, `--pid-file=${join(munge, 'pid')}`, `--log-file=${join(munge, 'log')}`, `--seed-file=${join(munge, 'seed')}`], { encoding: 'utf8' });
  if (m.status !== 0) return `munged did not start: ${m.stderr.trim()}`;
  for (const d of ['state', 'spool']) mkdirSync(join(dir, d));
  const [ctld, slurmd] = [await freePort(), await freePort()];
  const cpus = Math.max(1, Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || 1);
  const conf = join(dir, 'slurm.conf');
  writeFileSync(conf, [
    'ClusterName=supple-test', `SlurmctldHost=${host}`, `SlurmctldPort=${ctld}`, `SlurmdPort=${slurmd}`,
    'AuthType=auth/munge', 'CredType=cred/munge', `AuthInfo=socket=${join(munge, 'sock')}`, 'SlurmUser=root', 'SlurmdUser=root',
    `StateSaveLocation=${join(dir, 'state')}`, `SlurmdSpoolDir=${join(dir, 'spool')}`, `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`, `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
    `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`, `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
    'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none', 'JobAcctGatherType=jobacct_gather/none', 'AccountingStorageType=accounting_storage/none',
    'SchedulerType=sched/backfill', 'SelectType=select/cons_tres', 'SelectTypeParameters=CR_Core', 'ReturnToService=2', 'MpiDefault=none',
    `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=1000 State=UNKNOWN`, `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`, '',
  ].join('\n'));
  const slurmEnv = { ...process.env, SLURM_CONF: conf };
  const pids = () => ['slurmd.pid', 'slurmctld.pid', join('munge', 'pid')].flatMap((p) => (existsSync(join(dir, p)) ? [Number(readFileSync(join(dir, p), 'utf8').trim())] : []));
  const stop = () => {
    for (const pid of pids()) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone already
      }
    }
  };
  for (const [d, args] of [['slurmctld', ['-i']], ['slurmd', []]] as const) {
    const r = spawnSync(sbin(d), [...args], { env: slurmEnv, encoding: 'utf8' });
    if (r.status !== 0) {
      stop();
      return `${d} did not start (exit ${r.status}): ${r.stderr.trim()} ${existsSync(join(dir, `${d}.log`)) ? readFileSync(join(dir, `${d}.log`), 'utf8').trim().split('\n').slice(-3).join(' | ') : ''}`;
    }
  }
  const t0 = Date.now();
  for (;;) {
    const s = spawnSync('sinfo', ['-h', '-o', '%T'], { env: slurmEnv, encoding: 'utf8' });
    if (s.status === 0 && /idle/.test(s.stdout)) break;
    if (Date.now() - t0 > 30000) {
      stop();
      return `the Slurm node did not come up idle within 30 s (sinfo: ${(s.stdout + s.stderr).trim()})`;
    }
    await sleep(200);
  }
  return { conf, stop };
}

test('a real single-node Slurm: sbatch --test-only accepts the array script, and the array runs every run to completion', { timeout: 300000 }, async (t) => {
  const missing = slurmMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const dir = tmp();
  const slurm = await startSlurm(join(dir));
  if (typeof slurm === 'string') {
    t.skip(slurm);
    return;
  }
  try {
    const file = sweepFile(dir, 2);
    const slurmEnv = { ...env, SLURM_CONF: slurm.conf };
    const dry = spawnSync(process.execPath, [join(import.meta.dirname, '../src/cli/main.js'), 'sweep', file, '--slurm', '--dry-run', '--partition', 'debug', '--time', '00:10:00', '--cpus-per-task', '1', '--mem', '100M'], { env: slurmEnv, encoding: 'utf8' });
    assert.equal(dry.status, 0, dry.stderr);
    const script = join(dir, 'test.sbatch');
    writeFileSync(script, dry.stdout);
    const check = spawnSync('sbatch', ['--test-only', script], { env: slurmEnv, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stderr, /Job \d+ to start at .* on nodes .* in partition debug/);
    // Submitted for real (--wait: sbatch returns when the array has ended).
    const sub = spawnSync(process.execPath, [join(import.meta.dirname, '../src/cli/main.js'), 'sweep', file, '--slurm', '--time', '00:10:00', '--mem', '100M'], { env: slurmEnv, encoding: 'utf8' });
    assert.equal(sub.status, 0, sub.stdout + sub.stderr);
    const id = /Submitted batch job (\d+)/.exec(sub.stdout)?.[1];
    assert.ok(id, sub.stdout);
    await until(() => ['bp/s0', 'bp/s1'].every((d) => existsSync(join(dir, 'sweep', d, 'summary.json')) && JSON.parse(readFileSync(join(dir, 'sweep', d, 'summary.json'), 'utf8')).status === 'complete'), 180000, 'the array tasks to finish');
    const status = supple(['sweep', 'status', file]);
    assert.match(status.stdout, /bp +0 +0 +2 +0 +0/);
  } finally {
    slurm.stop();
  }
});
