import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDir } from './helpers/scratchDir.js';

// Faults injected into real processes of the CLI: signals, a killed parent, two writers, bad paths.
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const tmp = () => scratchDir('supple-rel-');
const env = { ...process.env, SUPPLE_OFFLINE: '1', SUPPLE_THREADS: '1' };
const supple = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// 300 online tasks of 100 digits (a few seconds): a signal after the first tasks lands mid-run.
const settings = ['--set', 'dataset=digits', '--set', 'tasks=300', '--set', 'examplesPerTask=100', '--set', 'run.checkpointSeconds=0'];
const small = ['permuted-mnist', ...settings, '--quiet', '--no-report'];
const tasksIn = (out: string) => (existsSync(join(out, 'metrics.jsonl')) ? (readFileSync(join(out, 'metrics.jsonl'), 'utf8').match(/online\/accuracy/g) ?? []).length : 0);

/** Wait until `ok()` or the process ended; fails after `ms`. */
async function until(ok: () => boolean, child: ChildProcess | null, ms = 60000): Promise<void> {
  const t0 = Date.now();
  while (!ok() && (child === null || child.exitCode === null)) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await sleep(10);
  }
}
const exitOf = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.on('exit', (code) => r(code))));

let wholeRun: string | null = null;
/** metrics.jsonl of the uninterrupted run (seed 0), made once. */
function whole(): string {
  if (wholeRun === null) {
    const out = join(tmp(), 'whole');
    const r = supple(['run', ...small, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    wholeRun = readFileSync(join(out, 'metrics.jsonl'), 'utf8');
  }
  return wholeRun;
}

test('SIGTERM twice within milliseconds (as timeout and process managers send): the checkpoint is still written, exit 130, resume is exact', async () => {
  const out = join(tmp(), 'run');
  const child = spawn(process.execPath, [cli, 'run', ...small, '--out', out], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  await until(() => tasksIn(out) >= 3, child);
  // 3 ms apart (the kernel merges a signal sent while the same one is still pending): both reach the run while
  // it trains, before its loop looks at the first.
  child.kill('SIGTERM');
  await sleep(3);
  child.kill('SIGTERM');
  assert.equal(await exitOf(child), 130, stderr);
  assert.equal(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).status, 'stopped', 'the stop ran to its end (summary written)');
  assert.ok(!existsSync(join(out, 'lock')), 'the lock is released');
  const r = supple(['run', '--resume', out, '--quiet', '--no-report']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(out, 'metrics.jsonl'), 'utf8'), whole());
});

test('two processes on one run folder: the second gets a clear error naming the holder, and nothing of the first is touched', async () => {
  const out = join(tmp(), 'run');
  const first = spawn(process.execPath, [cli, 'run', ...small, '--out', out], { env, stdio: 'ignore' });
  await until(() => tasksIn(out) >= 2, first);
  // Paused, alive and holding its lock: its run takes a few seconds, and on a busy machine it once finished while
  // the two other processes started (the third then found a finished run instead of the holder).
  first.kill('SIGSTOP');
  const second = supple(['run', '--resume', out, '--quiet', '--no-report']);
  assert.equal(second.status, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`in use by process ${first.pid} on `));
  const fresh = supple(['run', ...small, '--out', out]);
  assert.notEqual(fresh.status, 0);
  assert.match(fresh.stderr, new RegExp(`in use by process ${first.pid}`));
  first.kill('SIGKILL');
  await exitOf(first);
  // The holder is gone (SIGKILL: its lock stays behind): the stale lock is taken over and the run resumes exactly.
  assert.ok(existsSync(join(out, 'lock')));
  const r = supple(['run', '--resume', out, '--quiet', '--no-report']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(out, 'metrics.jsonl'), 'utf8'), whole());
});

function sweepFile(dir: string): string {
  const file = join(dir, 'sweep.yaml');
  writeFileSync(file, ['benchmark: permuted-mnist', 'set: { dataset: digits, tasks: 300, examplesPerTask: 100, run.checkpointSeconds: 0 }', 'seeds: 2', 'workers: 2', `out: ${join(dir, 'sweep')}`].join('\n'));
  return file;
}
const runDirs = (dir: string) => ['bp/s0', 'bp/s1'].map((d) => join(dir, 'sweep', d));

