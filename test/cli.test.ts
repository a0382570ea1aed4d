import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDir } from './helpers/scratchDir.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

test('the built bin is executable with a node shebang (npx supple runs it directly)', { skip: process.platform === 'win32' }, () => {
  assert.ok(statSync(cli).mode & 0o100, `${cli} is not executable`);
  assert.match(readFileSync(cli, 'utf8').split('\n')[0]!, /^#!\/usr\/bin\/env node/);
});
const tmp = () => scratchDir('supple-cli-');
const env = { ...process.env, SUPPLE_OFFLINE: '1', SUPPLE_THREADS: '1' };
const supple = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env });

// A small online permuted-digits run (the data set ships with supple): 300 tasks of 100 examples, probes at each
// task end; long enough (a few seconds) that a signal after the first tasks always lands mid-run.
const small = ['permuted-mnist', '--set', 'dataset=digits', '--set', 'tasks=300', '--set', 'examplesPerTask=100', '--set', 'run.checkpointSeconds=0', '--quiet', '--no-report'];

test('a bad learning-rate schedule exits with code 2 before any work, naming the key and what is allowed', () => {
  const out = join(tmp(), 'run');
  const unsorted = JSON.stringify({ kind: 'piecewise', boundaries: [100, 50], values: [0.1, 0.01, 0.001] });
  let r = supple(['run', 'permuted-mnist', '--set', 'dataset=digits', '--set', `optimizer.lr=${unsorted}`, '--out', out]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /optimizer: lr = \{"kind":"piecewise","boundaries":\[100,50\].* is not allowed: boundaries must increase strictly \(got 100, 50\)/);
  const negative = JSON.stringify({ kind: 'per-task', schedule: { kind: 'piecewise', boundaries: [10], values: [0.1, -0.5] } });
  r = supple(['run', 'permuted-mnist', '--set', 'dataset=digits', '--set', `optimizer.lr=${negative}`, '--out', out]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /optimizer: lr = .* is not allowed: value -0\.5 must be a finite number >= 0/);
  assert.equal(existsSync(out), false, 'nothing is written for a bad schedule');
});

test('config errors stop before any work, naming the key, the value and what is allowed', () => {
  const out = join(tmp(), 'run');
  const r = supple(['run', 'permuted-mnist', '--set', 'dataset=digitz', '--set', 'optimizer.lr=-1x', '--set', 'taks=3', '--out', out]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /dataset = "digitz" is not allowed: allowed: "mnist", "fashion-mnist", "digits"/);
  assert.match(r.stderr, /'taks' is not a setting; use benchmark options \(dataset, tasks/);
  assert.match(r.stderr, /optimizer: lr = "-1x" is not allowed/);
  assert.equal(existsSync(out), false, 'nothing is written for a bad config');
  const m = supple(['run', 'permuted-mnist', '--method', 'bp+nope']);
  assert.equal(m.status, 2);
  assert.match(m.stderr, /unknown method 'nope'; known: bp/);
});

async function killAfterTasks(args: string[], out: string, tasks: number, signal: NodeJS.Signals): Promise<number | null> {
  const child = spawn(process.execPath, [cli, 'run', ...args, '--out', out], { env, stdio: 'ignore' });
  const metrics = join(out, 'metrics.jsonl');
  for (;;) {
    await new Promise((r) => setTimeout(r, 10));
    const n = existsSync(metrics) ? (readFileSync(metrics, 'utf8').match(/online\/accuracy/g) ?? []).length : 0;
    if (n >= tasks || child.exitCode !== null) break;
  }
  child.kill(signal);
  return new Promise((r) => child.on('exit', (code) => r(code)));
}

test('a run killed with SIGKILL mid-way and resumed gives the same metrics.jsonl as an uninterrupted run', async () => {
  const dir = tmp();
  const whole = supple(['run', ...small, '--out', join(dir, 'whole')]);
  assert.equal(whole.status, 0, whole.stderr);
  const killed = join(dir, 'killed');
  await killAfterTasks(small, killed, 5, 'SIGKILL');
  const before = readFileSync(join(killed, 'metrics.jsonl'), 'utf8');
  const expected = readFileSync(join(dir, 'whole', 'metrics.jsonl'), 'utf8');
  assert.ok(before.length < expected.length, 'the run was killed before the end');
  assert.ok(!existsSync(join(killed, 'summary.json')), 'a killed run has no summary');
  const resumed = supple(['run', '--resume', killed, '--quiet', '--no-report']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(readFileSync(join(killed, 'metrics.jsonl'), 'utf8'), expected);
  assert.equal(readFileSync(join(killed, 'edits.jsonl'), 'utf8'), readFileSync(join(dir, 'whole', 'edits.jsonl'), 'utf8'));
  assert.equal(JSON.parse(readFileSync(join(killed, 'summary.json'), 'utf8')).status, 'complete');
});

test('Ctrl-C (SIGINT) stops cleanly with a checkpoint, and --resume finishes the run', async () => {
  const dir = tmp();
  const out = join(dir, 'run');
  const code = await killAfterTasks(small, out, 3, 'SIGINT');
  assert.equal(code, 130, 'the run stops at the signal, mid-run');
  assert.equal(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).status, 'stopped');
  const r = supple(['run', '--resume', out, '--quiet', '--no-report']);
  assert.equal(r.status, 0, r.stderr);
  const whole = supple(['run', ...small, '--out', join(dir, 'whole')]);
  assert.equal(whole.status, 0);
  assert.equal(readFileSync(join(out, 'metrics.jsonl'), 'utf8'), readFileSync(join(dir, 'whole', 'metrics.jsonl'), 'utf8'));
});

test('a sweep of 2 x 2 runs on 2 workers, skipped when complete, then a report over it', () => {
  const dir = tmp();
  const file = join(dir, 'sweep.yaml');
  writeFileSync(file, [
    'benchmark: permuted-mnist',
    'set: { dataset: digits, tasks: 3, examplesPerTask: 200 }',
    'grid:',
    '  optimizer.lr: [0.01, 0.003]',
    'seeds: 2',
    `out: ${join(dir, 'sweep')}`,
  ].join('\n'));
  const dry = supple(['sweep', file, '--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /4 runs \(0 complete, 0 to resume, 4 new\)/);
  const r = supple(['sweep', file, '--workers', '2']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /all runs complete/);
  for (const d of ['optimizer.lr=0.01/s0', 'optimizer.lr=0.01/s1', 'optimizer.lr=0.003/s0', 'optimizer.lr=0.003/s1']) {
    assert.equal(JSON.parse(readFileSync(join(dir, 'sweep', d, 'summary.json'), 'utf8')).status, 'complete', d);
  }
  const again = supple(['sweep', file]);
  assert.match(again.stdout, /4 runs \(4 complete, 0 to resume, 0 new\)/);
  const rep = supple(['report', join(dir, 'sweep'), '--out', join(dir, 'report')]);
  assert.equal(rep.status, 0, rep.stderr);
  assert.match(rep.stdout, /2 conditions/);
  for (const f of ['index.html', 'online-accuracy.svg', 'online-accuracy.png', 'summary.csv']) assert.ok(existsSync(join(dir, 'report', f)), f);
});

test('list and help come from the schemas', () => {
  const l = supple(['list', 'benchmarks', 'methods']);
  assert.equal(l.status, 0);
  assert.match(l.stdout, /permuted-mnist/);
  assert.match(l.stdout, /examplesPerTask/);
  const j = JSON.parse(supple(['list', 'optimizer', '--json']).stdout);
  assert.ok(j.optimizer.some((o: { key: string }) => o.key === 'lr'));
  assert.match(supple(['run', 'slowly-changing-regression', '--help']).stdout, /slowBits|flip/);
  assert.match(supple(['report', '--help']).stdout, /--bin-tasks/);
  assert.equal(supple(['frobnicate']).status, 2);
});
