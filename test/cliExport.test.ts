import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configHash } from '../src/experiment/configHash.js';
import { readEventFile } from '../src/export/TensorBoardWriter.js';
import { decodeSafetensors } from '../src/nn/safetensors.js';
import { scratchDir } from './helpers/scratchDir.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const tmp = () => scratchDir('supple-cli-export-');
const env = { ...process.env, SUPPLE_OFFLINE: '1', SUPPLE_THREADS: '1', CI: 'false' };
const supple = (args: string[], cwd?: string) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env, cwd });
const digits = ['permuted-mnist', '--set', 'dataset=digits', 'tasks=2', 'examplesPerTask=60'];

test('describe --json: the resolved config (several --set pairs after one flag) and a model summary', () => {
  const r = supple(['describe', ...digits, 'model.hidden=[8]', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout) as { config: { benchmark: { tasks: number; examplesPerTask: number } }; model: { layers: Array<{ name: string; outShape: number[]; params: number }>; totalParams: number; unitGroups: Array<{ name: string; units: number }>; memory: { total: number } } };
  assert.equal(d.config.benchmark.tasks, 2);
  assert.equal(d.config.benchmark.examplesPerTask, 60);
  assert.deepEqual(d.model.layers.map((l) => l.name), ['fc1', 'relu1', 'fc2']);
  assert.deepEqual(d.model.layers[0]!.outShape, [8]);
  assert.equal(d.model.totalParams, 64 * 8 + 8 + 8 * 10 + 10);
  assert.deepEqual(d.model.unitGroups.map((g) => [g.name, g.units]), [['h1', 8]]);
  assert.ok(d.model.memory.total > d.model.totalParams * 4);
  const text = supple(['run', ...digits, '--dry-run']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /Total params: 27,710/);
  assert.match(text.stdout, /Unit groups: h1 \(dense, 100 units/);
});

test('run --method cbp without a benchmark does not announce the quickstart preset', () => {
  const r = supple(['run', '--method', 'cbp', '--dry-run']);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /quickstart preset/);
  const quick = supple(['run', '--dry-run']).stderr;
  assert.match(quick, /running the quickstart preset/);
  // The README contract: the default run says where the larger data sets come from.
  assert.match(quick, /supple data fetch <name> downloads and checks one into the cache, or --data-dir DIR \(SUPPLE_DATA_DIR\)/);
});

test('run --config file, --log-to tensorboard, --json; provenance outside the hash; export to safetensors and back with --weights', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'run.yaml'), 'benchmark: permuted-mnist\nmethods: cbp\nseed: 2\nset:\n  dataset: digits\n  tasks: 3\n  examplesPerTask: 60\n');
  const out = join(dir, 'run');
  const r = supple(['run', '--config', 'run.yaml', '--set', 'tasks=2', '--log-to', 'tensorboard', '--json', '--no-report', '--out', out], dir);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { status: string; methods: string[]; seed: number };
  assert.deepEqual([summary.status, summary.methods, summary.seed], ['complete', ['cbp'], 2]);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown> & { benchmark: { tasks: number }; provenance: { command: string[]; node: string; host: string; backend: string } };
  assert.equal(config.benchmark.tasks, 2);
  assert.deepEqual(config.provenance.command.slice(0, 3), ['supple', 'run', '--config']);
  assert.equal(config.provenance.node, process.versions.node);
  const { provenance: _p, ...bare } = config;
  assert.equal(configHash(config), configHash(bare));

  const events = readdirSync(join(out, 'tensorboard')).filter((f) => f.includes('tfevents'));
  assert.equal(events.length, 1);
  const { scalars } = readEventFile(join(out, 'tensorboard', events[0]!));
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  const want = lines.flatMap((l) => Object.entries(l).filter(([k, v]) => k !== 'step' && k !== 'task' && typeof v === 'number').map(([k, v]) => `${l.step}:${k}:${Math.fround(v)}`));
  assert.deepEqual(scalars.map((s) => `${s.step}:${s.tag}:${s.value}`), want);

  const ex = supple(['export', out, '--format', 'safetensors', '--json']);
  assert.equal(ex.status, 0, ex.stderr);
  const file = (JSON.parse(ex.stdout) as { path: string }).path;
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(file)));
  assert.deepEqual(tensors['fc1.weight']!.shape, [100, 64]);
  assert.equal(metadata.format, 'pt');

  const again = join(dir, 'again');
  const w = supple(['run', ...digits, '--weights', file, '--out', again, '--json', '--no-report', '--quiet']);
  assert.equal(w.status, 0, w.stderr);
  const c2 = JSON.parse(readFileSync(join(again, 'config.json'), 'utf8')) as { weights: { sha256: string } };
  assert.match(c2.weights.sha256, /^[0-9a-f]{64}$/);
  const bad = supple(['run', ...digits, 'model.hidden=[7]', '--weights', file, '--out', join(dir, 'bad'), '--no-report', '--quiet']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /'fc1.weight' has shape \[100, 64\], the model \[7, 64\]/);

  for (const f of ['csv', 'parquet', 'tensorboard', 'wandb-offline']) {
    const e = supple(['export', out, '--format', f, '--json']);
    assert.equal(e.status, 0, `${f}: ${e.stderr}`);
    assert.ok(existsSync((JSON.parse(e.stdout) as { path: string }).path), f);
  }
  assert.match(supple(['export', out, '--format', 'hdf5']).stderr, /--format hdf5 is not allowed; one of csv, parquet, tensorboard, wandb-offline, safetensors/);
});

test('-h on every subcommand, completion scripts that bash parses', () => {
  for (const c of ['run', 'describe', 'sweep', 'worker', 'report', 'export', 'data', 'list', 'completion']) {
    const r = supple([c, '-h']);
    assert.equal(r.status, 0, `${c} -h: ${r.stderr}`);
    assert.match(r.stdout, /supple/, c);
  }
  const bash = supple(['completion', 'bash']);
  assert.equal(bash.status, 0);
  assert.match(bash.stdout, /complete -o filenames -F _supple supple/);
  assert.match(bash.stdout, /cbp/);
  const check = spawnSync('bash', ['-n'], { input: bash.stdout, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  assert.match(supple(['completion', 'fish']).stdout, /complete -c supple -n "__fish_seen_subcommand_from export" -l format -x -a "csv parquet/);
  assert.match(supple(['completion', 'tcsh']).stderr, /shell 'tcsh' is not supported; bash, zsh or fish/);
});
