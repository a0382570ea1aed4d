import type { FloatArray } from './FloatArray.js';

/**
 * A dense row-major tensor: a shape and a view of backend memory. Images are NCHW; dense activations [N, F].
 * The first dimension is the batch. Tensors are cheap views: layers keep and reuse them across steps.
 */
export class Tensor {
  readonly data: FloatArray;
  readonly shape: readonly number[];

  constructor(data: FloatArray, shape: readonly number[]) {
    const size = shapeSize(shape);
    if (size !== data.length) {
      throw new Error(`Tensor: shape [${shape.join(', ')}] holds ${size} values but the data has ${data.length}`);
    }
    this.data = data;
    this.shape = shape;
  }

  get size(): number {
    return this.data.length;
  }

  /** The batch size (first dimension). */
  get batch(): number {
    return this.shape[0] ?? 1;
  }

  /** Values per example: the product of all but the first dimension. */
  get perExample(): number {
    return this.shape.length === 0 ? 1 : this.data.length / (this.shape[0] || 1);
  }

  /** A view with another shape of the same size; no copy. */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.data, shape);
  }
}

/** The number of values a shape holds. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  // Indexed: every Tensor made runs this, and a for-of makes an iterator in code V8 has not optimized yet.
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (!Number.isInteger(d) || d < 0) throw new Error(`shape [${shape.join(', ')}] has a dimension that is not a non-negative integer`);
    n *= d;
  }
  return n;
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
