import { Tensor } from './Tensor.js';

/**
 * One reshaped view of a tensor, made again only when the data or the shape changes: a layer reshapes the same
 * reused buffers every step, and a new Tensor (and shape array) per call was per-step garbage. Each call site
 * keeps its own; the view is handed out again, so callers must not rely on getting a new object.
 */
export class Reshaped {
  private view: Tensor | null = null;

  /** `x`'s data as [d0, d1], or [d0, d1, d2] when d2 is given. */
  of(x: Tensor, d0: number, d1: number, d2?: number): Tensor {
    const v = this.view;
    if (v !== null && v.data === x.data) {
      const s = v.shape;
      if (s[0] === d0 && s[1] === d1 && (d2 === undefined ? s.length === 2 : s.length === 3 && s[2] === d2)) return v;
    }
    return (this.view = new Tensor(x.data, d2 === undefined ? [d0, d1] : [d0, d1, d2]));
  }
}
