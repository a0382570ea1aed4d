// The Redis queue's own cost (supple sweep --queue / supple worker), on loopback: jobs per second with empty runs
// (a job that only goes through the queue: taken, locked, completed) and the overhead per job, for one worker
// at concurrency 1 and 16; and the submission rate. Starts its own redis-server on a free port.
// node dist/bench/queue.js [--jobs N]   (default 2000)
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Queue } from 'bullmq';
import { openRedis, submitJobs } from '../src/cluster/RedisQueue.js';
import { SweepWorker } from '../src/cluster/SweepWorker.js';
import type { SweepJob } from '../src/cluster/SweepJob.js';
import { scratchDir } from '../test/helpers/scratchDir.js';

const args = process.argv.slice(2);
const n = Number(args[args.indexOf('--jobs') + 1] ?? 2000) || 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve) => redis.stdout!.on('data', (d: Buffer) => /Ready to accept/.test(String(d)) && resolve()));
const url = `redis://127.0.0.1:${port}/0`;

const jobsOf = (tag: string): SweepJob[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${tag}${i.toString(16).padStart(60, '0')}`, dir: `c/s${i}`, sweepOut: '/nonexistent', label: `c${i % 4}`, seed: i, args: [] }));

console.log(`queue on loopback (redis-server, BullMQ), ${n} jobs per measurement`);
for (const concurrency of [1, 16]) {
  const name = `bench-${concurrency}`;
  const t0 = performance.now();
  await submitJobs(url, jobsOf(`c${concurrency}`), { attempts: 3, backoffSeconds: 1 }, name);
  const submitS = (performance.now() - t0) / 1000;
  const worker = new SweepWorker({
    url, name, concurrency, lockSeconds: 30, exitWhenDone: false, say: () => {},
    execute: async (job) => ({ kind: 'complete', ran: false, dir: job.dir }),
  });
  const q = new Queue(name, { connection: openRedis(url) });
  const t1 = performance.now();
  worker.start();
  while (((await q.getJobCounts('completed')).completed ?? 0) < n) await sleep(20);
  const s = (performance.now() - t1) / 1000;
  await worker.stop('bench', 0);
  await q.close();
  console.log(`concurrency ${String(concurrency).padStart(2)}: ${(n / s).toFixed(0)} jobs/s, ${((s / n) * 1000).toFixed(2)} ms per job (wall ${s.toFixed(2)} s); submitted at ${(n / submitS).toFixed(0)} jobs/s`);
}

// The same path with a real (tiny) `supple run` process per job: what a run costs beyond its training.
{
  const m = 16;
  const out = scratchDir('supple-qbench-');
  const { expandSweep, sweepSchema } = await import('../src/experiment/sweep.js');
  const { catalog } = await import('../src/experiment/catalog.js');
  const { version } = await import('../src/version.js');
  const { sweepJobs } = await import('../src/cluster/SweepJob.js');
  const file = sweepSchema.parse({ benchmark: 'permuted-mnist', set: { dataset: 'digits', tasks: 1, examplesPerTask: 10 }, seeds: m });
  const jobs = sweepJobs(expandSweep(file, catalog(), version), out);
  const name = 'bench-process';
  await submitJobs(url, jobs, { attempts: 1, backoffSeconds: 1 }, name);
  const worker = new SweepWorker({ url, name, concurrency: 2, lockSeconds: 30, exitWhenDone: false, say: () => {} });
  const q = new Queue(name, { connection: openRedis(url) });
  const t1 = performance.now();
  worker.start();
  while (((await q.getJobCounts('completed')).completed ?? 0) < m) await sleep(20);
  const s = (performance.now() - t1) / 1000;
  await worker.stop('bench', 0);
  await q.close();
  console.log(`a supple run process per job (1 task of 10 digits), concurrency 2: ${(m / s).toFixed(2)} jobs/s, ${((s / m) * 1000).toFixed(0)} ms per job (wall ${s.toFixed(1)} s, ${m} jobs)`);
}
redis.kill('SIGTERM');
process.exit(0);
