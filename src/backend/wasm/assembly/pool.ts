// Max pooling (no padding) and global average pooling over NCHW planes.

import { rowSum } from './simd';

export function maxPool(x: usize, n: i32, c: i32, h: i32, w: i32, k: i32, stride: i32, oh: i32, ow: i32, y: usize, argmax: usize): void {
  const hw = h * w;
  const planes = n * c;
  for (let p = 0; p < planes; p++) {
    const xp = x + (<usize>p * <usize>hw << 2);
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        let best: f32 = -Infinity;
        let at = oy * stride * w + ox * stride;
        for (let ky = 0; ky < k; ky++) {
          const rowIdx = (oy * stride + ky) * w + ox * stride;
          for (let kx = 0; kx < k; kx++) {
            const idx = rowIdx + kx;
            const v = load<f32>(xp + (<usize>idx << 2));
            // NaN propagates (as in PyTorch): the first NaN of a window wins.
            if (v > best || (v != v && best == best)) {
              best = v;
              at = idx;
            }
          }
        }
        const o = (<usize>p * <usize>oh + <usize>oy) * <usize>ow + <usize>ox;
        store<f32>(y + (o << 2), best);
        store<f32>(argmax + (o << 2), <f32>at);
      }
  }
}

/** dx = 0, dx[argmax] += dy. Returns how many argmax values were not an index of the plane (those are skipped). */
export function maxPoolBackward(dy: usize, argmax: usize, n: i32, c: i32, h: i32, w: i32, oh: i32, ow: i32, dx: usize): i32 {
  const hw = h * w;
  const ohw = oh * ow;
  const planes = n * c;
  memory.fill(dx, 0, <usize>planes * <usize>hw << 2);
  let bad = 0;
  for (let p = 0; p < planes; p++) {
    const dp = dx + (<usize>p * <usize>hw << 2);
    const base = <usize>p * <usize>ohw << 2;
    for (let o = 0; o < ohw; o++) {
      const f = load<f32>(argmax + base + (<usize>o << 2));
      if (!(f >= 0 && f < <f32>hw) || <f32>(<i32>f) != f) {
        bad++;
        continue;
      }
      const q = dp + (<usize>(<i32>f) << 2);
      store<f32>(q, load<f32>(q) + load<f32>(dy + base + (<usize>o << 2)));
    }
  }
  return bad;
}

export function globalAvgPool(x: usize, n: i32, c: i32, hw: i32, y: usize): void {
  const planes = n * c;
  for (let p = 0; p < planes; p++) store<f32>(y + (<usize>p << 2), <f32>(rowSum(x + (<usize>p * <usize>hw << 2), hw, 0) / <f64>hw));
}

export function globalAvgPoolBackward(dy: usize, n: i32, c: i32, hw: i32, dx: usize): void {
  const planes = n * c;
  for (let p = 0; p < planes; p++) {
    const v = <f32>(<f64>load<f32>(dy + (<usize>p << 2)) / <f64>hw);
    const s = f32x4.splat(v);
    const o = dx + (<usize>p * <usize>hw << 2);
    let k = 0;
    for (; k + 4 <= hw; k += 4) v128.store(o + (<usize>k << 2), s);
    for (; k < hw; k++) store<f32>(o + (<usize>k << 2), v);
  }
}
