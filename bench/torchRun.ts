// Running bench/torch/engine.py: the Python that has torch, and one run at a thread setting with the thread
// environment (OMP, MKL, OpenBLAS) and torch's intra-op threads consistent.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const torchEngineScript = join(root, 'bench/torch/engine.py');

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

/** One JSON line of engine.py. */
export interface TorchLine {
  workload: string;
  steps_per_s: number;
  steps: number;
  seconds: number;
  threads: number;
  torch: string;
  max_rss_bytes: number;
}

/** Run engine.py with `args` at `threads`; its JSON lines, or an error message. */
export function runTorchEngine(py: string, args: readonly string[], threads: number, timeoutMs?: number): { lines: TorchLine[] } | { error: string } {
  const r = spawnSync(py, [torchEngineScript, ...args, '--threads', String(threads)], {
    encoding: 'utf8',
    env: { ...process.env, ...torchThreadEnv(threads) },
    maxBuffer: 1 << 24,
    ...(timeoutMs ? { timeout: timeoutMs } : {}),
  });
  if (r.status !== 0) return { error: r.error ? String(r.error) : `exit ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}` };
  return { lines: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as TorchLine) };
}
