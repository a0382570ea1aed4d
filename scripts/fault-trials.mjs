#!/usr/bin/env node
// Fault trials: inject faults into real `supple` processes (signals, a killed sweep, a torn log, a damaged
// checkpoint, a second writer) and check that the recovered run ends byte-identical to an uninterrupted one.
// Prints a markdown table: fault injected, trials, data lost, time to recover (median and max, seconds from the
// recovery command's start until the run is past where the fault hit it: one more task recorded than then).
// Usage: node scripts/fault-trials.mjs [--trials N] (after npm run build). Takes a few minutes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const trialsArg = process.argv.indexOf('--trials');
const N = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 5;
const env = { ...process.env, SUPPLE_OFFLINE: '1', SUPPLE_THREADS: '1' };
const settings = ['--set', 'dataset=digits', '--set', 'tasks=300', '--set', 'examplesPerTask=100', '--set', 'run.checkpointSeconds=0'];
const small = ['permuted-mnist', ...settings, '--quiet', '--no-report'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tmp = () => mkdtempSync(join(tmpdir(), 'supple-faults-'));
// Seeded draws (a script, but its trials should be repeatable): where in the run each fault lands.
let seed = 12345;
const draw = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

const tasksIn = (out) => (existsSync(join(out, 'metrics.jsonl')) ? (readFileSync(join(out, 'metrics.jsonl'), 'utf8').match(/online\/accuracy/g) ?? []).length : 0);
const exitOf = (c) => new Promise((r) => (c.exitCode !== null ? r(c.exitCode) : c.on('exit', (code) => r(code))));
async function until(ok, ms = 120000) {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await sleep(5);
  }
}
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Run `args`, timing until `back()` holds (the run is where the fault hit it); waits for the exit. */
async function recover(args, back) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  let t = null;
  const poll = (async () => {
    while (child.exitCode === null) {
      if (t === null && back()) t = (performance.now() - t0) / 1000;
      await sleep(5);
    }
  })();
  const code = await exitOf(child);
  await poll;
  if (t === null) t = (performance.now() - t0) / 1000;
  return { code, seconds: t, err };
}

const reference = (() => {
  const out = join(tmp(), 'whole');
  const r = spawnSync(process.execPath, [cli, 'run', ...small, '--out', out], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return { metrics: readFileSync(join(out, 'metrics.jsonl'), 'utf8'), edits: readFileSync(join(out, 'edits.jsonl'), 'utf8') };
})();
const same = (out) => readFileSync(join(out, 'metrics.jsonl'), 'utf8') === reference.metrics && readFileSync(join(out, 'edits.jsonl'), 'utf8') === reference.edits;

/** A run stopped by `fault` after a random number of tasks; returns the folder and the log's size at the fault. */
async function faultedRun(fault) {
  const out = join(tmp(), 'run');
  const child = spawn(process.execPath, [cli, 'run', ...small, '--out', out], { env, stdio: 'ignore' });
  const at = 2 + Math.floor(draw() * 200);
  await until(() => tasksIn(out) >= at || child.exitCode !== null);
  await fault(child);
  await exitOf(child);
  return { out, tasks: tasksIn(out) };
}

const faults = {
  'SIGKILL of `supple run` mid-run': async () => {
    const { out, tasks } = await faultedRun((c) => c.kill('SIGKILL'));
    const r = await recover(['run', '--resume', out, '--quiet', '--no-report'], () => tasksIn(out) > tasks);
    return { ok: r.code === 0 && same(out), seconds: r.seconds };
  },
  'SIGTERM twice, 3 ms apart': async () => {
    const { out, tasks } = await faultedRun(async (c) => {
      c.kill('SIGTERM');
      await sleep(3);
      c.kill('SIGTERM');
    });
    const stopped = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).status === 'stopped';
    const r = await recover(['run', '--resume', out, '--quiet', '--no-report'], () => tasksIn(out) > tasks);
    return { ok: stopped && r.code === 0 && same(out), seconds: r.seconds };
  },
  'torn last line of metrics.jsonl (power loss after a stop)': async () => {
    const { out, tasks } = await faultedRun((c) => c.kill('SIGINT'));
    const m = join(out, 'metrics.jsonl');
    const text = readFileSync(m, 'utf8');
    const lastLine = text.length - text.lastIndexOf('\n', text.length - 2) - 1;
    const cut = 1 + Math.floor(draw() * (lastLine - 1));
    truncateSync(m, text.length - cut);
    const r = await recover(['run', '--resume', out, '--quiet', '--no-report'], () => tasksIn(out) > tasks);
    return { ok: r.code === 0 && same(out), seconds: r.seconds };
  },
  'one flipped bit in the checkpoint': async () => {
    const { out } = await faultedRun((c) => c.kill('SIGINT'));
    const ck = join(out, 'checkpoint', 'state.ckpt');
    const b = readFileSync(ck);
    const at = 60 + Math.floor(draw() * (b.length - 60));
    b[at] ^= 1 << Math.floor(draw() * 8);
    writeFileSync(ck, b);
    const t0 = performance.now();
    const refused = spawnSync(process.execPath, [cli, 'run', '--resume', out, '--quiet', '--no-report'], { env, encoding: 'utf8' });
    const detected = refused.status !== 0 && /is damaged/.test(refused.stderr);
    // The documented recovery: move the damaged checkpoint away and resume from the run's start (all work redone).
    renameSync(ck, `${ck}.damaged`);
    const tasks = tasksIn(out);
    const refusal = (performance.now() - t0) / 1000;
    const r = await recover(['run', '--resume', out, '--quiet', '--no-report'], () => tasksIn(out) > tasks);
    return { ok: detected && r.code === 0 && same(out), seconds: refusal + r.seconds };
  },
  'a second process on the same run folder': async () => {
    const out = join(tmp(), 'run');
    const first = spawn(process.execPath, [cli, 'run', ...small, '--out', out], { env, stdio: 'ignore' });
    await until(() => tasksIn(out) >= 2 + Math.floor(draw() * 100) || first.exitCode !== null);
    const second = spawnSync(process.execPath, [cli, 'run', '--resume', out, '--quiet', '--no-report'], { env, encoding: 'utf8' });
    const refused = second.status === 1 && new RegExp(`in use by process ${first.pid}`).test(second.stderr);
    const code = await exitOf(first);
    return { ok: refused && code === 0 && same(out), seconds: 0 };
  },
};

