// `npm run bench`: supple's speed against PyTorch on this machine. Prints a table and writes bench/results.json.
// Options: --seconds S (per workload, default 3), --only name[,name], --backends ts,wasm,native,
// --resnet-width W (default 32), --no-torch.
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableBackends, getBackend } from '../src/backend/selectBackend.js';
import { engineWorkloads, runEngineWorkload, type EngineResult } from './engine.js';

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

const workloads = engineWorkloads(resnetWidth).filter((w) => only.length === 0 || only.includes(w.name));
console.log(`supple bench: ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, node ${process.version}; ${seconds} s per workload`);
const results: EngineResult[] = [];
for (const w of workloads) {
  for (const b of backends) {
    if (b === 'ts' && w.heavy) continue;
    const r = await runEngineWorkload(w, getBackend(b), seconds);
    results.push(r);
    console.log(`  ${w.name.padEnd(16)} ${b.padEnd(7)} ${r.stepsPerSecond.toFixed(r.stepsPerSecond < 10 ? 2 : 0).padStart(9)} steps/s  heap ${r.heapGrowthPerStep.toFixed(2)} B/step  gc ${r.gcCount}`);
  }
}
const torch = runTorch(workloads.map((w) => w.name));
const rows = results.map((r) => {
  const t = torch.get(r.workload);
  return { ...r, torchStepsPerSecond: t?.steps_per_s ?? null, ratio: t ? r.stepsPerSecond / t.steps_per_s : null };
});

console.log('\n| workload | backend | steps/s | PyTorch steps/s | supple/PyTorch | heap growth/step | GCs |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const f = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(0));
  console.log(`| ${r.workload} | ${r.backend} | ${f(r.stepsPerSecond)} | ${r.torchStepsPerSecond === null ? '-' : f(r.torchStepsPerSecond)} | ${r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`} | ${r.heapGrowthPerStep.toFixed(1)} B | ${r.gcCount} |`);
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
const file = join(root, 'bench/results.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify({ meta, engine: rows }, null, 2)}\n`);
console.log(`\nwrote ${file}`);
