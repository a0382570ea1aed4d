// CPU time per step of bench/methods' cases (the online 784-100x3-10 MLP, batch 1, SGD lr 0.003, the real training
// loop with the method's hooks and edits): the cases take turns, round after round, each its own network, and each
// reports its median round and its ratio to bp's median (steps/s ratio = bp us / case us). On a shared machine CPU
// time moves much less than wall clock (see stepCpuTime.ts).
//
//   node dist/bench/methodsCpuTime.js [--cases=bp,l2,shrink-perturb] [--rounds=7] [--steps=5000] [--backend=wasm]
import { getBackend } from '../src/backend/selectBackend.js';
import { Learner } from '../src/learn/Learner.js';
import { trainLoop } from '../src/experiment/trainLoop.js';
import { crossEntropy } from '../src/losses/crossEntropy.js';
import { createMethods } from '../src/methods/index.js';
import { resolveMethodSettings } from '../src/experiment/methodSettings.js';
import { mlp } from '../src/nn/models/mlp.js';
import { Model } from '../src/nn/Model.js';
import { sgd } from '../src/optim/optimizers.js';
import { Rng } from '../src/tensor/Rng.js';
import { makePool, methodsBenchCases, poolStream } from './methods.js';

const arg = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const wanted = arg('cases', 'bp,l2,shrink-perturb').split(',');
const rounds = Number(arg('rounds', '7'));
const steps = Number(arg('steps', '5000'));
const backend = getBackend(arg('backend', 'wasm'));
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const pool = makePool(backend, 7);
const runs = wanted.map((name) => {
  const c = methodsBenchCases.find((x) => x.methods === name && !x.tracker);
  if (!c) throw new Error(`--cases: no case '${name}' in bench/methods`);
  const model = Model.build(mlp({ hidden: [100, 100, 100], outputs: 10 }), { inputShape: [784], backend, rng: Rng.seeded(1) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.003 }), loss: crossEntropy });
  const settings = Object.fromEntries(Object.entries(c.config).map(([k, v]) => [`method.${k}`, v]));
  const methods = createMethods(resolveMethodSettings(c.methods.split('+'), settings), { model, learner, backend, rng: Rng.seeded(1).split('methods') });
  let done = 0;
  const train = (n: number): void => {
    trainLoop({ stream: poolStream(backend, pool, n, done), learner, methods, rng: Rng.seeded(1), record: () => {} });
    done += n;
  };
  train(2000);
  return { label: c.label, train, us: [] as number[] };
});
for (let r = 0; r < rounds; r++) {
  for (const run of runs) {
    const t = cpuMs();
    run.train(steps);
    run.us.push(((cpuMs() - t) / steps) * 1000);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const bp = runs.find((r) => r.label === 'bp');
for (const run of runs) {
  const m = median(run.us);
  console.log(`${run.label.padEnd(28)} ${m.toFixed(2).padStart(7)} us CPU/step  ratio to bp ${bp ? (median(bp.us) / m).toFixed(3) : '-'}  (median of ${rounds} rounds of ${steps}; all: ${run.us.map((u) => u.toFixed(1)).join(' ')})`);
}
