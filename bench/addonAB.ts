// Two builds of the native addon against each other in ONE process: each kernel call of build A is followed by the
// same call of build B, round after round, on the same memory and inputs, and every round counts which was faster.
// On a shared 2-vCPU VM whole processes run in fast and slow phases (~1.5x apart, minutes long), so alternating
// processes (stepCpuTime with the .node file swapped) mixes those phases into the difference; calls a few
// microseconds apart share their phase. It also says whether the two builds wrote the same bits.
//
//   node dist/bench/addonAB.js --a old.node --b new.node [--kernel linearForward1|linearBackward1] [--shape 2000x2000]
//       [--rounds 60] [--calls 20]
//
// linearBackward1 runs the fused SGD sweep (dx wanted, the weights as the update's target), with every other unit's
// gradient zero, as a ReLU layer has; the weights are reset from a copy before each call, so every call does the
// same work from the same values.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { Addon } from '../src/backend/native/nativeBackend.js';

export const addonKernels = ['linearForward1', 'linearBackward1'] as const;
export type AddonKernel = (typeof addonKernels)[number];

export interface AddonABResult {
  readonly kernel: AddonKernel;
  readonly out: number;
  readonly inp: number;
  /** Median microseconds a call over the rounds, each round the mean of `calls` calls. */
  readonly aMicros: number;
  readonly bMicros: number;
  /** Rounds in which B's calls took less time than A's. */
  readonly bFaster: number;
  readonly rounds: number;
  /** Whether B's outputs (y; or dx, the weights and the bias) are A's bit for bit. */
  readonly sameBits: boolean;
}

function loadAddon(path: string): Addon {
  const m = { exports: {} as Addon };
  process.dlopen(m, resolve(path));
  return m.exports;
}

const median = (xs: readonly number[]): number => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;

export function compareAddons(opts: { a: string; b: string; kernel: AddonKernel; out: number; inp: number; rounds: number; calls: number }): AddonABResult {
  const { kernel, out, inp, rounds, calls } = opts;
  if (!addonKernels.includes(kernel)) throw new Error(`--kernel ${String(kernel)}: allowed ${addonKernels.join(', ')}`);
  for (const [name, v] of [['out', out], ['inp', inp], ['rounds', rounds], ['calls', calls]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} = ${v}: allowed a positive integer`);
  }
  const addons = [loadAddon(opts.a), loadAddon(opts.b)];
  // Floats: the weights, their starting copy, dy (or y), x, dx, the bias; then each build's outputs.
  const layout = { w: 0, w0: out * inp, dy: 2 * out * inp, x: 2 * out * inp + out, dx: 2 * out * inp + out + inp, bias: 2 * out * inp + out + 2 * inp };
  const floats = layout.bias + out;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((floats * 4) / 65536) + 1, maximum: 65536, shared: true });
  const f = new Float32Array(memory.buffer);
  const ids = addons.map((a) => a.registerMemory(new Float32Array(memory.buffer), -1));
  for (let k = 0; k < out * inp; k++) f[layout.w0 + k] = Math.sin(k * 0.0137) * 0.05;
  for (let k = 0; k < inp; k++) f[layout.x + k] = Math.cos(k * 0.71);
  const reset = (): void => {
    f.copyWithin(layout.w, layout.w0, layout.w0 + out * inp);
    for (let k = 0; k < out; k++) f[layout.dy + k] = kernel === 'linearBackward1' ? (k % 2 ? 0 : Math.sin(k) * 1e-3) : 0;
    f.fill(0, layout.bias, layout.bias + out);
  };
  const call = (v: number): void => {
    const a = addons[v]!, id = ids[v]!;
    if (kernel === 'linearForward1') a.linearForward1(id, out, inp, layout.x * 4, layout.w * 4, layout.bias * 4, layout.dy * 4);
    else a.linearBackward1(id, out, inp, layout.dy * 4, layout.x * 4, layout.w * 4, layout.dx * 4, -1, 1, layout.w * 4, -1, 1, layout.bias * 4);
  };
  // The outputs of one call from the same start, per build.
  const outputs = [0, 1].map((v) => {
    reset();
    call(v);
    if (kernel === 'linearForward1') return f.slice(layout.dy, layout.dy + out);
    const written = new Float32Array(out * inp + inp + out);
    written.set(f.subarray(layout.w, layout.w + out * inp));
    written.set(f.subarray(layout.dx, layout.dx + inp), out * inp);
    written.set(f.subarray(layout.bias, layout.bias + out), out * inp + inp);
    return written;
  });
  const bitsOf = (x: Float32Array): Int32Array => new Int32Array(x.buffer, x.byteOffset, x.length);
  const [oa, ob] = outputs.map(bitsOf) as [Int32Array, Int32Array];
  const sameBits = oa.length === ob.length && oa.every((v, i) => v === ob[i]);
  const micros: [number[], number[]] = [[], []];
  for (let r = 0; r < rounds; r++) {
    for (let v = 0; v < 2; v++) {
      let spent = 0n;
      for (let c = 0; c < calls; c++) {
        if (kernel === 'linearBackward1') reset();
        const t = process.hrtime.bigint();
        call(v);
        spent += process.hrtime.bigint() - t;
      }
      micros[v]!.push(Number(spent) / calls / 1000);
    }
  }
  const bFaster = micros[0].filter((t, i) => micros[1][i]! < t).length;
  return { kernel, out, inp, aMicros: median(micros[0]), bMicros: median(micros[1]), bFaster, rounds, sameBits };
}

if (process.argv[1] && resolve(process.argv[1]).endsWith('addonAB.js')) {
  const { values } = parseArgs({
    options: {
      a: { type: 'string' },
      b: { type: 'string' },
      kernel: { type: 'string', default: 'linearForward1' },
      shape: { type: 'string', default: '2000x2000' },
      rounds: { type: 'string', default: '60' },
      calls: { type: 'string', default: '20' },
    },
  });
  if (!values.a || !values.b) throw new Error('--a and --b: the two .node files to compare');
  const m = /^(\d+)x(\d+)$/.exec(values.shape);
  if (!m) throw new Error(`--shape ${values.shape}: allowed OUTxIN, e.g. 2000x2000`);
  const r = compareAddons({ a: values.a, b: values.b, kernel: values.kernel as AddonKernel, out: Number(m[1]), inp: Number(m[2]), rounds: Number(values.rounds), calls: Number(values.calls) });
  console.log(
    `${r.kernel} ${r.out}x${r.inp}: A ${r.aMicros.toFixed(2)} us, B ${r.bMicros.toFixed(2)} us a call (medians), B/A ${(r.bMicros / r.aMicros).toFixed(3)}; ` +
      `B faster in ${r.bFaster} of ${r.rounds} rounds; same bits: ${r.sameBits ? 'yes' : 'NO'}`,
  );
}
