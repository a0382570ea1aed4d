// CPU time of one conv layer's forward + backward (input and weight gradients) by im2col and by Winograd
// F(2x2, 3x3), per shape and backend, the two alternating round after round (medians): the measurements behind
// convAlgorithm.ts's winogradPays. CPU time counts every thread (the wasm pool's too).
//
//   node --expose-gc dist/bench/convAlgorithms.js --backends=wasm,native [--rounds=5] [--only=resnet]
import { getBackend } from '../src/backend/selectBackend.js';
import type { GradSink, GradTarget } from '../src/nn/Layer.js';
import { Conv2d } from '../src/nn/layers/Conv2d.js';
import { type ConvAlgorithm, setConvAlgorithm } from '../src/nn/layers/convAlgorithm.js';
import type { Param } from '../src/nn/Param.js';
import { Rng } from '../src/tensor/Rng.js';
import { Tensor } from '../src/tensor/Tensor.js';

const arg = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const rounds = Number(arg('rounds', '5'));
const only = arg('only', '');
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// name, batch, inC, h (= w), outC, pad
const shapes: [string, number, number, number, number, number][] = [
  ['resnet s1 32x32x32', 64, 32, 32, 32, 1],
  ['resnet s2 64x16x16', 64, 64, 16, 64, 1],
  ['resnet s3 128x8x8', 64, 128, 8, 128, 1],
  ['resnet s4 256x4x4', 64, 256, 4, 256, 1],
  ['conv-b128 l2 32x14x14->64', 128, 32, 14, 64, 0],
  ['conv-b128 l3 64x6x6->128', 128, 64, 6, 128, 0],
  ['narrow 8x32x32->8', 64, 8, 32, 8, 1],
  ['narrow 16x32x32->16', 64, 16, 32, 16, 1],
];

const sink: GradSink = { target: (p: Param): GradTarget => ({ buf: p.grad, alpha: 1, beta: 0 }) };
for (const backendName of arg('backends', 'wasm').split(',')) {
  const backend = getBackend(backendName);
  for (const [name, n, c, hw, oc, pad] of shapes) {
    if (only && !name.includes(only)) continue;
    const run = (algorithm: ConvAlgorithm) => {
      const old = setConvAlgorithm(algorithm);
      const layer = new Conv2d('c', [c, hw, hw], oc, { kernel: 3, stride: 1, padding: pad, weightInit: { dist: 'uniform', bound: 0.1 }, biasInit: { dist: 'constant', value: 0 } }, backend, Rng.seeded(1));
      setConvAlgorithm(old);
      const x = new Tensor(backend.alloc(n * c * hw * hw), [n, c, hw, hw]);
      Rng.seeded(2).fillUniform(x.data, -1, 1);
      const y = layer.forward(x, { train: true });
      const dy = new Tensor(backend.alloc(y.data.length), y.shape);
      Rng.seeded(3).fillUniform(dy.data, -1, 1);
      const step = (): void => {
        layer.forward(x, { train: true });
        layer.backward(dy, sink, true);
      };
      step();
      return { step, ms: [] as number[] };
    };
    const runs = { im2col: run('im2col'), winograd: run('winograd') };
    // Enough calls for ~100 ms of CPU per round.
    const t = cpuMs();
    runs.im2col.step();
    const reps = Math.max(1, Math.round(100 / Math.max(1, cpuMs() - t)));
    for (let r = 0; r < rounds; r++)
      for (const v of Object.values(runs)) {
        const t0 = cpuMs();
        for (let i = 0; i < reps; i++) v.step();
        v.ms.push((cpuMs() - t0) / reps);
      }
    const med = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1]!;
    const a = med(runs.im2col.ms), b = med(runs.winograd.ms);
    console.log(`${backendName.padEnd(6)} ${name.padEnd(28)} im2col ${a.toFixed(2).padStart(8)} ms  winograd ${b.toFixed(2).padStart(8)} ms  ratio ${(a / b).toFixed(2)}x`);
  }
}
process.exit(0);
