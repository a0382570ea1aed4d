// im2col / col2im. Each (channel, ky, kx, image, oy) is one row segment of ow outputs; the outputs whose
// input column falls inside the image form one range [ox0, ox1), so padding costs no per-element test and
// stride 1 is a straight vector copy. `part` of `parts` handles a contiguous range of rows of cols (im2col) or
// of channels (col2im: a channel's rows all add into its planes of x), so threads never share an output value.

// @ts-ignore: decorator
@inline function zero(p: usize, count: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(p + (<usize>i << 2), z);
  for (; i < count; i++) store<f32>(p + (<usize>i << 2), 0);
}

/** The first output column whose input column ox*stride + kx - pad is >= 0. */
// @ts-ignore: decorator
@inline function firstInside(kx: i32, stride: i32, pad: i32): i32 {
  const t = pad - kx;
  return t <= 0 ? 0 : (t + stride - 1) / stride;
}

/** One past the last output column whose input column is < w (at least ox0). */
// @ts-ignore: decorator
@inline function endInside(w: i32, kx: i32, stride: i32, pad: i32, ow: i32, ox0: i32): i32 {
  const u = w - 1 + pad - kx;
  const e = u < 0 ? 0 : min(ow, u / stride + 1);
  return max(e, ox0);
}

// @ts-ignore: decorator
@inline function chRange(c: i32, part: i32, parts: i32, hi: bool): i32 {
  return <i32>((<i64>c * <i64>(hi ? part + 1 : part)) / <i64>parts);
}

