import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CuttableProxy, exitOf, redisMissing, sleep, start, startRedis, supple, tasksIn, until } from './clusterHelpers.js';
import { scratchDir } from './helpers/scratchDir.js';

// The Redis queue end to end: real redis-server on loopback, real worker processes, faults injected.
const skip = redisMissing();
if (skip) console.log(`# skipped: ${skip}`);

const tmp = () => scratchDir('supple-queue-');
const labels = ['bp', 'l2'];
/** 2 conditions x `seeds` seeds of 40 online tasks of 100 digits (a few seconds each). */
function sweepFile(dir: string, seeds: number, out: string): string {
  const file = join(dir, `sweep-${seeds}.yaml`);
  writeFileSync(file, [
    'benchmark: permuted-mnist',
    'set: { dataset: digits, tasks: 40, examplesPerTask: 100, run.checkpointSeconds: 0 }',
    'conditions: [{ label: bp }, { label: l2, methods: l2 }]',
    `seeds: ${seeds}`,
    `out: ${out}`,
  ].join('\n'));
  return file;
}
const runDirs = (seeds: number) => labels.flatMap((l) => Array.from({ length: seeds }, (_, s) => join(l, `s${s}`)));
const metrics = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8');

let local: string | null = null;
/** The 12-run sweep run by the local process pool, once: the reference of every queue test. */
function localSweep(): string {
  if (local === null) {
    const dir = tmp();
    const r = supple(['sweep', sweepFile(dir, 6, join(dir, 'local')), '--workers', '2']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    local = join(dir, 'local');
  }
  return local;
}

test('a 12-run sweep on Redis worked by 3 worker processes, one SIGKILLed mid-run (with its run): all 12 finish, metrics byte-identical to the local pool', { skip: skip ?? false, timeout: 600000 }, async () => {
  const redis = await startRedis('s3cret-pw');
  const workers: Array<ReturnType<typeof start>> = [];
  try {
    const dir = tmp();
    const out = join(dir, 'queued');
    const file = sweepFile(dir, 6, out);
    const submit = supple(['sweep', file, '--queue', redis.url]);
    assert.equal(submit.status, 0, submit.stdout + submit.stderr);
    assert.match(submit.stdout, /queued 12 new runs on redis:\/\/:\*\*\*@127\.0\.0\.1/);
    // Submitting again adds nothing: the job ids are the runs' config hashes.
    const again = supple(['sweep', file, '--queue', redis.url]);
    assert.match(again.stdout, /queued 0 new runs .* 12 were queued, running or done already/);
    for (let i = 0; i < 3; i++) workers.push(start(['worker', '--queue', redis.url, '--lock-seconds', '3', '--exit-when-done']));
    // The first worker's first run, once it is well under way: kill the worker and the run (a machine lost).
    const victim = workers[0]!;
    let target = '';
    await until(() => {
      const m = /start (\S+) \(job/.exec(victim.output());
      if (m) target = m[1]!;
      return target !== '' && tasksIn(target) >= 3 && existsSync(join(target, 'lock'));
    }, 300000, 'the first run of worker 1 under way');
    const runPid = (JSON.parse(readFileSync(join(target, 'lock'), 'utf8')) as { pid: number }).pid;
    victim.child.kill('SIGKILL');
    process.kill(runPid, 'SIGKILL');
    await exitOf(victim.child);
    const killedAt = tasksIn(target);
    assert.ok(killedAt < 40, 'killed before its end');
    const codes = await Promise.all(workers.slice(1).map((w) => exitOf(w.child)));
    const logs = workers.map((w) => w.output()).join('\n');
    assert.deepEqual(codes, [0, 0], logs);
    // The killed run was taken over and resumed from its checkpoint, not started again.
    assert.match(readFileSync(join(target, 'log.txt'), 'utf8'), /resuming /);
    const ref = localSweep();
    for (const d of runDirs(6)) {
      assert.equal(JSON.parse(readFileSync(join(out, d, 'summary.json'), 'utf8')).status, 'complete', d);
      assert.equal(metrics(join(out, d)), metrics(join(ref, d)), `${d}: metrics differ from the local sweep`);
    }
    const status = supple(['sweep', 'status', file, '--queue', redis.url]);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /bp +0 +0 +6 +0 +0\n +l2 +0 +0 +6 +0 +0/);
    // The password never reaches a log.
    for (const text of [submit.stdout + submit.stderr, logs, status.stdout, readFileSync(join(out, 'sweep.json'), 'utf8')]) assert.doesNotMatch(text, /s3cret-pw/);
  } finally {
    for (const w of workers) w.child.kill('SIGKILL');
    await redis.stop();
  }
});

test('a worker that loses its Redis connection for 10 s (every connection cut and refused) still completes its runs, byte-identical', { skip: skip ?? false, timeout: 600000 }, async () => {
  const redis = await startRedis();
  const proxy = await CuttableProxy.start(redis.port);
  let worker: ReturnType<typeof start> | null = null;
  try {
    const dir = tmp();
    const out = join(dir, 'queued');
    const file = sweepFile(dir, 2, out);
    assert.equal(supple(['sweep', file, '--queue', redis.url]).status, 0);
    worker = start(['worker', '--queue', `redis://127.0.0.1:${proxy.port}/0`, '--concurrency', '2', '--exit-when-done']);
    await until(() => runDirs(2).some((d) => tasksIn(join(out, d)) >= 3), 300000, 'a run under way');
    await proxy.cut(10000);
    const code = await exitOf(worker.child);
    assert.equal(code, 0, worker.output());
    assert.match(worker.output(), /queue redis:\/\/127\.0\.0\.1:\d+\/0: .*(ECONNREFUSED|Connection is closed|ECONNRESET).*\(retrying\)/);
    const ref = localSweep();
    for (const d of runDirs(2)) assert.equal(metrics(join(out, d)), metrics(join(ref, d)), d);
    const status = supple(['sweep', 'status', file, '--queue', redis.url, '--json']);
    const rows = JSON.parse(status.stdout).conditions as Array<{ label: string; done: number }>;
    assert.deepEqual(rows.map((r) => [r.label, r.done]), [['bp', 2], ['l2', 2]]);
  } finally {
    worker?.child.kill('SIGKILL');
    proxy.close();
    await redis.stop();
  }
});

test('Ctrl-C on a worker: its run writes a checkpoint and the job returns to the queue; the next worker resumes it exactly', { skip: skip ?? false, timeout: 600000 }, async () => {
  const redis = await startRedis();
  try {
    const dir = tmp();
    const out = join(dir, 'queued');
    const file = sweepFile(dir, 1, out);
    assert.equal(supple(['sweep', file, '--queue', redis.url]).status, 0);
    const w = start(['worker', '--queue', redis.url, '--concurrency', '2']);
    await until(() => runDirs(1).every((d) => tasksIn(join(out, d)) >= 3), 300000, 'both runs under way');
    w.child.kill('SIGINT');
    assert.equal(await exitOf(w.child), 130, w.output());
    assert.match(w.output(), /returned .* to the queue \(checkpoint written\)/);
    for (const d of runDirs(1)) {
      assert.equal(JSON.parse(readFileSync(join(out, d, 'summary.json'), 'utf8')).status, 'stopped');
      assert.ok(!existsSync(join(out, d, 'lock')));
    }
    const status = JSON.parse(supple(['sweep', 'status', file, '--queue', redis.url, '--json']).stdout).conditions as Array<{ queued: number; failed: number }>;
    assert.deepEqual(status.map((r) => [r.queued, r.failed]), [[1, 0], [1, 0]], 'back in the queue, no attempt used up');
    const w2 = start(['worker', '--queue', redis.url, '--concurrency', '2', '--exit-when-done']);
    assert.equal(await exitOf(w2.child), 0, w2.output());
    const ref = localSweep();
    for (const d of runDirs(1)) assert.equal(metrics(join(out, d)), metrics(join(ref, d)), d);
  } finally {
    await redis.stop();
  }
});

test('a run that fails is retried with backoff and, after the attempts, kept as failed with its error; sweep status shows it', { skip: skip ?? false, timeout: 300000 }, async () => {
  const redis = await startRedis();
  try {
    const dir = tmp();
    const file = join(dir, 'fail.yaml');
    // MNIST is not on this machine and downloads are off (SUPPLE_OFFLINE): the run fails once started.
    writeFileSync(file, ['benchmark: permuted-mnist', 'set: { dataset: mnist, tasks: 1, examplesPerTask: 10 }', 'seeds: 1', `out: ${join(dir, 'out')}`].join('\n'));
    assert.equal(supple(['sweep', file, '--queue', redis.url, '--attempts', '2', '--backoff-seconds', '0.2']).status, 0);
    const w = start(['worker', '--queue', redis.url, '--exit-when-done'], { SUPPLE_CACHE_DIR: join(dir, 'cache'), SUPPLE_DATA_DIR: join(dir, 'nodata') });
    assert.equal(await exitOf(w.child), 0, w.output());
    assert.match(w.output(), /failed .*s0 \(attempt 1, will retry\)/);
    assert.match(w.output(), /failed .*s0 \(attempt 2, no retry left\)/);
    const s = supple(['sweep', 'status', file, '--queue', redis.url]);
    assert.match(s.stdout, /bp +0 +0 +0 +0 +1/);
    assert.match(s.stdout, /failed: bp\/s0: supple run exited with 1 .*\(after 2 attempts\)/);
    // Submitting the sweep again queues the failed run again (after the data was fixed, say).
    assert.match(supple(['sweep', file, '--queue', redis.url]).stdout, /1 failed ones queued again/);
  } finally {
    await redis.stop();
  }
});

test('workers refuse a bad queue URL without printing its password', () => {
  const r = supple(['worker', '--queue', 'http://:hunter22@h:1/0']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /protocol http: is not allowed/);
  assert.doesNotMatch(r.stdout + r.stderr, /hunter22/);
  void sleep;
});
