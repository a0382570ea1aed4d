// `npm run bench`: supple's speed against PyTorch on this machine. Prints tables and writes bench/results.json.
// Sections: engine (training steps vs PyTorch), methods (cost of plasticity methods), diagnostics (cost of
// probes), streams (data), e2e (whole `supple run` processes), rl (environments, PPO and DQN, against CleanRL's
// loops in PyTorch: bench/torch/rl.py), scale (the MLP 784-W-W-W-10 across widths and batch sizes, with peak
// memory; bench/scale.ts).
// Options: --sections engine,methods,diagnostics,streams,e2e,rl,scale (default all), --seconds S (per engine workload,
// default 3), --only workload[,workload], --backends ts,wasm,native, --resnet-width W (default 32), --no-torch,
// --heap-warmup-steps N|auto (untimed steps before each engine row's heap windows, at most 180 s of them; default
// auto: 1000 for the rows whose heap windows hold under 50 steps, 0 for the rest), --readings N (timed readings of
// each supple engine row, each on a fresh network, the fastest counting; default 2, as PyTorch's before and after),
// --data-dir DIR (holding mnist/ for the stream and end-to-end sections); for scale: --scale-widths 100,1000,2000,10000,
// --scale-batches 1,16,256, --scale-backends ts,wasm,native,torch, --scale-seconds 1.5, --scale-max-step-seconds 30,
// --scale-supple-threads 1,2 (SUPPLE_THREADS settings of wasm and native; the fastest counts, as PyTorch's 1 or 2).
// PyTorch runs at 1 and at 2 threads (intra-op and OMP/MKL/OpenBLAS alike), with glibc's malloc as it comes and
// keeping freed memory (bench/torchRun.ts), and where the environment pins OpenBLAS's kernels also with them detected
// (bench/blasCore.ts; supple's native rows run at both too, each in a process of its own), right before and right
// after supple's runs of each engine workload; each ratio is against PyTorch's fastest reading, as issue 17 counts
// it. Each row carries its target and a `met` column.
// Only `--sections scale` (with scale options at most) writes its part into bench/results.json, keeping the rest.
// --help prints this.
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableBackends, getBackend } from '../src/backend/selectBackend.js';
import { benchUnitEdit, defaultSlowHeapWarmup, engineWorkloads, runEngineWorkload, type EngineResult, type Workload } from './engine.js';
import { runMethodsBench } from './methods.js';
import { blasCoreEnv, blasCores, type BlasCore } from './blasCore.js';
import { benchDiagnostics } from './diagnostics.js';
import { benchStreams } from './streams.js';
import { benchE2e } from './e2e.js';
import { benchRlEnvs } from './rlEnvs.js';
import { benchDqn, benchPpo, type DqnBenchResult, type PpoBenchResult } from './rl.js';
import { defaultScaleOptions, runScaleSection, type ScaleOptions } from './scale.js';
import { findTorchPython, runTorchEngine, torchAllocators, torchEngineScript, torchRlScript } from './torchRun.js';
import {
  engineTarget, fastestTorch, formatMet, formatRate, formatTarget, heapTarget, markdownTable, meets, methodTarget, probesTarget, rlTarget,
  type Target, settingWins, type TorchMeasurement, updateSizeTarget,
} from './benchTargets.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The commit the bench starts at ('+dirty' when tracked files differ from it); null outside a git checkout. */
function benchCommit(): string | null {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0 || !head.stdout) return null;
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.status === 0 && dirty.stdout.trim() ? '+dirty' : ''}`;
}
const startCommit = benchCommit();
const args = process.argv.slice(2);
/** The options this script takes: those with a value, and the flags. */
const valueOptions = [
  '--sections', '--seconds', '--only', '--backends', '--resnet-width', '--heap-warmup-steps', '--readings', '--data-dir', '--scale-widths',
  '--scale-batches', '--scale-backends', '--scale-seconds', '--scale-max-step-seconds', '--scale-supple-threads',
];
const flagOptions = ['--no-torch', '--help', '-h'];
if (args.includes('--help') || args.includes('-h')) {
  // The header comment of this file is the usage; print it rather than run anything (a run rewrites bench/results.json).
  const source = readFileSync(join(root, 'bench', 'main.ts'), 'utf8');
  console.log(source.split('\n').filter((l) => l.startsWith('//')).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (valueOptions.includes(a)) {
    if (args[i + 1] === undefined || args[i + 1]!.startsWith('--')) throw new Error(`${a}: needs a value (see --help)`);
    i++;
  } else if (!flagOptions.includes(a)) throw new Error(`'${a}' is not an option; options: ${[...valueOptions, ...flagOptions].join(', ')}`);
}
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const seconds = Number(opt('--seconds', '3'));
// Untimed steps before the engine rows' heap windows (see runEngineWorkload).
const heapWarmupArg = opt('--heap-warmup-steps', 'auto');
const heapWarmup = heapWarmupArg === 'auto' ? 'auto' : Number(heapWarmupArg);
if (heapWarmup !== 'auto' && !(Number.isInteger(heapWarmup) && heapWarmup >= 0)) throw new Error(`--heap-warmup-steps: '${heapWarmupArg}' is not allowed; allowed: auto or a non-negative integer`);
// Timed readings of each supple engine row, each on a fresh network: PyTorch reads each of its settings twice
// (before and after supple's runs) and its fastest counts, so supple's fastest of as many counts too.
const readingsArg = opt('--readings', '2');
const readings = Number(readingsArg);
if (!(Number.isInteger(readings) && readings >= 1)) throw new Error(`--readings: '${readingsArg}' is not allowed; allowed: an integer >= 1`);
const resnetWidth = Number(opt('--resnet-width', '32'));
const only = opt('--only', '').split(',').filter(Boolean);
const backends = (opt('--backends', availableBackends().filter((b) => b !== 'ts64').join(','))).split(',');
const useTorch = !args.includes('--no-torch');
const sections = opt('--sections', 'engine,methods,diagnostics,streams,e2e,rl,scale').split(',');
const known = ['engine', 'methods', 'diagnostics', 'streams', 'e2e', 'rl', 'scale'];
for (const s of sections) if (!known.includes(s)) throw new Error(`--sections: '${s}' is not a section; sections: ${known.join(', ')}`);
const numbers = (name: string, dflt: readonly number[]): number[] =>
  opt(name, dflt.join(',')).split(',').map((v) => {
    const n = Number(v);
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`${name}: '${v}' is not a positive integer`);
    return n;
  });
const scaleOptions: ScaleOptions = {
  ...defaultScaleOptions,
  widths: numbers('--scale-widths', defaultScaleOptions.widths),
  batches: numbers('--scale-batches', defaultScaleOptions.batches),
  backends: opt('--scale-backends', defaultScaleOptions.backends.filter((b) => useTorch || b !== 'torch').join(',')).split(','),
  seconds: Number(opt('--scale-seconds', String(defaultScaleOptions.seconds))),
  maxStepSeconds: Number(opt('--scale-max-step-seconds', String(defaultScaleOptions.maxStepSeconds))),
  suppleThreads: numbers('--scale-supple-threads', defaultScaleOptions.suppleThreads),
};
for (const b of scaleOptions.backends) {
  if (!['ts', 'wasm', 'native', 'torch'].includes(b)) throw new Error(`--scale-backends: '${b}' is not a backend; allowed: ts, wasm, native, torch`);
}

/** PyTorch thread settings tried for every engine workload (intra-op threads = OMP/MKL/OpenBLAS threads). */
const torchThreads = [1, 2];
const torchPython = useTorch && sections.some((s) => s === 'engine' || s === 'rl') ? findTorchPython() : null;
let torchVersion: string | null = null;

/**
 * One pass of PyTorch over the engine workloads (or, with bench/torch/rl.py, the RL loops) at every thread setting,
 * labelled `run` ('before', 'after').
 */
function runTorch(names: string[], run: string, script = torchEngineScript, extra = ['--resnet-width', String(resnetWidth)], allocators: readonly string[] = torchAllocators, cores: readonly BlasCore[] = blasCores()): TorchMeasurement[] {
  if (!torchPython) return [];
  const out: TorchMeasurement[] = [];
  for (const blasCore of cores) {
    for (const allocator of allocators as typeof torchAllocators) {
      for (const threads of torchThreads) {
        const r = runTorchEngine(torchPython, [...names, '--seconds', String(seconds), ...extra], threads, undefined, script, allocator, blasCore);
        const setting = `${threads} thread${threads === 1 ? '' : 's'}, ${allocator} malloc${blasCore === 'detected' ? ', OpenBLAS detected' : ''}`;
        if ('error' in r) {
          console.log(`  PyTorch run (${run}, ${setting}) failed: ${r.error}`);
          continue;
        }
        for (const l of r.lines) {
          torchVersion = l.torch;
          out.push({ workload: l.workload, stepsPerSecond: l.steps_per_s, threads: l.threads, run, allocator, ...(blasCore === 'detected' ? { blasCore } : {}) });
          console.log(`  ${l.workload.padEnd(16)} torch   ${formatRate(l.steps_per_s).padStart(9)} steps/s  (${setting}, ${run})`);
        }
      }
    }
  }
  return out;
}

/** 'readings a, b' (steps/s) where a row had more than one reading, else ''. */
function readingList(r: EngineResult): string {
  return r.readings.length > 1 ? `readings ${r.readings.map(formatRate).join(', ')}` : '';
}

const engineChildScript = join(dirname(fileURLToPath(import.meta.url)), 'engineChild.js');

/**
 * supple's row of a workload on a backend. The native backend's rows run in a process of their own at each OpenBLAS
 * kernel setting (bench/blasCore.ts) when the environment pins the kernels, and the faster counts; every other row
 * runs in this process.
 */
async function runSuppleRow(w: Workload, b: string): Promise<EngineResult & { blasCore?: BlasCore }> {
  const cores = b === 'native' ? blasCores() : [];
  if (cores.length < 2) return runEngineWorkload(w, getBackend(b), seconds, heapWarmup, readings);
  // A fresh process compiles the step's functions over its first hundreds of steps, which the rows in this process
  // share with the rows before them: 'auto' gives every child row the slow rows' untimed steps (mlp-large-b1 native
  // read 20-26 B/step in its heap windows with none, 0 after 1000).
  const warm = heapWarmup === 'auto' ? defaultSlowHeapWarmup : heapWarmup;
  let best: (EngineResult & { blasCore?: BlasCore }) | null = null;
  for (const core of cores) {
    const r = spawnSync(process.execPath, ['--expose-gc', engineChildScript, '--workload', w.name, '--backend', b, '--seconds', String(seconds), '--heap-warmup-steps', String(warm), '--resnet-width', String(resnetWidth), '--readings', String(readings)], {
      encoding: 'utf8',
      env: blasCoreEnv(core),
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) throw new Error(`engine row ${w.name} ${b} (OpenBLAS ${core}) failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
    const row = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as EngineResult;
    console.log(`  ${w.name.padEnd(16)} ${b.padEnd(7)} ${row.stepsPerSecond.toFixed(row.stepsPerSecond < 10 ? 2 : 0).padStart(9)} steps/s  (OpenBLAS ${core === 'set' ? `as set: ${process.env.OPENBLAS_CORETYPE}` : 'detected'}, own process${readingList(row) ? `, ${readingList(row)}` : ''})`);
    if (!best || row.stepsPerSecond > best.stepsPerSecond) best = { ...row, blasCore: core };
  }
  return best!;
}

