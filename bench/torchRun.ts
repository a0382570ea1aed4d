// Running bench/torch/engine.py: the Python that has torch, and one run at a thread setting with the thread
// environment (OMP, MKL, OpenBLAS) and torch's intra-op threads consistent.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blasCoreEnv, type BlasCore } from './blasCore.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const torchEngineScript = join(root, 'bench/torch/engine.py');
/** The RL loops (CleanRL's PPO and DQN) in PyTorch, for the rl section's rows. */
export const torchRlScript = join(root, 'bench/torch/rl.py');

/** The first of SUPPLE_TORCH_PYTHON, python3, /usr/bin/python3 that imports torch, or null. */
export function findTorchPython(): string | null {
  for (const py of [process.env.SUPPLE_TORCH_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

/** The environment of a PyTorch run at `threads`: every threading library told the same number. */
export function torchThreadEnv(threads: number): Record<string, string> {
  const t = String(threads);
  return { OMP_NUM_THREADS: t, MKL_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t };
}

/**
 * glibc malloc settings for PyTorch: 'default' is the environment as given; 'retain' keeps freed memory for reuse
 * (mmap threshold fixed at its 32 MiB maximum, no trimming of the heap's top). With the defaults, PyTorch's large
 * per-step tensors are mapped and unmapped every step, and the page faults of mapping them again cost what the host
 * makes them cost: conv-b128 at two threads read 8.0-8.5 steps/s by default and 21.4-23.5 retaining, in alternated
 * runs of one hour (ResNet-18: 2.9-3.1 against 4.8). The bench counts PyTorch at its fastest of both.
 */
export const torchAllocators = ['default', 'retain'] as const;
export type TorchAllocator = (typeof torchAllocators)[number];

/** The environment additions of a PyTorch run under `allocator`. */
export function torchAllocatorEnv(allocator: TorchAllocator): Record<string, string> {
  return allocator === 'retain' ? { MALLOC_MMAP_THRESHOLD_: String(32 << 20), MALLOC_TRIM_THRESHOLD_: String(2 ** 32) } : {};
}

/** One JSON line of engine.py or rl.py (rl.py does not report memory). */
export interface TorchLine {
  workload: string;
  steps_per_s: number;
  steps: number;
  seconds: number;
  threads: number;
  torch: string;
  max_rss_bytes?: number;
}

/**
 * Run engine.py (or another of bench/torch's scripts) with `args` at `threads`, `allocator` and `blasCore`
 * (bench/blasCore.ts); its JSON lines, or an error message.
 */
export function runTorchEngine(py: string, args: readonly string[], threads: number, timeoutMs?: number, script = torchEngineScript, allocator: TorchAllocator = 'default', blasCore: BlasCore = 'set'): { lines: TorchLine[] } | { error: string } {
  const r = spawnSync(py, [script, ...args, '--threads', String(threads)], {
    encoding: 'utf8',
    env: { ...blasCoreEnv(blasCore), ...torchThreadEnv(threads), ...torchAllocatorEnv(allocator) },
    maxBuffer: 1 << 24,
    ...(timeoutMs ? { timeout: timeoutMs } : {}),
  });
  if (r.status !== 0) return { error: r.error ? String(r.error) : `exit ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}` };
  return { lines: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as TorchLine) };
}
