import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDir } from './helpers/scratchDir.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const env = { ...process.env, SUPPLE_OFFLINE: '1', SUPPLE_THREADS: '1' };

test('supple run cartpole --preset cleanrl-ppo-cartpole, cut to 2048 steps, runs end to end with a report', () => {
  const out = join(scratchDir('supple-rl-cli-'), 'run');
  const r = spawnSync(process.execPath, [cli, 'run', 'cartpole', '--preset', 'cleanrl-ppo-cartpole', '--set', 'steps=2048', '--out', out, '--quiet'], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { status: string; steps: number };
  assert.equal(summary.status, 'complete');
  assert.equal(summary.steps, 2048);
  const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, number>);
  assert.ok(records.some((x) => x['episode/return'] !== undefined), 'episodes recorded');
  assert.equal(records.filter((x) => x.iteration !== undefined).length, 4, '2048 / (4 envs x 128 steps) iterations');
  assert.equal((JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { kind: string }).kind, 'rl');
  assert.ok(existsSync(join(out, 'report', 'index.html')), 'the report is written');
  assert.match(r.stdout, /mean episode return over the last 20 episodes/);
  const again = spawnSync(process.execPath, [cli, 'run', '--resume', out], { encoding: 'utf8', env });
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /complete already/);
});

test('supple run --preset cleanrl-dqn-cartpole, cut to 12000 steps, trains DQN after learning starts', () => {
  const out = join(scratchDir('supple-dqn-cli-'), 'run');
  const r = spawnSync(process.execPath, [cli, 'run', '--preset', 'cleanrl-dqn-cartpole', '--set', 'steps=12000', '--out', out, '--quiet', '--no-report'], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { algorithm: string; agent: { hidden: number[] } };
  assert.equal(config.algorithm, 'dqn');
  assert.deepEqual(config.agent.hidden, [120, 84]);
  const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, number>);
  // Train steps at t = 10010, 10020, ...; target updates at 10500, 11000, 11500; the last record (t = 11900) counts 190 updates.
  assert.equal(records.filter((x) => x['dqn/targetUpdate'] !== undefined).length, 3);
  assert.equal(records.filter((x) => x['dqn/updates'] !== undefined).at(-1)!['dqn/updates'], 190);
});

test('supple run --dry-run of an RL preset prints the resolved config and runs nothing', () => {
  const cwd = scratchDir('supple-rl-dry-');
  const r = spawnSync(process.execPath, [cli, 'run', '--preset', 'sokar-redo-dqn-laptop', '--condition', 'dqn-redo', '--dry-run'], { encoding: 'utf8', env, cwd });
  assert.equal(r.status, 0, r.stderr);
  const config = JSON.parse(r.stdout) as { algorithm: string; methods: { name: string; period: number }[] };
  assert.equal(config.algorithm, 'dqn');
  assert.deepEqual([config.methods[0]!.name, config.methods[0]!.period], ['redo', 1000]);
  assert.ok(!existsSync(join(cwd, 'runs')), 'no run folder');
});
