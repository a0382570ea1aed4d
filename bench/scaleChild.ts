// One cell of the scale section (bench/scale.ts) in its own process, so that its peak RSS is its own: trains the
// 784-W-W-W-10 ReLU MLP (SGD, lr 0.01, cross-entropy) on random inputs and prints one JSON line.
// Usage: node dist/bench/scaleChild.js --backend wasm --width 1000 --batch 16 [--seconds 1.5] [--min-steps 3]
import { readFileSync } from 'node:fs';
import { getBackend } from '../src/backend/selectBackend.js';
import { Learner } from '../src/learn/Learner.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { Model } from '../src/nn/Model.js';
import { mlp } from '../src/nn/models/mlp.js';
import { sgd } from '../src/optim/optimizers.js';
import { Rng } from '../src/tensor/Rng.js';
import { Tensor } from '../src/tensor/Tensor.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const backend = getBackend(opt('--backend', 'wasm'));
const width = Number(opt('--width', '100'));
const batch = Number(opt('--batch', '1'));
const seconds = Number(opt('--seconds', '1.5'));
const minSteps = Number(opt('--min-steps', '3'));
for (const [name, v] of [['--width', width], ['--batch', batch], ['--min-steps', minSteps]] as const) {
  if (!(Number.isInteger(v) && v >= 1)) throw new Error(`scaleChild: ${name} must be a positive integer; got ${v}`);
}

const model = Model.build(mlp({ hidden: [width, width, width], outputs: 10 }), { inputShape: [784], backend, rng: Rng.seeded(0) });
const learner = new Learner({ model, optimizer: sgd({ lr: 0.01 }), loss: crossEntropy });
const rng = Rng.seeded(1);
const pool = batch === 1 ? 64 : 4;
const xs: Tensor[] = [];
const ys: Float32Array[] = [];
for (let i = 0; i < pool; i++) {
  const x = new Tensor(backend.alloc(batch * 784), [batch, 784]);
  rng.fillUniform(x.data, 0, 1);
  const y = backend.alloc(batch) as Float32Array;
  for (let j = 0; j < batch; j++) y[j] = rng.int(10);
  xs.push(x);
  ys.push(y);
}
// Warm up: at least one step (and up to a quarter of the budget, at most 1 s) before timing.
const warm = performance.now();
let i = 0;
while (i < 1 || performance.now() - warm < Math.min(1000, seconds * 250)) {
  learner.trainStep(xs[i % pool]!, ys[i % pool]!);
  i++;
}
const t0 = performance.now();
let n = 0;
let dt = 0;
for (;;) {
  learner.trainStep(xs[n % pool]!, ys[n % pool]!);
  n++;
  if (batch > 1 || n % 32 === 0) {
    dt = (performance.now() - t0) / 1000;
    if (dt >= seconds && n >= minSteps) break;
  }
}
console.log(JSON.stringify({ backend: backend.name, width, batch, stepsPerSecond: n / dt, steps: n, seconds: dt, maxRssBytes: peakRssBytes(), description: backend.description }));

/**
 * This process's peak RSS. On Linux, VmHWM of /proc/self/status: getrusage's maxRSS survives exec, so a child
 * spawned by a large parent reports at least the parent's RSS at the fork (a full bench's 116 MiB in every cell).
 */
function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS * 1024; // kilobytes
}
