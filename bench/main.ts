// `npm run bench`: supple's speed against PyTorch on this machine. Prints tables and writes bench/results.json.
// Sections: engine (training steps vs PyTorch), methods (cost of plasticity methods), diagnostics (cost of
// probes), streams (data), e2e (whole `supple run` processes), rl (raw environment stepping).
// Options: --sections engine,methods,diagnostics,streams,e2e (default all), --seconds S (per engine workload,
// default 3), --only workload[,workload], --backends ts,wasm,native, --resnet-width W (default 32), --no-torch,
// --data-dir DIR (holding mnist/ for the stream and end-to-end sections).
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableBackends, getBackend } from '../src/backend/selectBackend.js';
import { benchUnitEdit, engineWorkloads, runEngineWorkload, type EngineResult } from './engine.js';
import { runMethodsBench } from './methods.js';
import { benchDiagnostics } from './diagnostics.js';
import { benchStreams } from './streams.js';
import { benchE2e } from './e2e.js';
import { benchRlEnvs } from './rlEnvs.js';
import { benchDqn, benchPpo } from './rl.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const seconds = Number(opt('--seconds', '3'));
const resnetWidth = Number(opt('--resnet-width', '32'));
const only = opt('--only', '').split(',').filter(Boolean);
const backends = (opt('--backends', availableBackends().filter((b) => b !== 'ts64').join(','))).split(',');
const useTorch = !args.includes('--no-torch');
const sections = opt('--sections', 'engine,methods,diagnostics,streams,e2e,rl').split(',');
const known = ['engine', 'methods', 'diagnostics', 'streams', 'e2e', 'rl'];
for (const s of sections) if (!known.includes(s)) throw new Error(`--sections: '${s}' is not a section; sections: ${known.join(', ')}`);

interface TorchResult {
  workload: string;
  steps_per_s: number;
  threads: number;
  torch: string;
}