/** Every judged figure of the run, for the closing targets table. */
const judged: { section: string; row: string; figure: string; target: Target | null; met: boolean | null }[] = [];

const workloads = sections.includes('engine') ? engineWorkloads(resnetWidth).filter((w) => only.length === 0 || only.includes(w.name)) : [];
console.log(`supple bench: ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, node ${process.version}; ${seconds} s per workload`);
if (workloads.length) console.log('\nengine: training steps per second');
if (workloads.length && !torchPython) {
  console.log(useTorch ? 'PyTorch not found (python3 -c "import torch" fails): no ratios. On Debian: apt-get install python3-torch' : 'PyTorch skipped (--no-torch)');
}
// PyTorch runs right before and right after each workload's supple runs, not once around the whole section: this
// machine's speed drifts by up to 6x within the hour (PyTorch's conv-b128 read 5.0 and 31.7 steps/s in one
// evening), and a ratio should compare readings taken minutes apart, not a quarter of an hour.
const torchRuns: TorchMeasurement[] = [];
const results: EngineResult[] = [];
for (const w of workloads) {
  torchRuns.push(...runTorch([w.name], 'before'));
  for (const b of backends) {
    if (b === 'ts' && w.heavy) continue;
    const r = await runSuppleRow(w, b);
    results.push(r);
    console.log(`  ${w.name.padEnd(16)} ${b.padEnd(7)} ${r.stepsPerSecond.toFixed(r.stepsPerSecond < 10 ? 2 : 0).padStart(9)} steps/s${readingList(r) ? `  (${readingList(r)})` : ''}  heap ${r.heapGrowthPerStep.toFixed(2)} B/step (median of ${r.heapWindows} windows of ${r.heapWindowSteps} steps${r.heapWarmupSteps ? ` after ${r.heapWarmupSteps} untimed steps` : ''})  allocated ${r.allocatedPerStep.toFixed(0)} B/step  gc ${r.gcCount}`);
  }
  torchRuns.push(...runTorch([w.name], 'after'));
}
let unitEdit: unknown = null;
if (sections.includes('engine')) {
  const u = await benchUnitEdit(getBackend(backends.includes('wasm') ? 'wasm' : backends[0]!));
  unitEdit = u;
  console.log(`  unit edit on a 2000x2000 layer (Adam state): ${u.reinitUnitUs.toFixed(1)} us per reinitialized unit (copying the layer once: ${u.copyLayerUs.toFixed(0)} us)`);
}
const torch = fastestTorch(torchRuns);
if (torch.size) console.log(`  PyTorch's fastest setting per workload: ${settingWins(torch)} (of ${torchThreads.join(' and ')} threads, ${torchAllocators.join(' and ')} malloc${blasCores().length > 1 ? `, OpenBLAS's kernels as set (OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE}) and detected` : ''}, right before and right after supple's runs of the workload)`);
const rows = results.map((r) => {
  const t = torch.get(r.workload);
  const ratio = t ? r.stepsPerSecond / t.stepsPerSecond : null;
  const target = engineTarget(r.workload, r.backend);
  const met = meets(ratio, target);
  const heapMet = meets(r.heapGrowthPerStep, heapTarget);
  judged.push({ section: 'engine', row: `${r.workload} ${r.backend}`, figure: ratio === null ? '-' : `${ratio.toFixed(2)}x`, target, met });
  judged.push({ section: 'engine', row: `${r.workload} ${r.backend} heap`, figure: `${r.heapGrowthPerStep.toFixed(1)} B/step`, target: heapTarget, met: heapMet });
  return { ...r, torchStepsPerSecond: t?.stepsPerSecond ?? null, torchThreads: t?.threads ?? null, torchRun: t?.run ?? null, ratio, target: formatTarget(target), met, heapTarget: formatTarget(heapTarget), heapMet };
});

if (rows.length) {
  console.log(`\n${markdownTable(
    ['workload', 'backend', 'steps/s', 'PyTorch steps/s (threads)', 'supple/PyTorch', 'target', 'met', 'heap growth/step', 'met (< 16 B)', 'allocated/step', 'GCs'],
    rows.map((r) => [
      r.workload, r.backend, formatRate(r.stepsPerSecond), r.torchStepsPerSecond === null ? '-' : `${formatRate(r.torchStepsPerSecond)} (${r.torchThreads})`,
      r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`, r.target, formatMet(r.met), `${r.heapGrowthPerStep.toFixed(1)} B`, formatMet(r.heapMet), `${r.allocatedPerStep.toFixed(0)} B`, String(r.gcCount),
    ]),
    'llrrrllrlrr',
  )}`);
}
let methods: unknown = null, diagnostics: unknown = null, streams: unknown = null, e2e: unknown = null, rl: unknown = null;
if (sections.includes('methods')) {
  console.log('\nmethods: steps/s on the online permuted-MNIST workload (784-100-100-100-10, batch 1, SGD), wasm');
  // Judged on the same-state ratio (bench/methods.ts): bp's own network kills most of its units within the run (the
  // kernels then skip their rows), so its steps/s ratio counts a live network's extra work as the method's cost.
  const r = runMethodsBench({ seconds: Math.max(1, seconds / 2) }).map((m) => {
    const target = methodTarget(m.label);
    const met = meets(m.sameStateRatio, target);
    // Three decimals: at two, run H's shrink & perturb (0.245, under its 0.25 line) read "0.25x" beside its "NO".
    judged.push({ section: 'methods', row: m.label, figure: `${m.sameStateRatio.toFixed(3)}x bp on the same state (${m.ratioToBp.toFixed(2)}x in steps/s)`, target, met });
    return { ...m, target: formatTarget(target), met };
  });
  for (const m of r) console.log(`  ${m.label.padEnd(40)} ${Math.round(m.stepsPerSecond).toString().padStart(7)} steps/s  ${m.ratioToBp.toFixed(2)} x bp  same state ${m.sameStateRatio.toFixed(2)} x bp  target ${m.target.padEnd(8)} met ${formatMet(m.met).padEnd(3)}  (hooks and edits: ${(100 * m.overhead).toFixed(1)}% of a step)`);
  methods = r;
}
if (sections.includes('diagnostics')) {
  console.log('\ndiagnostics: cost of the default probes on online permuted MNIST (one probe of 2000 examples per task of 60000 steps)');
  const d = benchDiagnostics('auto');
  const probesMet = meets(d.overhead, probesTarget);
  const updateSizeMet = meets(d.updateSizeOverhead, updateSizeTarget);
  judged.push({ section: 'diagnostics', row: 'default probes', figure: `${(100 * d.overhead).toFixed(1)}%`, target: probesTarget, met: probesMet });
  judged.push({ section: 'diagnostics', row: 'updateSize tracker', figure: `+${(100 * d.updateSizeOverhead).toFixed(0)}%`, target: updateSizeTarget, met: updateSizeMet });
  console.log(`  ${d.backend}: one probe ${(d.probeSeconds * 1000).toFixed(0)} ms; training ${Math.round(d.stepsPerSecond)} steps/s; probes add ${(100 * d.overhead).toFixed(1)}% (target ${formatTarget(probesTarget)}: ${formatMet(probesMet)})`);
  console.log(`  singular values of a 2000 x 100 feature matrix: ${d.svd2000x100Ms.toFixed(1)} ms (Gram ${d.gram2000x100Ms.toFixed(1)} ms, eigenvalues ${d.eig100Ms.toFixed(1)} ms); updateSize tracker: +${(100 * d.updateSizeOverhead).toFixed(0)}% per step (opt-in; target ${formatTarget(updateSizeTarget)}: ${formatMet(updateSizeMet)})`);
  diagnostics = { ...d, probesTarget: formatTarget(probesTarget), probesMet, updateSizeTarget: formatTarget(updateSizeTarget), updateSizeMet };
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
  const dqn = await benchDqn((l) => console.log(`  ${l}`));
  rl = { envs, ppo, dqn, torch: compareRlWithTorch(ppo, dqn) };
}
/**
 * The RL rows against PyTorch running CleanRL's loops with the same settings (bench/torch/rl.py), at its best
 * thread setting of two runs; Ant compares PPO's own work (inference + update), the one part both sides have.
 */
function compareRlWithTorch(ppo: readonly PpoBenchResult[], dqn: DqnBenchResult) {
  if (!torchPython) {
    console.log(useTorch ? '  PyTorch not found: no RL ratios' : '  PyTorch skipped (--no-torch)');
    return null;
  }
  const names = ['ppo-cartpole', 'ppo-ant-learning', 'dqn-cartpole'];
  console.log('\nrl: against PyTorch running CleanRL\'s loops with the same settings (bench/torch/rl.py; target >= 1x)');
  // The default malloc only: these nets and batches are small (64-wide layers, minibatches of at most 64 rows), and
  // keeping freed memory changed nothing (alternated twice at 1 thread: PPO CartPole 10.0-11.5k env steps/s by
  // default, 9.8-10.5k retaining; Ant learning 2.85-3.14k either way; DQN 12.0-13.1k, 12.4-12.8k). OpenBLAS as set
  // on both sides (supple's RL rows run in this process): products this small do not reach the BLAS's kernels.
  const runs = [...runTorch(names, 'first', torchRlScript, [], ['default'], ['set']), ...runTorch(names, 'second', torchRlScript, [], ['default'], ['set'])];
  const best = fastestTorch(runs);
  const cartpole = ppo.find((p) => p.name.startsWith('cartpole'));
  const ant = ppo.find((p) => p.name.startsWith('ant'));
  const supple: [string, number | undefined, string][] = [
    ['ppo-cartpole', cartpole?.stepsPerSecond, 'CartPole PPO, whole iterations (env steps/s)'],
    ['ppo-ant-learning', ant?.learningStepsPerSecond, 'Ant PPO, inference + update only (env steps/s)'],
    ['dqn-cartpole', dqn.stepsPerSecond, 'CartPole DQN after learning starts (env steps/s)'],
  ];
  const rows = supple.flatMap(([workload, rate, description]) => {
    const t = best.get(workload);
    if (rate === undefined || !t) return [];
    const ratio = rate / t.stepsPerSecond;
    const met = meets(ratio, rlTarget);
    judged.push({ section: 'rl', row: workload, figure: `${ratio.toFixed(1)}x`, target: rlTarget, met });
    console.log(`  ${workload.padEnd(17)} supple ${formatRate(rate).padStart(8)}  PyTorch ${formatRate(t.stepsPerSecond).padStart(8)} (${t.threads} thread${t.threads === 1 ? '' : 's'})  ${ratio.toFixed(1)}x  target ${formatTarget(rlTarget)} met ${formatMet(met)}`);
    return [{ workload, description, stepsPerSecond: rate, torchStepsPerSecond: t.stepsPerSecond, torchThreads: t.threads, ratio, target: formatTarget(rlTarget), met }];
  });
  return { version: runs[0] ? torchVersion : null, runs, rows };
}

let scale: unknown = null;
if (sections.includes('scale')) {
  console.log(`\nscale: the MLP 784-W-W-W-10 (ReLU, SGD), steps/s and peak RSS, each cell its own process, wasm and native at their fastest of ${scaleOptions.suppleThreads.join(' or ')} threads (PyTorch: ${scaleOptions.torchThreads.join(' or ')}); ${scaleOptions.seconds} s per cell, cells over ${scaleOptions.maxStepSeconds} s per step skipped`);
  const s = runScaleSection(scaleOptions, (l) => console.log(`  ${l}`));
  console.log(`\n${s.table}`);
  console.log(`\n  wasm against native: ${s.crossovers.map((c) => `${c.width}x${c.batch}: ${c.winner} by ${c.lead.toFixed(2)}x`).join('; ')}`);
  scale = { ...s, date: new Date().toISOString() };
}
if (judged.length) {
  console.log(`\ntargets (issue 17): ${judged.filter((j) => j.met === true).length} met, ${judged.filter((j) => j.met === false).length} not met`);
  console.log(markdownTable(['section', 'row', 'figure', 'target', 'met'], judged.filter((j) => j.target).map((j) => [j.section, j.row, j.figure, formatTarget(j.target), formatMet(j.met)]), 'llrll'));
}

const meta = {
  date: new Date().toISOString(),
  commit: startCommit,
  cpu: cpus()[0]?.model,
  cores: availableParallelism(),
  node: process.version,
  seconds,
  heapWarmupSteps: heapWarmup,
  resnetWidth,
  torch: torchRuns.length ? { version: torchVersion, threadSettings: torchThreads, allocators: torchAllocators, blasCores: blasCores(), fastest: settingWins(torch), runs: torchRuns } : null,
  // OpenBLAS's kernels as the environment pins them (bench/blasCore.ts); null: OpenBLAS detects them.
  openblasCoretype: process.env.OPENBLAS_CORETYPE ?? null,
  backends: Object.fromEntries(backends.map((b) => [b, getBackend(b).description])),
};
// A partial run (some sections, workloads or backends) must not overwrite the full record.
const partial = ['--sections', '--only', '--backends', '--seconds', '--resnet-width', '--no-torch'].some((a) => args.includes(a));
const record = join(root, 'bench/results.json');
const file = partial ? join(root, 'bench/results.local.json') : record;
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify({ meta, engine: rows, unitEdit, methods, diagnostics, streams, e2e, rl, scale }, null, 2)}\n`);
console.log(`\nwrote ${file}`);
// The scale section alone is a whole part of the record: it replaces that part and keeps the rest.
const scaleOnly = sections.length === 1 && sections[0] === 'scale' && !['--only', '--backends', '--seconds', '--resnet-width'].some((a) => args.includes(a));
if (scaleOnly && scale) {
  const old = existsSync(record) ? (JSON.parse(readFileSync(record, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(record, `${JSON.stringify({ ...old, scale }, null, 2)}\n`);
  console.log(`wrote the scale part of ${record}`);
}