export function im2col(x: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, stride: i32, pad: i32, oh: i32, ow: i32, cols: usize, part: i32, parts: i32): void {
  const ncol = <usize>n * <usize>oh * <usize>ow;
  // Parts are ranges of rows (ch, ky, kx) of cols, not of channels: a 3-channel input still splits evenly.
  const kk = kh * kw;
  const r0 = chRange(c * kk, part, parts, false), r1 = chRange(c * kk, part, parts, true);
  if (stride == 1 && pad == 0) {
    im2colValid(x, n, c, h, w, kh, kw, oh, ow, cols, r0, r1);
    return;
  }
  for (let r = r0; r < r1; r++) {
    const ch = r / kk, ky = (r - ch * kk) / kw, kx = r - ch * kk - ky * kw;
    const row = cols + (<usize>r * ncol << 2);
    const ox0 = firstInside(kx, stride, pad);
    const ox1 = endInside(w, kx, stride, pad, ow, ox0);
    for (let b = 0; b < n; b++) {
      const plane = x + ((<usize>b * <usize>c + <usize>ch) * <usize>h * <usize>w << 2);
      for (let oy = 0; oy < oh; oy++) {
        const dst = row + ((<usize>b * <usize>oh + <usize>oy) * <usize>ow << 2);
        const iy = oy * stride + ky - pad;
        if (iy < 0 || iy >= h) {
          zero(dst, ow);
          continue;
        }
        zero(dst, ox0);
        // src points at input column ox0 * stride + kx - pad of row iy.
        const src = plane + ((<usize>iy * <usize>w + <usize>(ox0 * stride + kx - pad)) << 2);
        const d = dst + (<usize>ox0 << 2);
        const len = ox1 - ox0;
        if (stride == 1) {
          let i = 0;
          for (; i + 4 <= len; i += 4) v128.store(d + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
          for (; i < len; i++) store<f32>(d + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
        } else {
          const sb = <usize>stride << 2;
          for (let i = 0; i < len; i++) store<f32>(d + (<usize>i << 2), load<f32>(src + <usize>i * sb));
        }
        zero(dst + (<usize>ox1 << 2), ow - ox1);
      }
    }
  }
}

/**
 * Rows r0..r1 of im2col for stride 1 and no padding: every output row is inside the image, so each is a plain copy
 * of ow values (a short row, 4 values in conv-b128's last layer, costs no per-row bounds or zero-fill work).
 */
function im2colValid(x: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32, cols: usize, r0: i32, r1: i32): void {
  const ncol = <usize>n * <usize>oh * <usize>ow;
  const kk = kh * kw;
  const rowB = <usize>w << 2, owB = <usize>ow << 2;
  const ow4 = ow & ~3;
  for (let r = r0; r < r1; r++) {
    const ch = r / kk, ky = (r - ch * kk) / kw, kx = r - ch * kk - ky * kw;
    let dst = cols + (<usize>r * ncol << 2);
    for (let b = 0; b < n; b++) {
      let src = x + (((<usize>b * <usize>c + <usize>ch) * <usize>h + <usize>ky) * <usize>w + <usize>kx << 2);
      for (let oy = 0; oy < oh; oy++) {
        let i = 0;
        for (; i < ow4; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
        for (; i < ow; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
        dst += owB;
        src += rowB;
      }
    }
  }
}

export function col2im(cols: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, stride: i32, pad: i32, oh: i32, ow: i32, x: usize, part: i32, parts: i32): void {
  const ncol = <usize>n * <usize>oh * <usize>ow;
  const c0 = chRange(c, part, parts, false), c1 = chRange(c, part, parts, true);
  const hw = h * w;
  for (let b = 0; b < n; b++)
    for (let ch = c0; ch < c1; ch++) zero(x + ((<usize>b * <usize>c + <usize>ch) * <usize>hw << 2), hw);
  if (stride == 1 && pad == 0) {
    col2imValid(cols, n, c, h, w, kh, kw, oh, ow, x, c0, c1);
    return;
  }
  // Same loop order as the reference, so every x value sums its terms in the same order (bit-identical).
  for (let ch = c0; ch < c1; ch++)
    for (let ky = 0; ky < kh; ky++)
      for (let kx = 0; kx < kw; kx++) {
        const row = cols + ((<usize>((ch * kh + ky) * kw + kx)) * ncol << 2);
        const ox0 = firstInside(kx, stride, pad);
        const ox1 = endInside(w, kx, stride, pad, ow, ox0);
        const len = ox1 - ox0;
        if (len <= 0) continue;
        for (let b = 0; b < n; b++) {
          const plane = x + ((<usize>b * <usize>c + <usize>ch) * <usize>hw << 2);
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * stride + ky - pad;
            if (iy < 0 || iy >= h) continue;
            const s = row + ((<usize>b * <usize>oh + <usize>oy) * <usize>ow + <usize>ox0 << 2);
            const d = plane + ((<usize>iy * <usize>w + <usize>(ox0 * stride + kx - pad)) << 2);
            if (stride == 1) {
              let i = 0;
              for (; i + 4 <= len; i += 4) {
                const o = <usize>i << 2;
                v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
              }
              for (; i < len; i++) {
                const o = <usize>i << 2;
                store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
              }
            } else {
              const db = <usize>stride << 2;
              for (let i = 0; i < len; i++) {
                const p = d + <usize>i * db;
                store<f32>(p, load<f32>(p) + load<f32>(s + (<usize>i << 2)));
              }
            }
          }
        }
      }
}

/**
 * col2im's sums for stride 1 and no padding (x already zeroed), in the same order as the general loop: per channel,
 * per (ky, kx), per image and output row, ow values added to an input row, with no bounds work per row.
 */
function col2imValid(cols: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32, x: usize, c0: i32, c1: i32): void {
  const ncol = <usize>n * <usize>oh * <usize>ow;
  const rowB = <usize>w << 2, owB = <usize>ow << 2;
  const ow4 = ow & ~3;
  for (let ch = c0; ch < c1; ch++)
    for (let ky = 0; ky < kh; ky++)
      for (let kx = 0; kx < kw; kx++) {
        let s = cols + ((<usize>((ch * kh + ky) * kw + kx)) * ncol << 2);
        for (let b = 0; b < n; b++) {
          let d = x + (((<usize>b * <usize>c + <usize>ch) * <usize>h + <usize>ky) * <usize>w + <usize>kx << 2);
          for (let oy = 0; oy < oh; oy++) {
            let i = 0;
            for (; i < ow4; i += 4) {
              const o = <usize>i << 2;
              v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
            }
            for (; i < ow; i++) {
              const o = <usize>i << 2;
              store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
            }
            s += owB;
            d += rowB;
          }
        }
      }
}

/** im2col with the rows of cols cut into `chunks` parts taken from the shared counter (see gemmChunks). */
export function im2colChunks(x: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, stride: i32, pad: i32, oh: i32, ow: i32, cols: usize, chunks: i32, counter: usize): void {
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    im2col(x, n, c, h, w, kh, kw, stride, pad, oh, ow, cols, part, chunks);
  }
}

/** col2im with the channels cut into `chunks` parts taken from the shared counter. */
export function col2imChunks(cols: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, stride: i32, pad: i32, oh: i32, ow: i32, x: usize, chunks: i32, counter: usize): void {
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    col2im(cols, n, c, h, w, kh, kw, stride, pad, oh, ow, x, part, chunks);
  }
}