function findTorchPython(): string | null {
  for (const py of [process.env.SUPPLE_TORCH_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

function runTorch(names: string[]): Map<string, TorchResult> {
  const out = new Map<string, TorchResult>();
  const py = useTorch ? findTorchPython() : null;
  if (!py) {
    console.log(useTorch ? 'PyTorch not found (python3 -c "import torch" fails): no ratios. On Debian: apt-get install python3-torch' : 'PyTorch skipped (--no-torch)');
    return out;
  }
  const r = spawnSync(py, [join(root, 'bench/torch/engine.py'), ...names, '--seconds', String(seconds), '--resnet-width', String(resnetWidth)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) {
    console.log(`PyTorch run failed: ${r.stderr}`);
    return out;
  }
  for (const line of r.stdout.trim().split('\n')) {
    const j = JSON.parse(line) as TorchResult;
    out.set(j.workload, j);
  }
  return out;
}

const workloads = sections.includes('engine') ? engineWorkloads(resnetWidth).filter((w) => only.length === 0 || only.includes(w.name)) : [];
console.log(`supple bench: ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, node ${process.version}; ${seconds} s per workload`);
if (workloads.length) console.log('\nengine: training steps per second');
const results: EngineResult[] = [];
for (const w of workloads) {
  for (const b of backends) {
    if (b === 'ts' && w.heavy) continue;
    const r = await runEngineWorkload(w, getBackend(b), seconds);
    results.push(r);
    console.log(`  ${w.name.padEnd(16)} ${b.padEnd(7)} ${r.stepsPerSecond.toFixed(r.stepsPerSecond < 10 ? 2 : 0).padStart(9)} steps/s  heap ${r.heapGrowthPerStep.toFixed(2)} B/step  gc ${r.gcCount}`);
  }
}
let unitEdit: unknown = null;
if (sections.includes('engine')) {
  const u = await benchUnitEdit(getBackend(backends.includes('wasm') ? 'wasm' : backends[0]!));
  unitEdit = u;
  console.log(`  unit edit on a 2000x2000 layer (Adam state): ${u.reinitUnitUs.toFixed(1)} us per reinitialized unit (copying the layer once: ${u.copyLayerUs.toFixed(0)} us)`);
}
const torch = workloads.length ? runTorch(workloads.map((w) => w.name)) : new Map<string, TorchResult>();
const rows = results.map((r) => {
  const t = torch.get(r.workload);
  return { ...r, torchStepsPerSecond: t?.steps_per_s ?? null, ratio: t ? r.stepsPerSecond / t.steps_per_s : null };
});

if (rows.length) {
console.log('\n| workload | backend | steps/s | PyTorch steps/s | supple/PyTorch | heap growth/step | GCs |');
console.log('|---|---|---:|---:|---:|---:|---:|');
}
for (const r of rows) {
  const f = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(0));
  console.log(`| ${r.workload} | ${r.backend} | ${f(r.stepsPerSecond)} | ${r.torchStepsPerSecond === null ? '-' : f(r.torchStepsPerSecond)} | ${r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`} | ${r.heapGrowthPerStep.toFixed(1)} B | ${r.gcCount} |`);
}
let methods: unknown = null, diagnostics: unknown = null, streams: unknown = null, e2e: unknown = null, rl: unknown = null;
if (sections.includes('methods')) {
  console.log('\nmethods: steps/s on the online permuted-MNIST workload (784-100-100-100-10, batch 1, SGD), wasm');
  const r = runMethodsBench({ seconds: Math.max(1, seconds / 2) });
  for (const m of r) console.log(`  ${m.label.padEnd(40)} ${Math.round(m.stepsPerSecond).toString().padStart(7)} steps/s  ${m.ratioToBp.toFixed(2)} x bp  (hooks and edits: ${(100 * m.overhead).toFixed(1)}% of a step)`);
  methods = r;
}
if (sections.includes('diagnostics')) {
  console.log('\ndiagnostics: cost of the default probes on online permuted MNIST (one probe of 2000 examples per task of 60000 steps)');
  const d = benchDiagnostics('auto');
  console.log(`  ${d.backend}: one probe ${(d.probeSeconds * 1000).toFixed(0)} ms; training ${Math.round(d.stepsPerSecond)} steps/s; probes add ${(100 * d.overhead).toFixed(1)}% (target < 10%)`);
  console.log(`  singular values of a 2000 x 100 feature matrix: ${d.svd2000x100Ms.toFixed(1)} ms (Gram ${d.gram2000x100Ms.toFixed(1)} ms, eigenvalues ${d.eig100Ms.toFixed(1)} ms); updateSize tracker: +${(100 * d.updateSizeOverhead).toFixed(0)}% per step (opt-in)`);
  diagnostics = d;
}
if (sections.includes('streams')) {
  console.log('\nstreams');
  streams = await benchStreams((l) => console.log(`  ${l}`));
}
if (sections.includes('e2e')) {
  console.log('\nend to end: whole `supple run` processes, median of 3 (the paper\'s PyTorch code: ~2,600 / 1,400 / 6,000 examples/s on this machine, per the issue)');
  e2e = benchE2e();
}
if (sections.includes('rl')) {
  console.log('\nrl: raw environment stepping, random actions (env steps/s; each workload in its own process)');
  const envs = benchRlEnvs(Math.max(1, seconds / 2), (l) => console.log(`  ${l}`));
  console.log('\nrl: PPO, whole iterations (rollout + update) against the raw env (targets: CartPole >= 20k env steps/s; Ant >= 50% of raw)');
  const ppo = await benchPpo((l) => console.log(`  ${l}`));
  console.log('\nrl: DQN, env steps once training runs (target: CartPole >= 10k env steps/s with train frequency 10)');
  rl = { envs, ppo, dqn: await benchDqn((l) => console.log(`  ${l}`)) };
}

const meta = {
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model,
  cores: availableParallelism(),
  node: process.version,
  seconds,
  resnetWidth,
  torch: torch.size ? { version: [...torch.values()][0]!.torch, threads: [...torch.values()][0]!.threads } : null,
  backends: Object.fromEntries(backends.map((b) => [b, getBackend(b).description])),
};
// A partial run (some sections, workloads or backends) must not overwrite the full record.
const partial = ['--sections', '--only', '--backends', '--seconds', '--resnet-width', '--no-torch'].some((a) => args.includes(a));
const file = join(root, partial ? 'bench/results.local.json' : 'bench/results.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify({ meta, engine: rows, unitEdit, methods, diagnostics, streams, e2e, rl }, null, 2)}\n`);
console.log(`\nwrote ${file}`);
