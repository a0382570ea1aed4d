// Row softmax for attention scores, and its backward.

import { exp4 } from './expf';

/**
 * y[r, :] = softmax(x[r, :]); with causal, row r sees only columns j <= r mod cols (y = 0 beyond). The sum runs in
 * f64, as the reference. y may alias x.
 */
export function softmaxRows(x: usize, rows: i32, cols: i32, causal: i32, y: usize): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * <usize>cols << 2;
    const xr = x + o, yr = y + o;
    const seen = causal != 0 ? (r % cols) + 1 : cols;
    let mx: f32 = -Infinity;
    let mv = f32x4.splat(-Infinity);
    let j = 0;
    for (; j + 4 <= seen; j += 4) mv = f32x4.max(mv, v128.load(xr + (<usize>j << 2)));
    mx = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (; j < seen; j++) mx = max(mx, load<f32>(xr + (<usize>j << 2)));
    const vm = f32x4.splat(mx);
    let z: f64 = 0;
    j = 0;
    for (; j + 4 <= seen; j += 4) {
      const e = exp4(f32x4.sub(v128.load(xr + (<usize>j << 2)), vm));
      v128.store(yr + (<usize>j << 2), e);
      z += <f64>f32x4.extract_lane(e, 0) + <f64>f32x4.extract_lane(e, 1) + <f64>f32x4.extract_lane(e, 2) + <f64>f32x4.extract_lane(e, 3);
    }
    for (; j < seen; j++) {
      const e = f32x4.extract_lane(exp4(f32x4.splat(load<f32>(xr + (<usize>j << 2)) - mx)), 0);
      store<f32>(yr + (<usize>j << 2), e);
      z += <f64>e;
    }
    const inv = f32x4.splat(<f32>(1 / z));
    j = 0;
    for (; j + 4 <= seen; j += 4) {
      const q = yr + (<usize>j << 2);
      v128.store(q, f32x4.mul(v128.load(q), inv));
    }
    const invs = <f32>(1 / z);
    for (; j < seen; j++) {
      const q = yr + (<usize>j << 2);
      store<f32>(q, load<f32>(q) * invs);
    }
    for (; j < cols; j++) store<f32>(yr + (<usize>j << 2), 0);
  }
}

/** dx[r, :] = y[r, :] * (dy[r, :] - sum_j y[r, j] dy[r, j]); dx may alias dy. */
export function softmaxRowsBackward(y: usize, dy: usize, rows: i32, cols: i32, dx: usize): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * <usize>cols << 2;
    const yr = y + o, gr = dy + o, dr = dx + o;
    let s: f64 = 0;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const p = f32x4.mul(v128.load(yr + (<usize>j << 2)), v128.load(gr + (<usize>j << 2)));
      s += <f64>f32x4.extract_lane(p, 0) + <f64>f32x4.extract_lane(p, 1) + <f64>f32x4.extract_lane(p, 2) + <f64>f32x4.extract_lane(p, 3);
    }
    for (; j < cols; j++) s += <f64>(load<f32>(yr + (<usize>j << 2)) * load<f32>(gr + (<usize>j << 2)));
    const vs = f32x4.splat(<f32>s);
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      const q = <usize>j << 2;
      v128.store(dr + q, f32x4.mul(v128.load(yr + q), f32x4.sub(v128.load(gr + q), vs)));
    }
    const ss = <f32>s;
    for (; j < cols; j++) {
      const q = <usize>j << 2;
      store<f32>(dr + q, load<f32>(yr + q) * (load<f32>(gr + q) - ss));
    }
  }
}
