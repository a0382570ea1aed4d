// Matrix-vector products and the rank-1 update: the batch-1 (online learning) paths of gemm, plus the
// small-batch forms built from the same inner loops (small.ts). No packing, no threads: for one example these
// are bound by reading the weights once.

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// @ts-ignore: decorator
@inline function put(y: usize, s: f32, alpha: f32, beta: f32, betaZero: bool): void {
  store<f32>(y, betaZero ? alpha * s : alpha * s + beta * load<f32>(y));
}

// @ts-ignore: decorator
@inline function putV(y: usize, acc: v128, va: v128, vb: v128, betaZero: bool): void {
  v128.store(y, betaZero ? f32x4.mul(va, acc) : f32x4.add(f32x4.mul(va, acc), f32x4.mul(vb, v128.load(y))));
}

/**
 * Whether x[0:len] has enough all-zero runs of eight (image borders, dead units) that skipping the weights
 * they multiply pays for the test: reading W is what a matrix-vector product costs, but on dense x the test
 * itself slows the loop by ~15%, so it is used only when at least a quarter of the runs are zero.
 */
// @ts-ignore: decorator
@inline export function worthSkipping(len: i32, x: usize): bool {
  const xEnd = x + (<usize>(len & ~7) << 2);
  let zero = 0, runs = 0;
  for (let xp = x; xp < xEnd; xp += 32) {
    runs++;
    if (!v128.any_true(v128.or(v128.load(xp), v128.load(xp, 16)))) zero++;
  }
  return zero * 4 >= runs && zero > 0;
}

/**
 * Four dot products of x[0:len] with the rows w, w + ld, w + 2 ld, w + 3 ld (ld in bytes), scaled into
 * y, y + ys, y + 2 ys, y + 3 ys. Four rows share each load of x. One accumulator per row, fed the sum of two
 * products, and pointers bumped rather than indexed: V8 keeps everything in registers this way (eight
 * accumulators plus the hoisted loads spill on x64). skip: runs of eight zeros in x skip their weights.
 */
// @ts-ignore: decorator
@inline export function dot4(len: i32, x: usize, w: usize, ld: usize, alpha: f32, beta: f32, bz: bool, y: usize, ys: usize, skip: bool): void {
  const len8 = len & ~7;
  const xEnd = x + (<usize>len8 << 2);
  let w0 = w;
  let xp = x;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  if (skip) {
    while (xp < xEnd) {
      const x0 = v128.load(xp), x1 = v128.load(xp, 16);
      if (v128.any_true(v128.or(x0, x1))) {
        const w1 = w0 + ld, w2 = w1 + ld, w3 = w2 + ld;
        a0 = f32x4.add(a0, f32x4.add(f32x4.mul(x0, v128.load(w0)), f32x4.mul(x1, v128.load(w0, 16))));
        a1 = f32x4.add(a1, f32x4.add(f32x4.mul(x0, v128.load(w1)), f32x4.mul(x1, v128.load(w1, 16))));
        a2 = f32x4.add(a2, f32x4.add(f32x4.mul(x0, v128.load(w2)), f32x4.mul(x1, v128.load(w2, 16))));
        a3 = f32x4.add(a3, f32x4.add(f32x4.mul(x0, v128.load(w3)), f32x4.mul(x1, v128.load(w3, 16))));
      }
      xp += 32;
      w0 += 32;
    }
  } else {
    while (xp < xEnd) {
      const x0 = v128.load(xp), x1 = v128.load(xp, 16);
      const w1 = w0 + ld, w2 = w1 + ld, w3 = w2 + ld;
      a0 = f32x4.add(a0, f32x4.add(f32x4.mul(x0, v128.load(w0)), f32x4.mul(x1, v128.load(w0, 16))));
      a1 = f32x4.add(a1, f32x4.add(f32x4.mul(x0, v128.load(w1)), f32x4.mul(x1, v128.load(w1, 16))));
      a2 = f32x4.add(a2, f32x4.add(f32x4.mul(x0, v128.load(w2)), f32x4.mul(x1, v128.load(w2, 16))));
      a3 = f32x4.add(a3, f32x4.add(f32x4.mul(x0, v128.load(w3)), f32x4.mul(x1, v128.load(w3, 16))));
      xp += 32;
      w0 += 32;
    }
  }
  let s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);
  for (let p = len8; p < len; p++) {
    const o = <usize>p << 2;
    const xv = load<f32>(x + o);
    s0 += xv * load<f32>(w + o);
    s1 += xv * load<f32>(w + ld + o);
    s2 += xv * load<f32>(w + 2 * ld + o);
    s3 += xv * load<f32>(w + 3 * ld + o);
  }
  put(y, s0, alpha, beta, bz);
  put(y + ys, s1, alpha, beta, bz);
  put(y + 2 * ys, s2, alpha, beta, bz);
  put(y + 3 * ys, s3, alpha, beta, bz);
}

