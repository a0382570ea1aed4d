// End-to-end speed: whole `supple run` processes (recording, checkpoints and the default probes included), as a
// user runs them. Reports the examples/s of the training loop (summary.json) and of the whole process.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchDataDir } from './streams.js';
import { removeScratchDir, scratchDir } from '../test/helpers/scratchDir.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

export interface E2eWorkload {
  readonly name: string;
  readonly description: string;
  readonly args: readonly string[];
  /** Target examples/s (the end-to-end speed the project promises). */
  readonly target: number;
  /** The paper's PyTorch code on this machine, as reported in the issue (examples/s). */
  readonly reference: number;
  readonly needsMnist: boolean;
}

export const e2eWorkloads: readonly E2eWorkload[] = [
  { name: 'permuted-mnist bp', description: 'online permuted MNIST, 784-100-100-100-10, SGD, batch 1, 10 tasks (600k examples)', args: ['permuted-mnist', '--method', 'bp', '--set', 'tasks=10'], target: 50000, reference: 2600, needsMnist: true },
  { name: 'permuted-mnist cbp', description: 'the same with continual backprop (defaults)', args: ['permuted-mnist', '--method', 'cbp', '--set', 'tasks=10'], target: 35000, reference: 1400, needsMnist: true },
  { name: 'slowly-changing-regression bp', description: 'slowly-changing regression, 20-5-1 ReLU, SGD, batch 1, 1M examples', args: ['slowly-changing-regression', '--method', 'bp', '--set', 'tasks=100'], target: 300000, reference: 6000, needsMnist: false },
];

export interface E2eResult {
  workload: string;
  backend: string;
  /** Median over repetitions of examples / seconds of the training loop (probes and recording included). */
  loopExamplesPerSecond: number;
  /** The same over the whole process (start, data loading, report off). */
  wallExamplesPerSecond: number;
  runs: number;
  target: number;
  referenceExamplesPerSecond: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export function benchE2e(opts: { backend?: string; repeats?: number; log?: (line: string) => void } = {}): E2eResult[] {
  const log = opts.log ?? console.log;
  const dataDir = benchDataDir();
  const out: E2eResult[] = [];
  for (const w of e2eWorkloads) {
    if (w.needsMnist && !dataDir) {
      log(`  ${w.name}: skipped (MNIST not found: pass --data-dir DIR holding mnist/, or set SUPPLE_DATA_DIR)`);
      continue;
    }
    const loop: number[] = [], wall: number[] = [];
    let backend = '';
    for (let i = 0; i < (opts.repeats ?? 3); i++) {
      const dir = scratchDir('supple-e2e-');
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [cli, 'run', ...w.args, '--out', join(dir, 'run'), '--quiet', '--no-report', ...(dataDir ? ['--data-dir', dataDir] : []), ...(opts.backend ? ['--backend', opts.backend] : [])], { encoding: 'utf8' });
      const seconds = (performance.now() - t0) / 1000;
      if (r.status !== 0) throw new Error(`${w.name}: supple run failed: ${r.stderr}`);
      const s = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as { examples: number; examplesPerSecond: number; backend: string };
      loop.push(s.examplesPerSecond);
      wall.push(s.examples / seconds);
      backend = s.backend;
      removeScratchDir(dir);
    }
    const res: E2eResult = { workload: w.name, backend, loopExamplesPerSecond: median(loop), wallExamplesPerSecond: median(wall), runs: loop.length, target: w.target, referenceExamplesPerSecond: w.reference };
    out.push(res);
    log(`  ${w.name.padEnd(32)} ${backend.padEnd(7)} ${Math.round(res.loopExamplesPerSecond).toLocaleString('en-US').padStart(9)} examples/s (loop; target ${w.target.toLocaleString('en-US')}), ${Math.round(res.wallExamplesPerSecond).toLocaleString('en-US')} with start-up`);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) benchE2e();
