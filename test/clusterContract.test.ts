import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitOf, redisMissing, start, startRedis, supple, type RedisServer } from './clusterHelpers.js';
import { scratchDir } from './helpers/scratchDir.js';

// One contract for every executor of a sweep (the local process pool, the Redis queue's workers, Slurm array
// tasks run as `supple worker --jobs`): runs identified by config hash finish with the same bytes as a plain
// `supple run`, running again does no work, and a folder holding another run is never written.
const tmp = () => scratchDir('supple-contract-');
const points = ['bp/s0', 'bp/s1'];
const base = ['permuted-mnist', '--set', 'dataset=digits', 'tasks=3', 'examplesPerTask=100'];

function sweepFile(dir: string, examplesPerTask = 100): string {
  const file = join(dir, 'sweep.yaml');
  writeFileSync(file, ['benchmark: permuted-mnist', `set: { dataset: digits, tasks: 3, examplesPerTask: ${examplesPerTask} }`, 'seeds: 2', `out: ${join(dir, 'sweep')}`].join('\n'));
  return file;
}

let reference: string[] | null = null;
/** metrics.jsonl of each point run alone with `supple run`. */
function referenceMetrics(): string[] {
  if (!reference) {
    const dir = tmp();
    reference = [0, 1].map((seed) => {
      const out = join(dir, `s${seed}`);
      const r = supple(['run', ...base, '--seed', String(seed), '--out', out, '--quiet', '--no-report']);
      assert.equal(r.status, 0, r.stderr);
      return readFileSync(join(out, 'metrics.jsonl'), 'utf8');
    });
  }
  return reference;
}