/** One dot product of x[0:len] with w[0:len], scaled into y. */
// @ts-ignore: decorator
@inline export function dot1(len: i32, x: usize, w: usize, alpha: f32, beta: f32, bz: bool, y: usize): void {
  const len8 = len & ~7;
  const xEnd = x + (<usize>len8 << 2);
  let w0 = w;
  let xp = x;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  while (xp < xEnd) {
    a0 = f32x4.add(a0, f32x4.mul(v128.load(xp), v128.load(w0)));
    a1 = f32x4.add(a1, f32x4.mul(v128.load(xp, 16), v128.load(w0, 16)));
    xp += 32;
    w0 += 32;
  }
  let s = hsum(f32x4.add(a0, a1));
  for (let p = len8; p < len; p++) s += load<f32>(x + (<usize>p << 2)) * load<f32>(w + (<usize>p << 2));
  put(y, s, alpha, beta, bz);
}

/**
 * y[0:16] = alpha sum_p x[p] W[p, 0:16] + beta y[0:16] for p < len, x with stride xs and W with row stride ld
 * (bytes): one 16-column chunk of a vector-matrix product, in four registers while p walks down W. Terms with
 * x[p] = 0 are skipped (ReLU gradients are mostly zeros), as the reference skips them.
 */
// @ts-ignore: decorator
@inline export function combine16(len: i32, x: usize, xs: usize, w: usize, ld: usize, va: v128, vb: v128, bz: bool, y: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let row = w;
  const xEnd = x + <usize>len * xs;
  for (let xp = x; xp < xEnd; xp += xs, row += ld) {
    const xv = load<f32>(xp);
    if (xv == 0) continue;
    const s = f32x4.splat(xv);
    a0 = f32x4.add(a0, f32x4.mul(s, v128.load(row)));
    a1 = f32x4.add(a1, f32x4.mul(s, v128.load(row, 16)));
    a2 = f32x4.add(a2, f32x4.mul(s, v128.load(row, 32)));
    a3 = f32x4.add(a3, f32x4.mul(s, v128.load(row, 48)));
  }
  putV(y, a0, va, vb, bz);
  putV(y + 16, a1, va, vb, bz);
  putV(y + 32, a2, va, vb, bz);
  putV(y + 48, a3, va, vb, bz);
}

/** combine16 for 4 columns. */
// @ts-ignore: decorator
@inline export function combine4(len: i32, x: usize, xs: usize, w: usize, ld: usize, va: v128, vb: v128, bz: bool, y: usize): void {
  let a0 = f32x4.splat(0);
  let row = w;
  const xEnd = x + <usize>len * xs;
  for (let xp = x; xp < xEnd; xp += xs, row += ld) {
    const xv = load<f32>(xp);
    if (xv == 0) continue;
    a0 = f32x4.add(a0, f32x4.mul(f32x4.splat(xv), v128.load(row)));
  }
  putV(y, a0, va, vb, bz);
}

/** combine16 for one column. */
// @ts-ignore: decorator
@inline export function combine1(len: i32, x: usize, xs: usize, w: usize, ld: usize, alpha: f32, beta: f32, bz: bool, y: usize): void {
  let s: f32 = 0;
  let e = w;
  const xEnd = x + <usize>len * xs;
  for (let xp = x; xp < xEnd; xp += xs, e += ld) {
    const xv = load<f32>(xp);
    if (xv == 0) continue;
    s += xv * load<f32>(e);
  }
  put(y, s, alpha, beta, bz);
}

/**
 * y[j] = alpha dot(x, W[j, 0:len]) + beta y[j] for j < rows, W with row stride ldw.
 * (y = x W^T for one example: the forward pass of a linear layer.)
 */
