// Where native beats wasm, measured interleaved (a busy machine slows both alike): for each (width, batch) of the
// 784-W-W-W-10 MLP, one process trains a wasm model and a native model in alternating blocks, native at 1 and at 2
// BLAS threads, and reports the median of the per-round ratios native / wasm. This is the measurement behind the
// `auto` backend's rule (src/backend/selectBackend.ts).
// Usage: node dist/bench/crossover.js [--widths 100,1000,2000] [--batches 1,16,256] [--rounds 5] [--block 0.3]
import { pathToFileURL } from 'node:url';
import { getBackend } from '../src/backend/selectBackend.js';
import { nativeInfo, setNativeThreads } from '../src/backend/native/nativeBackend.js';
import type { Backend } from '../src/backend/Backend.js';
import { Learner } from '../src/learn/Learner.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { Model } from '../src/nn/Model.js';
import { mlp } from '../src/nn/models/mlp.js';
import { sgd } from '../src/optim/optimizers.js';
import { Rng } from '../src/tensor/Rng.js';
import { Tensor } from '../src/tensor/Tensor.js';
import { formatRate, markdownTable } from './benchTargets.js';

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  if (!xs.length) throw new Error('median: no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function trainer(backend: Backend, width: number, batch: number): () => void {
  const model = Model.build(mlp({ hidden: [width, width, width], outputs: 10 }), { inputShape: [784], backend, rng: Rng.seeded(0) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.01 }), loss: crossEntropy });
  const rng = Rng.seeded(1);
  const x = new Tensor(backend.alloc(batch * 784), [batch, 784]);
  rng.fillUniform(x.data, 0, 1);
  const y = backend.alloc(batch) as Float32Array;
  for (let j = 0; j < batch; j++) y[j] = rng.int(10);
  return () => learner.trainStep(x, y);
}

/** Steps/s of a block of at least `seconds` and at least one step. */
function block(step: () => void, seconds: number): number {
  const t0 = performance.now();
  let n = 0;
  let dt = 0;
  do {
    step();
    n++;
    dt = (performance.now() - t0) / 1000;
  } while (dt < seconds);
  return n / dt;
}

export interface CrossoverCell {
  width: number;
  batch: number;
  wasm: number;
  native1: number;
  native2: number;
  /** Medians of the per-round ratios native / wasm at 1 and 2 BLAS threads. */
  ratio1: number;
  ratio2: number;
}

export function measureCrossover(widths: readonly number[], batches: readonly number[], rounds: number, seconds: number, log: (l: string) => void): CrossoverCell[] {
  const wasm = getBackend('wasm');
  const native = getBackend('native');
  const before = nativeInfo()?.threads ?? 2;
  const out: CrossoverCell[] = [];
  for (const width of widths) {
    for (const batch of batches) {
      const w = trainer(wasm, width, batch);
      const n = trainer(native, width, batch);
      w();
      n();
      const rw: number[] = [], r1: number[] = [], r2: number[] = [];
      const ratios1: number[] = [], ratios2: number[] = [];
      for (let r = 0; r < rounds; r++) {
        // The order rotates so that no setting always follows the same one.
        const order = [0, 1, 2].map((i) => (i + r) % 3);
        const got: number[] = [];
        for (const k of order) {
          if (k === 0) got[0] = block(w, seconds);
          else {
            setNativeThreads(k);
            got[k] = block(n, seconds);
          }
        }
        rw.push(got[0]!);
        r1.push(got[1]!);
        r2.push(got[2]!);
        ratios1.push(got[1]! / got[0]!);
        ratios2.push(got[2]! / got[0]!);
      }
      const cell = { width, batch, wasm: median(rw), native1: median(r1), native2: median(r2), ratio1: median(ratios1), ratio2: median(ratios2) };
      out.push(cell);
      log(`width ${String(width).padStart(5)} batch ${String(batch).padStart(3)}: wasm ${formatRate(cell.wasm)}, native 1 thread ${formatRate(cell.native1)} (${cell.ratio1.toFixed(2)}x), 2 threads ${formatRate(cell.native2)} (${cell.ratio2.toFixed(2)}x) steps/s`);
    }
  }
  setNativeThreads(before);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
  };
  const list = (s: string) => s.split(',').map(Number);
  console.log(`crossover: native / wasm, interleaved, median of ${opt('--rounds', '5')} rounds; ${getBackend('native').description}`);
  const cells = measureCrossover(list(opt('--widths', '100,1000,2000')), list(opt('--batches', '1,16,256')), Number(opt('--rounds', '5')), Number(opt('--block', '0.3')), console.log);
  console.log(markdownTable(['width', 'batch', 'wasm steps/s', 'native 1 thread', 'native 2 threads', 'native/wasm (1 thread)', 'native/wasm (2 threads)'], cells.map((c) => [String(c.width), String(c.batch), formatRate(c.wasm), formatRate(c.native1), formatRate(c.native2), `${c.ratio1.toFixed(2)}x`, `${c.ratio2.toFixed(2)}x`]), 'rrrrrrr'));
}
