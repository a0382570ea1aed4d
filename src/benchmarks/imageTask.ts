import type { Rng } from '../tensor/Rng.js';
import type { Batch, BatchCursor, CursorState, EvalSet, Task, TaskSchedule, TaskStart } from './Benchmark.js';
import type { Augmenter } from './Augmenter.js';
import type { StreamPools } from './BatchPool.js';
import type { ImageEncoder } from './ImageEncoder.js';
import type { ImageSplit } from './data/ImageSet.js';

/** Examples of a split and the label each one has in this task (indices[k] has label labels[k]). */
export interface Selection {
  readonly split: ImageSplit;
  readonly indices: Int32Array;
  /** Class labels, or real-valued targets (random-label regression). */
  readonly labels: Int32Array | Float64Array;
}

/**
 * What {@link imageTask} builds a task from: its index, label, batch size, schedule and start actions, the encoder
 * and pools that fill batches, the training selection, evaluation sets, and optional permutation, augmentation and
 * seen data.
 */
export interface ImageTaskOptions {
  readonly index: number;
  readonly label: string;
  readonly batchSize: number;
  readonly schedule: TaskSchedule;
  readonly start: TaskStart;
  readonly earlyStopping?: { readonly on: string; readonly patience: number };
  readonly encoder: ImageEncoder;
  readonly pools: StreamPools;
  readonly train: Selection;
  /** Examples per epoch (default: the selection once); more than the selection means several passes, each in a fresh order. */
  readonly size?: number;
  readonly evals?: readonly { readonly name: string; readonly selection: Selection }[];
  /** All training data seen so far (warm-start). */
  readonly seen?: Selection;
  /** Pixel permutation of this task (permuted benchmarks). */
  readonly permutation?: Int32Array | null;
  /** Augmentation of training batches (never of evaluation, probe or seen-data batches). */
  readonly augment?: Augmenter | null;
  /** This task's random stream: epoch orders and augmentation derive from it by label. */
  readonly rng: Rng;
}

/**
 * A classification task over images: each epoch visits the training selection in an order drawn from
 * rng.split('epoch<e>'), writes examples straight into reused backend buffers (normalized, permuted,
 * augmented), and can start anywhere: the order is a function of (task, epoch) and the augmentation of a
 * batch a function of (task, epoch, position), so a cursor's state is just its position.
 */
export function imageTask(o: ImageTaskOptions): Task {
  const n = o.train.indices.length;
  const size = o.size ?? n;
  const perm = o.permutation ?? null;
  const augment = o.augment?.active ? o.augment : null;
  const augmentRoot = o.rng.split('augment');
  const per = o.encoder.size;
  const fill = (b: Batch, sel: Selection, at: ArrayLike<number>, from: number, count: number) => {
    const x = b.x.data;
    for (let k = 0; k < count; k++) {
      const i = at[from + k]!;
      o.encoder.write(sel.split.images, sel.indices[i]!, x, k * per, perm);
      b.y[k] = sel.labels[i]!;
    }
  };
  const evalSet = (name: string, sel: Selection, pool: StreamPools['eval']): EvalSet => ({
    name,
    size: sel.indices.length,
    *batches(batchSize: number) {
      const all = sel.indices.length;
      for (let s = 0; s < all; s += batchSize) {
        const c = Math.min(batchSize, all - s);
        const b = pool.get(c);
        fillRange(b, sel, s, c);
        yield b;
      }
    },
  });
  const fillRange = (b: Batch, sel: Selection, from: number, count: number) => {
    const x = b.x.data;
    for (let k = 0; k < count; k++) {
      o.encoder.write(sel.split.images, sel.indices[from + k]!, x, k * per, perm);
      b.y[k] = sel.labels[from + k]!;
    }
  };
  const evalSets = (o.evals ?? []).filter((e) => e.selection.indices.length > 0).map((e) => evalSet(e.name, e.selection, o.pools.eval));
  const seen = o.seen ? evalSet('seen', o.seen, o.pools.seen) : null;
  return {
    index: o.index,
    label: o.label,
    size,
    batchSize: o.batchSize,
    schedule: o.schedule,
    start: o.start,
    ...(o.earlyStopping ? { earlyStopping: o.earlyStopping } : {}),
    evalSets,
    ...(seen ? { seenData: () => seen } : {}),
    epoch(e: number, from?: CursorState): BatchCursor {
      if (n === 0) throw new Error(`task ${o.index} (${o.label}) has no training examples`);
      const epochRng = o.rng.split(`epoch${e}`);
      let pass = -1;
      let order: Int32Array = new Int32Array(0);
      let position = from?.position ?? 0;
      if (!Number.isInteger(position) || position < 0 || position > size) throw new Error(`task ${o.index}: cursor position ${position} is outside the epoch (0..${size})`);
      return {
        get position() {
          return position;
        },
        next(): Batch | null {
          if (position >= size) return null;
          const c = Math.min(o.batchSize, size - position);
          const b = o.pools.train.get(c);
          const x = b.x.data;
          for (let k = 0; k < c; k++) {
            const p = position + k;
            const q = (p / n) | 0;
            if (q !== pass) {
              pass = q;
              order = (q === 0 ? epochRng : epochRng.split(`pass${q}`)).permutation(n);
            }
            const i = order[p - q * n]!;
            o.encoder.write(o.train.split.images, o.train.indices[i]!, x, k * per, perm);
            b.y[k] = o.train.labels[i]!;
          }
          if (augment) {
            const r = augmentRoot.split(`${e}:${position}`);
            for (let k = 0; k < c; k++) augment.apply(x, k * per, r);
          }
          position += c;
          return b;
        },
        getState: () => ({ position }),
      };
    },
    probe(count: number, rng: Rng): Batch {
      const idx = rng.sample(n, Math.min(count, n));
      const b = o.pools.probe.get(idx.length);
      fill(b, o.train, idx, 0, idx.length);
      return b;
    },
  };
}
