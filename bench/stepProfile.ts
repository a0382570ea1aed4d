// Where a training step's time goes: every backend kernel call of an engine workload is timed (wall clock,
// summed per kernel name), and the rest of the step is JavaScript outside the kernels.
//
//   node --expose-gc dist/bench/stepProfile.js --only=conv-b128 --backend=wasm [--steps=20]
import { Rng } from '../src/tensor/Rng.js';
import { Tensor } from '../src/tensor/Tensor.js';
import { Model } from '../src/nn/Model.js';
import { Learner } from '../src/learn/Learner.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { sgd } from '../src/optim/optimizers.js';
import { getBackend } from '../src/backend/selectBackend.js';
import type { Backend } from '../src/backend/Backend.js';
import { engineWorkloads } from './engine.js';

const arg = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const only = arg('only', 'conv-b128');
const steps = Number(arg('steps', '10'));
// --shapes: gemm calls are keyed by their sizes (m x n x k, transposes), and linear layers' by n x out x in, to see
// which layer's product costs what.
const byShape = process.argv.includes('--shapes');
const backend = getBackend(arg('backend', 'wasm'));
const w = engineWorkloads(32).find((x) => x.name === only);
if (!w) throw new Error(`--only=${only}: no such workload`);

const spent = new Map<string, { ms: number; calls: number }>();
const noTime = new Set(['alloc', 'allocBytes', 'allocInt32', 'owns', 'free', 'name', 'description', 'memory', 'threads']);
const b = backend as unknown as Record<string, unknown>;
let depth = 0;
for (const key of Object.keys(b)) {
  const f = b[key];
  if (typeof f !== 'function' || noTime.has(key)) continue;
  b[key] = function (this: unknown, ...args: unknown[]) {
    if (depth > 0) return (f as (...a: unknown[]) => unknown).apply(this, args);
    depth++;
    const t = performance.now();
    try {
      return (f as (...a: unknown[]) => unknown).apply(this, args);
    } finally {
      depth--;
      const name = !byShape
        ? key
        : key === 'gemm'
          ? `gemm ${args[0] ? 'T' : 'N'}${args[1] ? 'T' : 'N'} ${args[2]}x${args[3]}x${args[4]}`
          : key === 'linearForward' || key === 'linearBackward'
            ? `${key} ${args[0]}x${args[1]}x${args[2]}`
            : key;
      const e = spent.get(name) ?? { ms: 0, calls: 0 };
      e.ms += performance.now() - t;
      e.calls++;
      spent.set(name, e);
    }
  };
}
const model = Model.build(w.spec, { inputShape: w.input, backend: backend as Backend, rng: Rng.seeded(0) });
const learner = new Learner({ model, optimizer: sgd({ lr: 0.01 }), loss: crossEntropy });
const per = w.input.reduce((a, c) => a * c, 1);
const x = new Tensor(backend.alloc(w.batch * per), [w.batch, ...w.input]);
Rng.seeded(1).fillUniform(x.data, 0, 1);
const y = backend.alloc(w.batch) as Float32Array;
for (let j = 0; j < w.batch; j++) y[j] = j % w.classes;
for (let i = 0; i < 3; i++) learner.trainStep(x, y);
spent.clear();
const t0 = performance.now();
for (let i = 0; i < steps; i++) learner.trainStep(x, y);
const total = (performance.now() - t0) / steps;
let inKernels = 0;
const rows = [...spent.entries()].sort((p, q) => q[1].ms - p[1].ms);
console.log(`${w.name} on ${backend.name}: ${total.toFixed(2)} ms/step`);
for (const [k, v] of rows) {
  inKernels += v.ms / steps;
  console.log(`  ${k.padEnd(32)} ${(v.ms / steps).toFixed(2).padStart(8)} ms  ${(v.calls / steps).toFixed(0).padStart(4)} calls  ${((100 * v.ms) / steps / total).toFixed(1)}%`);
}
console.log(`  (outside kernels)        ${(total - inKernels).toFixed(2).padStart(8)} ms`);