function sweepFile() {
  const dir = tmp();
  const file = join(dir, 'sweep.yaml');
  writeFileSync(file, ['benchmark: permuted-mnist', 'set: { dataset: digits, tasks: 300, examplesPerTask: 100, run.checkpointSeconds: 0 }', 'seeds: 2', 'workers: 2', `out: ${join(dir, 'sweep')}`].join('\n'));
  return { file, runs: ['bp/s0', 'bp/s1'].map((d) => join(dir, 'sweep', d)) };
}
async function sweepFault(kill) {
  const { file, runs } = sweepFile();
  const sweep = spawn(process.execPath, [cli, 'sweep', file], { env, stdio: 'ignore' });
  const at = 2 + Math.floor(draw() * 150);
  await until(() => runs.every((d) => tasksIn(d) >= at) || sweep.exitCode !== null);
  const pids = runs.map((d) => (existsSync(join(d, 'lock')) ? JSON.parse(readFileSync(join(d, 'lock'), 'utf8')).pid : 0));
  kill(sweep);
  await exitOf(sweep);
  await until(() => pids.every((p) => !alive(p)), 60000);
  const tasks = runs.map(tasksIn);
  const stopped = runs.every((d) => existsSync(join(d, 'summary.json')) && JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')).status === 'stopped');
  const r = await recover(['sweep', file], () => runs.every((d, i) => tasksIn(d) > tasks[i]));
  // Seed 0 is the reference run; seed 1 must be complete as well.
  const complete = runs.every((d) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')).status === 'complete');
  return { ok: stopped && r.code === 0 && complete && same(runs[0]), seconds: r.seconds };
}
faults['Ctrl-C (SIGINT) on `supple sweep` (2 workers)'] = () => sweepFault((s) => s.kill('SIGINT'));
faults['SIGKILL of the `supple sweep` parent (2 workers)'] = () => sweepFault((s) => s.kill('SIGKILL'));

const rows = [];
for (const [name, f] of Object.entries(faults)) {
  const times = [];
  let lost = 0;
  for (let i = 0; i < N; i++) {
    const r = await f();
    if (!r.ok) lost++;
    times.push(r.seconds);
    process.stderr.write(`${name}: trial ${i + 1}/${N} ${r.ok ? 'ok' : 'DATA DIFFERS'} ${r.seconds.toFixed(2)}s\n`);
  }
  times.sort((a, b) => a - b);
  rows.push(`| ${name} | ${N} | ${lost ? `${lost} of ${N} trials differ` : 'none'} | ${times[Math.floor(N / 2)].toFixed(2)} s (max ${times[N - 1].toFixed(2)} s) |`);
}
console.log('| fault injected | trials | data lost | time to recover (median, max) |\n|---|---|---|---|\n' + rows.join('\n'));