export function gemvT(rows: i32, len: i32, alpha: f64, x: usize, w: usize, ldw: i32, beta: f64, y: usize): void {
  const al = <f32>alpha, bt = <f32>beta, bz = beta == 0;
  const ld = <usize>ldw << 2;
  const skip = rows >= 8 && worthSkipping(len, x);
  let j = 0;
  for (; j + 4 <= rows; j += 4) dot4(len, x, w + <usize>j * ld, ld, al, bt, bz, y + (<usize>j << 2), 4, skip);
  for (; j < rows; j++) dot1(len, x, w + <usize>j * ld, al, bt, bz, y + (<usize>j << 2));
}

/**
 * y[0:cols] = alpha sum_p x[p] W[p, 0:cols] + beta y, W with row stride ldw (y = x W for one example: the
 * input gradient of a linear layer). Columns go 16 at a time while p walks down W.
 */
export function gemvN(cols: i32, len: i32, alpha: f64, x: usize, w: usize, ldw: i32, beta: f64, y: usize): void {
  const al = <f32>alpha, bt = <f32>beta, bz = beta == 0;
  const va = f32x4.splat(al), vb = f32x4.splat(bt);
  const ld = <usize>ldw << 2;
  let j = 0;
  for (; j + 16 <= cols; j += 16) combine16(len, x, 4, w + (<usize>j << 2), ld, va, vb, bz, y + (<usize>j << 2));
  for (; j + 4 <= cols; j += 4) combine4(len, x, 4, w + (<usize>j << 2), ld, va, vb, bz, y + (<usize>j << 2));
  for (; j < cols; j++) combine1(len, x, 4, w + (<usize>j << 2), ld, al, bt, bz, y + (<usize>j << 2));
}

/**
 * C[i, :] = alpha x[i] v + beta C[i, :] for C [m, n] (gemm with k = 1: the weight gradient of one example,
 * or SGD applied straight to the weights with beta = 1). Rows with x[i] = 0 need no product: with beta = 1
 * they are skipped entirely.
 */
export function ger(m: i32, n: i32, alpha: f64, x: usize, v: usize, beta: f64, c: usize): void {
  const al = <f32>alpha, bt = <f32>beta, bz = beta == 0;
  const vb = f32x4.splat(bt);
  const zero = f32x4.splat(0);
  for (let i = 0; i < m; i++) {
    const xi = load<f32>(x + (<usize>i << 2));
    const row = c + (<usize>i * <usize>n << 2);
    let j = 0;
    if (xi == 0) {
      if (bz) {
        for (; j + 4 <= n; j += 4) v128.store(row + (<usize>j << 2), zero);
        for (; j < n; j++) store<f32>(row + (<usize>j << 2), 0);
      } else if (bt != 1) {
        for (; j + 4 <= n; j += 4) v128.store(row + (<usize>j << 2), f32x4.mul(vb, v128.load(row + (<usize>j << 2))));
        for (; j < n; j++) store<f32>(row + (<usize>j << 2), bt * load<f32>(row + (<usize>j << 2)));
      }
      continue;
    }
    const s = al * xi;
    const vs = f32x4.splat(s);
    if (bz) {
      for (; j + 4 <= n; j += 4) v128.store(row + (<usize>j << 2), f32x4.mul(vs, v128.load(v + (<usize>j << 2))));
      for (; j < n; j++) store<f32>(row + (<usize>j << 2), s * load<f32>(v + (<usize>j << 2)));
    } else if (bt == 1) {
      // The SGD-fused case: W[i, :] += s v.
      let q = row, vp = v;
      const end = row + (<usize>(n & ~7) << 2);
      while (q < end) {
        v128.store(q, f32x4.add(v128.load(q), f32x4.mul(vs, v128.load(vp))));
        v128.store(q, f32x4.add(v128.load(q, 16), f32x4.mul(vs, v128.load(vp, 16))), 16);
        q += 32;
        vp += 32;
      }
      for (j = n & ~7; j < n; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) + s * load<f32>(v + (<usize>j << 2)));
    } else {
      for (; j + 4 <= n; j += 4) {
        const o = <usize>j << 2;
        v128.store(row + o, f32x4.add(f32x4.mul(vs, v128.load(v + o)), f32x4.mul(vb, v128.load(row + o))));
      }
      for (; j < n; j++) store<f32>(row + (<usize>j << 2), s * load<f32>(v + (<usize>j << 2)) + bt * load<f32>(row + (<usize>j << 2)));
    }
  }
}
