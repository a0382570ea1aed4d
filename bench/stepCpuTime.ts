// CPU time per training step of an engine workload, per backend: on a shared machine wall-clock rates move with
// the neighbours' load (a process sliced to a quarter of a core reads 4x slower), CPU time much less. Backends
// take turns, round after round, and each reports its median round. Not a replacement for the engine bench's
// steps/s against PyTorch, which the quiet-machine numbers come from. CPU time counts every thread of the process:
// meant for one-thread steps (batch 1 below the backends' threading thresholds), where it equals the step's time.
//
//   node dist/bench/stepCpuTime.js --only=mlp-small-b1 --backends=wasm,native [--rounds=9] [--steps=20000]
import { Rng } from '../src/tensor/Rng.js';
import { Model } from '../src/nn/Model.js';
import { Learner } from '../src/learn/Learner.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { sgd } from '../src/optim/optimizers.js';
import { getBackend } from '../src/backend/selectBackend.js';
import { engineWorkloads, workloadBatches } from './engine.js';

const arg = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const only = arg('only', 'mlp-small-b1');
const rounds = Number(arg('rounds', '9'));
const steps = Number(arg('steps', '20000'));
const w = engineWorkloads(32).find((x) => x.name === only);
if (!w) throw new Error(`--only=${only}: no such workload`);
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// The engine bench's setup: 64 examples (uniform inputs, random labels) taken in turn, SGD lr 0.01.
const runs = arg('backends', 'wasm').split(',').map((name) => {
  const backend = getBackend(name);
  const model = Model.build(w.spec, { inputShape: w.input, backend, rng: Rng.seeded(0) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.01 }), loss: crossEntropy });
  const { xs, ys } = workloadBatches(w, backend, 64);
  let n = 0;
  const train = (count: number): void => {
    for (let i = 0; i < count; i++, n++) learner.trainStep(xs[n % 64]!, ys[n % 64]!);
  };
  train(Math.min(steps, 2000));
  return { name, train, us: [] as number[] };
});
for (let r = 0; r < rounds; r++) {
  for (const run of runs) {
    const t = cpuMs();
    run.train(steps);
    run.us.push(((cpuMs() - t) / steps) * 1000);
  }
}
for (const run of runs) {
  const sorted = [...run.us].sort((a, b) => a - b);
  console.log(`${w.name} on ${run.name}: ${sorted[sorted.length >> 1]!.toFixed(2)} us CPU per step (median of ${rounds} rounds of ${steps}; best ${sorted[0]!.toFixed(2)})`);
}
