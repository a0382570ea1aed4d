import type { Backend } from '../../src/backend/Backend.js';
import type { Batch, BatchCursor, CursorState, EvalSet, Stream, Task, TaskStart } from '../../src/benchmarks/Benchmark.js';
import { Rng } from '../../src/tensor/Rng.js';
import { Tensor } from '../../src/tensor/Tensor.js';

export interface TinyStreamOptions {
  readonly inputShape: readonly number[];
  readonly classes?: number;
  readonly tasks?: number;
  readonly examplesPerTask?: number;
  readonly batchSize?: number;
  readonly epochs?: number;
  readonly seed?: number;
  readonly taskSignal?: boolean;
  readonly start?: (task: number) => TaskStart;
  readonly regression?: boolean;
}

/**
 * A small deterministic stream for tests: random inputs whose class is the argmax of a random linear map;
 * each task draws a new map (a new problem on the same inputs), like a tiny permuted benchmark.
 */
export function tinyStream(backend: Backend, o: TinyStreamOptions): Stream {
  const classes = o.regression ? 1 : (o.classes ?? 3);
  const tasks = o.tasks ?? 3;
  const n = o.examplesPerTask ?? 64;
  const bs = o.batchSize ?? 1;
  const per = o.inputShape.reduce((a, b) => a * b, 1);
  const root = Rng.seeded(o.seed ?? 7);
  const inputs = new Float32Array(n * per);
  root.split('inputs').fillUniform(inputs, -1, 1);
  const tasksCache = new Map<number, Task>();
  const xb = new Map<number, Tensor>();
  const yb = new Map<number, Float32Array | Float64Array>();
  const buffers = (size: number): Batch => {
    if (!xb.has(size)) {
      xb.set(size, new Tensor(backend.alloc(size * per), [size, ...o.inputShape]));
      yb.set(size, backend.alloc(size * (o.regression ? 1 : 1)));
    }
    return { x: xb.get(size)!, y: yb.get(size)! };
  };
  const makeTask = (t: number): Task => {
    const rng = root.split(`task${t}`);
    const w = new Float32Array(per * classes);
    rng.fillNormal(w, 0, 1);
    const labels = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let best = -Infinity, at = 0;
      for (let c = 0; c < classes; c++) {
        let s = 0;
        for (let j = 0; j < per; j++) s += inputs[i * per + j]! * w[j * classes + c]!;
        if (s > best) { best = s; at = c; }
      }
      labels[i] = o.regression ? best : at;
    }
    const fill = (b: Batch, idx: ArrayLike<number>, from: number, count: number) => {
      for (let k = 0; k < count; k++) {
        const i = idx[from + k]!;
        b.x.data.set(inputs.subarray(i * per, (i + 1) * per), k * per);
        b.y[k] = labels[i]!;
      }
    };
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const evalSet: EvalSet = {
      name: 'test',
      size: n,
      *batches(size: number) {
        for (let s = 0; s < n; s += size) {
          const c = Math.min(size, n - s);
          const b = buffers(c);
          fill(b, all, s, c);
          yield b;
        }
      },
    };
    return {
      index: t,
      label: `task ${t}`,
      size: n,
      batchSize: bs,
      schedule: { kind: 'epochs', epochs: o.epochs ?? 1 },
      start: o.start?.(t) ?? {},
      evalSets: [evalSet],
      epoch(e: number, from?: CursorState): BatchCursor {
        const order = rng.split(`epoch${e}`).permutation(n);
        let position = from?.position ?? 0;
        return {
          get position() { return position; },
          next() {
            if (position >= n) return null;
            const c = Math.min(bs, n - position);
            const b = buffers(c);
            fill(b, order, position, c);
            position += c;
            return b;
          },
          getState: () => ({ position }),
        };
      },
      seenData: () => evalSet,
      probe(count: number, r: Rng) {
        const idx = r.sample(n, Math.min(count, n));
        const b = buffers(idx.length);
        fill(b, idx, 0, idx.length);
        return b;
      },
    };
  };
  return {
    inputShape: o.inputShape,
    outputs: classes,
    loss: o.regression ? 'mse' : 'cross-entropy',
    numTasks: tasks,
    taskSignal: o.taskSignal ?? true,
    task(t) {
      let task = tasksCache.get(t);
      if (!task) tasksCache.set(t, (task = makeTask(t)));
      return task;
    },
    provenance: { kind: 'synthetic' },
  };
}