interface Executor {
  readonly name: string;
  readonly skip: string | null;
  /** Run the sweep to its end: the submitting step and the working step (both may be called again). */
  submit(file: string): ReturnType<typeof supple>;
  work(file: string): Promise<number[]>;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

let redis: RedisServer | null = null;
const executors: Executor[] = [
  { name: 'local pool', skip: null, submit: (file) => supple(['sweep', file, '--workers', '2']), work: async () => [0] },
  {
    name: 'redis queue',
    skip: redisMissing(),
    setup: async () => void (redis = await startRedis()),
    teardown: async () => void (await redis?.stop()),
    submit: (file) => supple(['sweep', file, '--queue', redis!.url]),
    work: async () => {
      const w = start(['worker', '--queue', redis!.url, '--concurrency', '2', '--exit-when-done']);
      const code = await exitOf(w.child);
      return [code ?? -1];
    },
  },
  {
    name: 'slurm array tasks',
    skip: null,
    submit: (file) => supple(['sweep', file, '--slurm', '--no-submit']),
    work: async (file) => points.map((_, i) => supple(['worker', '--jobs', join(file, '..', 'sweep', 'slurm', 'jobs.json'), '--index', String(i)]).status ?? -1),
  },
];

for (const ex of executors) {
  test(`executor contract (${ex.name}): runs match supple run byte for byte; again does no work; a folder of another run is never written`, { skip: ex.skip ?? false, timeout: 300000 }, async () => {
    await ex.setup?.();
    try {
      const ref = referenceMetrics();
      const dir = tmp();
      const file = sweepFile(dir);
      const s = ex.submit(file);
      assert.equal(s.status, 0, s.stdout + s.stderr);
      const codes = await ex.work(file);
      assert.ok(codes.every((c) => c === 0), `exit codes ${codes}`);
      points.forEach((p, i) => {
        const run = join(dir, 'sweep', p);
        assert.equal(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')).status, 'complete', p);
        assert.equal(readFileSync(join(run, 'metrics.jsonl'), 'utf8'), ref[i], `${p}: metrics differ from supple run`);
      });
      // Again: nothing runs (the folders are finished; the queue knows the job ids).
      const before = points.map((p) => statSync(join(dir, 'sweep', p, 'metrics.jsonl')).mtimeMs);
      const s2 = ex.submit(file);
      assert.equal(s2.status, 0, s2.stdout + s2.stderr);
      assert.ok((await ex.work(file)).every((c) => c === 0));
      assert.deepEqual(points.map((p) => statSync(join(dir, 'sweep', p, 'metrics.jsonl')).mtimeMs), before, 'nothing ran again');
      // A folder holding another run (seed 0's config where seed 1 goes) is refused, before or when its job runs.
      const dir2 = tmp();
      // Other configs than the first sweep's (the queue knows those job ids already).
      const file2 = sweepFile(dir2, 50);
      const foreign = () => {
        mkdirSync(join(dir2, 'sweep', 'bp', 's1'), { recursive: true });
        cpSync(join(dir, 'sweep', 'bp', 's0', 'config.json'), join(dir2, 'sweep', 'bp', 's1', 'config.json'));
      };
      // The local pool runs as it is submitted: the foreign folder goes there first.
      if (ex.name === 'local pool') foreign();
      const submitted = ex.submit(file2);
      if (ex.name === 'local pool') {
        assert.equal(submitted.status, 2, submitted.stdout + submitted.stderr);
        assert.match(submitted.stderr, /holds another run/);
      } else {
        assert.equal(submitted.status, 0, submitted.stderr);
        foreign();
        const c = await ex.work(file2);
        if (ex.name === 'redis queue') {
          assert.match(supple(['sweep', 'status', file2, '--queue', redis!.url]).stdout, /failed: bp\/s1: .*holds another run/);
        } else assert.deepEqual(c, [0, 2]);
      }
      assert.equal(readFileSync(join(dir2, 'sweep', 'bp', 's1', 'config.json'), 'utf8'), readFileSync(join(dir, 'sweep', 'bp', 's0', 'config.json'), 'utf8'), 'the foreign folder is untouched');
    } finally {
      await ex.teardown?.();
    }
  });
}

// The retry rule is shared too (the queue's own test is in clusterQueue.test.ts): a run that fails is tried
// --attempts times with backoff, then counted failed with its error.
test('retry contract (local pool and slurm array tasks): a failing run is tried --attempts times, then reported failed', { timeout: 300000 }, async () => {
  const dir = tmp();
  const file = join(dir, 'fail.yaml');
  // MNIST is not in these folders and downloads are off (SUPPLE_OFFLINE): the run fails once started.
  writeFileSync(file, ['benchmark: permuted-mnist', 'set: { dataset: mnist, tasks: 1, examplesPerTask: 10 }', 'seeds: 1', `out: ${join(dir, 'out')}`].join('\n'));
  const noData = { SUPPLE_CACHE_DIR: join(dir, 'cache'), SUPPLE_DATA_DIR: join(dir, 'nodata') };
  const local = start(['sweep', file, '--attempts', '2', '--backoff-seconds', '0.1'], noData);
  assert.equal(await exitOf(local.child), 1, local.output());
  assert.match(local.output(), /retrying bp\/s0 \(attempt 1 of 2 failed: supple run exited with 1 in /);
  assert.match(local.output(), /FAILED \(supple run exited with 1 in .*, 2 attempts; see /);
  assert.equal((local.output().match(/retrying/g) ?? []).length, 1);
  const once = start(['sweep', file], noData);
  assert.equal(await exitOf(once.child), 1, once.output());
  assert.doesNotMatch(once.output(), /retrying/);
  assert.equal(supple(['sweep', file, '--slurm', '--no-submit']).status, 0);
  const task = start(['worker', '--jobs', join(dir, 'out', 'slurm', 'jobs.json'), '--index', '0', '--attempts', '3', '--backoff-seconds', '0.1'], noData);
  assert.equal(await exitOf(task.child), 1, task.output());
  assert.deepEqual(task.output().match(/failed \(attempt \d of 3\)/g), ['failed (attempt 1 of 3)', 'failed (attempt 2 of 3)', 'failed (attempt 3 of 3)']);
});
