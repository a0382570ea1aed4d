import type { FloatArray } from './FloatArray.js';

/**
 * The views a.subarray(offset + i stride, offset + i stride + length) for i < count, made again only when the array
 * or the layout changes: layers that copy per example (class token, token pooling) slice the same reused buffers
 * every step, and a subarray per example per step was most of their garbage. Each call site keeps its own.
 */
export class SliceViews {
  private source: FloatArray | null = null;
  private count = 0;
  private stride = 0;
  private offset = 0;
  private length = 0;
  private views: FloatArray[] = [];

  of(a: FloatArray, count: number, stride: number, offset: number, length: number): readonly FloatArray[] {
    if (a !== this.source || count !== this.count || stride !== this.stride || offset !== this.offset || length !== this.length) {
      const views: FloatArray[] = [];
      for (let i = 0; i < count; i++) views.push(a.subarray(offset + i * stride, offset + i * stride + length) as FloatArray);
      this.views = views;
      this.source = a;
      this.count = count;
      this.stride = stride;
      this.offset = offset;
      this.length = length;
    }
    return this.views;
  }
}