test('Ctrl-C (SIGINT) on a sweep stops every worker with a checkpoint; the same sweep again resumes them exactly', async () => {
  const dir = tmp();
  const file = sweepFile(dir);
  const sweep = spawn(process.execPath, [cli, 'sweep', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  sweep.stdout!.on('data', (d) => (output += d));
  sweep.stderr!.on('data', (d) => (output += d));
  await until(() => runDirs(dir).every((d) => tasksIn(d) >= 2), sweep);
  sweep.kill('SIGINT');
  assert.equal(await exitOf(sweep), 130, output);
  for (const d of runDirs(dir)) {
    assert.equal(JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')).status, 'stopped', `${d}: ${readFileSync(join(d, 'log.txt'), 'utf8')}`);
    assert.ok(existsSync(join(d, 'checkpoint', 'state.ckpt')));
    assert.doesNotMatch(readFileSync(join(d, 'log.txt'), 'utf8'), /EPIPE/);
  }
  const again = supple(['sweep', file]);
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /2 runs \(0 complete, 2 to resume, 0 new\)/);
  assert.equal(readFileSync(join(runDirs(dir)[0]!, 'metrics.jsonl'), 'utf8'), whole());
});

test('SIGKILL of a sweep: its workers do not live on as orphans; they stop with a checkpoint and the sweep resumes', async () => {
  const dir = tmp();
  const file = sweepFile(dir);
  const sweep = spawn(process.execPath, [cli, 'sweep', file], { env, stdio: 'ignore' });
  await until(() => runDirs(dir).every((d) => tasksIn(d) >= 2), sweep);
  const pids = runDirs(dir).map((d) => (JSON.parse(readFileSync(join(d, 'lock'), 'utf8')) as { pid: number }).pid);
  sweep.kill('SIGKILL');
  await exitOf(sweep);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  await until(() => pids.every((p) => !alive(p)), null, 30000);
  for (const d of runDirs(dir)) {
    assert.ok(tasksIn(d) < 300, 'stopped before the end');
    assert.equal(JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')).status, 'stopped', readFileSync(join(d, 'log.txt'), 'utf8'));
    assert.ok(!existsSync(join(d, 'lock')));
  }
  const again = supple(['sweep', file]);
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.equal(readFileSync(join(runDirs(dir)[0]!, 'metrics.jsonl'), 'utf8'), whole());
});

test('a sweep whose grid changed does not reuse a folder of another config: an error saying what differs', () => {
  const dir = tmp();
  const file = join(dir, 'sweep.yaml');
  const write = (lr: number) => writeFileSync(file, ['benchmark: permuted-mnist', `set: { dataset: digits, tasks: 2, examplesPerTask: 50, optimizer.lr: ${lr} }`, 'seeds: 1', `out: ${join(dir, 'sweep')}`].join('\n'));
  write(0.01);
  assert.equal(supple(['sweep', file]).status, 0);
  write(0.02);
  const r = supple(['sweep', file]);
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /holds another run .*optimizer\.lr: 0\.01 -> 0\.02/);
});

test('exit codes: 2 for bad usage and config, 1 for a failed or diverged run, 0 done; documented in --help', () => {
  const help = supple(['--help']);
  assert.match(help.stdout, /Exit codes: 0 done; 1 run failed or diverged; 2 bad usage or config; 130 interrupted/);
  assert.match(supple(['run', '--help']).stdout, /Exit codes:/);
  assert.equal(supple(['run', 'permuted-mnist', '--bogus']).status, 2);
  assert.equal(supple(['frobnicate']).status, 2);
  const dir = tmp();
  // A run that diverges: status diverged, the step and key, exit 1, and its report shows it.
  const out = join(dir, 'div');
  const r = supple(['run', 'permuted-mnist', '--set', 'dataset=digits', '--set', 'tasks=2', '--set', 'examplesPerTask=100', '--set', 'optimizer.lr=1e6', '--out', out, '--quiet']);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /DIVERGED at step \d+ \(task 1\): loss is NaN/);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(s.status, 'diverged');
  assert.equal(s.diverged.key, 'loss');
  assert.match(readFileSync(join(out, 'report', 'index.html'), 'utf8'), /DIVERGED at step/);
  // A missing data set is a failure (1), not a usage error; the folder resumes once the data is given.
  const cifar = join(dir, 'cifar');
  const missing = spawnSync(process.execPath, [cli, 'run', 'permuted-mnist', '--set', 'dataset=mnist', '--set', 'tasks=1', '--set', 'examplesPerTask=50', '--out', cifar, '--quiet', '--no-report'], {
    encoding: 'utf8', env: { ...env, SUPPLE_CACHE_DIR: join(dir, 'cache'), SUPPLE_DATA_DIR: '' },
  });
  assert.equal(missing.status, 1, missing.stderr);
  assert.match(missing.stderr, /not on this machine/);
  assert.ok(existsSync(join(cifar, 'config.json')));
  const data = fileURLToPath(new URL('../../../shared/data', import.meta.url));
  if (existsSync(join(data, 'mnist'))) {
    const resumed = spawnSync(process.execPath, [cli, 'run', '--resume', cifar, '--data-dir', data, '--quiet', '--no-report'], { encoding: 'utf8', env: { ...env, SUPPLE_CACHE_DIR: join(dir, 'cache') } });
    assert.equal(resumed.status, 0, resumed.stderr);
  }
});

test('bad output folders are refused before any work, with a message that says why', () => {
  const dir = tmp();
  for (const [out, why] of [['', /empty path/], ['/', /file-system root/], ['/proc/x', /kernel file system/], [join(dir, 'f', 'run'), /a part of the path is a file|not a folder/]] as const) {
    if (out.startsWith(join(dir, 'f'))) writeFileSync(join(dir, 'f'), 'x');
    const r = supple(['run', ...small, '--out', out]);
    assert.equal(r.status, 2, `${out}: ${r.stderr}`);
    assert.match(r.stderr, why);
  }
  assert.equal(readdirSync(dir).length, 1);
});

test('a truncated last line of metrics.jsonl (power loss) does not block resume: the line is kept aside and the log rebuilt exactly', async () => {
  const out = join(tmp(), 'run');
  const child = spawn(process.execPath, [cli, 'run', ...small, '--out', out], { env, stdio: 'ignore' });
  await until(() => tasksIn(out) >= 4, child);
  // A clean stop ends the log at the checkpoint; the power loss then takes the end of its last line.
  child.kill('SIGINT');
  assert.equal(await exitOf(child), 130);
  const m = join(out, 'metrics.jsonl');
  truncateSync(m, readFileSync(m).length - 7);
  const r = supple(['run', '--resume', out, '--quiet', '--no-report']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /repaired: .*metrics\.jsonl/);
  assert.equal(readFileSync(m, 'utf8'), whole());
  assert.ok(existsSync(`${m}.torn`));
});

test('data list says DAMAGED for a truncated or corrupt file, naming it, and exits 1', () => {
  const dir = tmp();
  const mnist = join(dir, 'data', 'mnist');
  mkdirSync(mnist, { recursive: true });
  const files = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
  // Files of the published sizes with the wrong bytes: what a truncated-then-padded or bit-rotted copy looks like.
  const sizes = [9912422, 28881, 1648877, 4542];
  files.forEach((f, i) => writeFileSync(join(mnist, f), Buffer.alloc(sizes[i]!)));
  truncateSync(join(mnist, files[3]!), 100);
  const r = spawnSync(process.execPath, [cli, 'data', 'list', '--data-dir', join(dir, 'data')], { encoding: 'utf8', env: { ...env, SUPPLE_CACHE_DIR: join(dir, 'cache') } });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /mnist +DAMAGED \(data-dir: .*\): .*train-images-idx3-ubyte\.gz: sha256 [0-9a-f]+ differs from the published/);
  assert.match(r.stdout, /t10k-labels-idx1-ubyte\.gz has 100 bytes; the published file has 4542/);
});

test('nonsensical optimizer values are refused before any work: lr = -1, a negative rate in a schedule, eps = 0', () => {
  const piecewise = 'optimizer.lr={"kind":"piecewise","boundaries":[10],"values":[0.1,-2]}';
  for (const [set, why] of [['optimizer.lr=-1', /optimizer: lr = -1 is not allowed/], [piecewise, /optimizer: lr = .* is not allowed: .*-2/], ['optimizer.eps=0', /eps = 0 is not allowed: must be > 0/]] as const) {
    const out = join(tmp(), 'run');
    const r = supple(['run', ...small, '--set', set, '--out', out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, why);
    assert.ok(!existsSync(out));
  }
});

test('a model too large for memory is refused before it is built, with the estimate, the limit and what to change', () => {
  const out = join(tmp(), 'big');
  const r = supple(['run', 'class-incremental', '--set', 'dataset=digits', '--set', 'tasks=1', '--set', 'classesPerTask=10', '--set', 'model.width=256', '--set', 'batchSize=512', '--backend', 'wasm', '--out', out, '--quiet']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /model resnet18 needs about \d+\.\d+ GiB before it trains: 178,581,514 parameters .* at batch size 512; the wasm backend holds at most 4 GiB .* --backend ts .*run\.checkMemory=false/);
  assert.doesNotMatch(r.stderr, /Memory\.grow/);
  assert.ok(!existsSync(join(out, 'config.json')), 'the folder is left free for a corrected config');
});
