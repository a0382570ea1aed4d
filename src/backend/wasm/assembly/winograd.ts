// Winograd F(2x2, 3x3) transforms (see src/backend/ts/winograd.ts for the algebra and the layouts): the input and
// output-side transforms work on channels [part c / parts, (part + 1) c / parts), so threads never share an output
// value; the filter transforms are small (16 values per kernel) and run on one thread. Same order of operations as
// the ts reference.

/** Which transform winogradPart runs. */
const INPUT = 0, OUTPUT = 1, OUTPUT_ADJOINT = 2;

// @ts-ignore: decorator
@inline function at(p: usize, i: usize): f32 {
  return load<f32>(p + (i << 2));
}

// @ts-ignore: decorator
@inline function put(p: usize, i: usize, v: f32): void {
  store<f32>(p + (i << 2), v);
}

/** Value (y, x) of a plane, 0 outside [0, h) x [0, w). */
// @ts-ignore: decorator
@inline function pixel(plane: usize, y: i32, x: i32, h: i32, w: i32): f32 {
  return y >= 0 && y < h && x >= 0 && x < w ? at(plane, <usize>(y * w + x)) : 0;
}

/** Row y of a plane at columns x .. x + 9, split into the 4 tiles' columns s = 0..3 (even / odd lanes); zero outside [0, h). */
// @ts-ignore: decorator
@inline function quadRow(plane: usize, y: i32, x: i32, h: i32, w: i32, s: i32): v128 {
  if (y < 0 || y >= h) return f32x4.splat(0);
  const p = plane + (<usize>(y * w + x + (s & 2)) << 2);
  const a = v128.load(p), b = v128.load(p + 16);
  return (s & 1) == 0 ? v128.shuffle<f32>(a, b, 0, 2, 4, 6) : v128.shuffle<f32>(a, b, 1, 3, 5, 7);
}

/** Four adjacent tiles (columns x0 .. x0 + 9 inside the plane): B^T d B on 4 lanes, one vector store per plane of v. */
// @ts-ignore: decorator
@inline function inputQuad(plane: usize, y0: i32, x0: i32, h: i32, w: i32, v: usize, sb: usize): void {
  // t[r][s] = (B^T d)[r] at patch column s, one vector per (r, s).
  let d0 = quadRow(plane, y0, x0, h, w, 0), d1 = quadRow(plane, y0 + 1, x0, h, w, 0), d2 = quadRow(plane, y0 + 2, x0, h, w, 0), d3 = quadRow(plane, y0 + 3, x0, h, w, 0);
  const t00 = f32x4.sub(d0, d2), t10 = f32x4.add(d1, d2), t20 = f32x4.sub(d2, d1), t30 = f32x4.sub(d1, d3);
  d0 = quadRow(plane, y0, x0, h, w, 1); d1 = quadRow(plane, y0 + 1, x0, h, w, 1); d2 = quadRow(plane, y0 + 2, x0, h, w, 1); d3 = quadRow(plane, y0 + 3, x0, h, w, 1);
  const t01 = f32x4.sub(d0, d2), t11 = f32x4.add(d1, d2), t21 = f32x4.sub(d2, d1), t31 = f32x4.sub(d1, d3);
  d0 = quadRow(plane, y0, x0, h, w, 2); d1 = quadRow(plane, y0 + 1, x0, h, w, 2); d2 = quadRow(plane, y0 + 2, x0, h, w, 2); d3 = quadRow(plane, y0 + 3, x0, h, w, 2);
  const t02 = f32x4.sub(d0, d2), t12 = f32x4.add(d1, d2), t22 = f32x4.sub(d2, d1), t32 = f32x4.sub(d1, d3);
  d0 = quadRow(plane, y0, x0, h, w, 3); d1 = quadRow(plane, y0 + 1, x0, h, w, 3); d2 = quadRow(plane, y0 + 2, x0, h, w, 3); d3 = quadRow(plane, y0 + 3, x0, h, w, 3);
  const t03 = f32x4.sub(d0, d2), t13 = f32x4.add(d1, d2), t23 = f32x4.sub(d2, d1), t33 = f32x4.sub(d1, d3);
  v128.store(v, f32x4.sub(t00, t02)); v128.store(v + sb, f32x4.add(t01, t02)); v128.store(v + 2 * sb, f32x4.sub(t02, t01)); v128.store(v + 3 * sb, f32x4.sub(t01, t03));
  v128.store(v + 4 * sb, f32x4.sub(t10, t12)); v128.store(v + 5 * sb, f32x4.add(t11, t12)); v128.store(v + 6 * sb, f32x4.sub(t12, t11)); v128.store(v + 7 * sb, f32x4.sub(t11, t13));
  v128.store(v + 8 * sb, f32x4.sub(t20, t22)); v128.store(v + 9 * sb, f32x4.add(t21, t22)); v128.store(v + 10 * sb, f32x4.sub(t22, t21)); v128.store(v + 11 * sb, f32x4.sub(t21, t23));
  v128.store(v + 12 * sb, f32x4.sub(t30, t32)); v128.store(v + 13 * sb, f32x4.add(t31, t32)); v128.store(v + 14 * sb, f32x4.sub(t32, t31)); v128.store(v + 15 * sb, f32x4.sub(t31, t33));
}

function inputChannels(x: usize, n: i32, c: i32, h: i32, w: i32, pad: i32, v: usize, c0: i32, c1: i32): void {
  const oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
  const ty = (oh + 1) >> 1, tx = (ow + 1) >> 1, T = <usize>(ty * tx);
  const stride = <usize>c * <usize>n * T;
  for (let ch = c0; ch < c1; ch++)
    for (let b = 0; b < n; b++) {
      const plane = x + ((<usize>b * <usize>c + <usize>ch) * <usize>h * <usize>w << 2);
      let col = (<usize>ch * <usize>n + <usize>b) * T;
      for (let i = 0; i < ty; i++) {
        const y0 = 2 * i - pad;
        // Tiles j0 <= j < j1 (in groups of 4) read columns 2j - pad .. 2j - pad + 9 inside the plane: 4 at once.
        const j0 = (pad + 1) >> 1;
        let j = 0;
        for (; j < tx; j++, col++) {
          if (j >= j0 && j + 4 <= tx && 2 * j - pad + 10 <= w) {
            inputQuad(plane, y0, 2 * j - pad, h, w, v + (col << 2), stride << 2);
            j += 3;
            col += 3;
            continue;
          }
          const x0 = 2 * j - pad;
          // t = B^T d, one column s of the 4x4 patch at a time; the patch is read once.
          let t00: f32, t01: f32, t02: f32, t03: f32, t10: f32, t11: f32, t12: f32, t13: f32;
          let t20: f32, t21: f32, t22: f32, t23: f32, t30: f32, t31: f32, t32: f32, t33: f32;
          if (y0 >= 0 && y0 + 4 <= h && x0 >= 0 && x0 + 4 <= w) {
            const p = plane + (<usize>(y0 * w + x0) << 2), rw = <usize>w << 2;
            const r0 = v128.load(p), r1 = v128.load(p + rw), r2 = v128.load(p + 2 * rw), r3 = v128.load(p + 3 * rw);
            const a = f32x4.sub(r0, r2), bq = f32x4.add(r1, r2), cq = f32x4.sub(r2, r1), dq = f32x4.sub(r1, r3);
            t00 = f32x4.extract_lane(a, 0); t01 = f32x4.extract_lane(a, 1); t02 = f32x4.extract_lane(a, 2); t03 = f32x4.extract_lane(a, 3);
            t10 = f32x4.extract_lane(bq, 0); t11 = f32x4.extract_lane(bq, 1); t12 = f32x4.extract_lane(bq, 2); t13 = f32x4.extract_lane(bq, 3);
            t20 = f32x4.extract_lane(cq, 0); t21 = f32x4.extract_lane(cq, 1); t22 = f32x4.extract_lane(cq, 2); t23 = f32x4.extract_lane(cq, 3);
            t30 = f32x4.extract_lane(dq, 0); t31 = f32x4.extract_lane(dq, 1); t32 = f32x4.extract_lane(dq, 2); t33 = f32x4.extract_lane(dq, 3);
          } else {
            let d0 = pixel(plane, y0, x0, h, w), d1 = pixel(plane, y0 + 1, x0, h, w), d2 = pixel(plane, y0 + 2, x0, h, w), d3 = pixel(plane, y0 + 3, x0, h, w);
            t00 = d0 - d2; t10 = d1 + d2; t20 = d2 - d1; t30 = d1 - d3;
            d0 = pixel(plane, y0, x0 + 1, h, w); d1 = pixel(plane, y0 + 1, x0 + 1, h, w); d2 = pixel(plane, y0 + 2, x0 + 1, h, w); d3 = pixel(plane, y0 + 3, x0 + 1, h, w);
            t01 = d0 - d2; t11 = d1 + d2; t21 = d2 - d1; t31 = d1 - d3;
            d0 = pixel(plane, y0, x0 + 2, h, w); d1 = pixel(plane, y0 + 1, x0 + 2, h, w); d2 = pixel(plane, y0 + 2, x0 + 2, h, w); d3 = pixel(plane, y0 + 3, x0 + 2, h, w);
            t02 = d0 - d2; t12 = d1 + d2; t22 = d2 - d1; t32 = d1 - d3;
            d0 = pixel(plane, y0, x0 + 3, h, w); d1 = pixel(plane, y0 + 1, x0 + 3, h, w); d2 = pixel(plane, y0 + 2, x0 + 3, h, w); d3 = pixel(plane, y0 + 3, x0 + 3, h, w);
            t03 = d0 - d2; t13 = d1 + d2; t23 = d2 - d1; t33 = d1 - d3;
          }
          // v = t B, row by row.
          put(v, col, t00 - t02); put(v, stride + col, t01 + t02); put(v, 2 * stride + col, t02 - t01); put(v, 3 * stride + col, t01 - t03);
          put(v, 4 * stride + col, t10 - t12); put(v, 5 * stride + col, t11 + t12); put(v, 6 * stride + col, t12 - t11); put(v, 7 * stride + col, t11 - t13);
          put(v, 8 * stride + col, t20 - t22); put(v, 9 * stride + col, t21 + t22); put(v, 10 * stride + col, t22 - t21); put(v, 11 * stride + col, t21 - t23);
          put(v, 12 * stride + col, t30 - t32); put(v, 13 * stride + col, t31 + t32); put(v, 14 * stride + col, t32 - t31); put(v, 15 * stride + col, t31 - t33);
        }
      }
    }
}

/** Four adjacent whole tiles: A^T m A on 4 lanes, each output row's 8 values interleaved from the even and odd lanes. */
// @ts-ignore: decorator
@inline function outputQuad(m: usize, sb: usize, y: usize, rowBytes: usize, add: v128): void {
  let m0 = v128.load(m), m1 = v128.load(m + 4 * sb), m2 = v128.load(m + 8 * sb), m3 = v128.load(m + 12 * sb);
  const q00 = f32x4.add(f32x4.add(m0, m1), m2), q10 = f32x4.sub(f32x4.sub(m1, m2), m3);
  m0 = v128.load(m + sb); m1 = v128.load(m + 5 * sb); m2 = v128.load(m + 9 * sb); m3 = v128.load(m + 13 * sb);
  const q01 = f32x4.add(f32x4.add(m0, m1), m2), q11 = f32x4.sub(f32x4.sub(m1, m2), m3);
  m0 = v128.load(m + 2 * sb); m1 = v128.load(m + 6 * sb); m2 = v128.load(m + 10 * sb); m3 = v128.load(m + 14 * sb);
  const q02 = f32x4.add(f32x4.add(m0, m1), m2), q12 = f32x4.sub(f32x4.sub(m1, m2), m3);
  m0 = v128.load(m + 3 * sb); m1 = v128.load(m + 7 * sb); m2 = v128.load(m + 11 * sb); m3 = v128.load(m + 15 * sb);
  const q03 = f32x4.add(f32x4.add(m0, m1), m2), q13 = f32x4.sub(f32x4.sub(m1, m2), m3);
  let e = f32x4.add(f32x4.add(f32x4.add(q00, q01), q02), add), o = f32x4.add(f32x4.sub(f32x4.sub(q01, q02), q03), add);
  v128.store(y, v128.shuffle<f32>(e, o, 0, 4, 1, 5));
  v128.store(y + 16, v128.shuffle<f32>(e, o, 2, 6, 3, 7));
  e = f32x4.add(f32x4.add(f32x4.add(q10, q11), q12), add);
  o = f32x4.add(f32x4.sub(f32x4.sub(q11, q12), q13), add);
  v128.store(y + rowBytes, v128.shuffle<f32>(e, o, 0, 4, 1, 5));
  v128.store(y + rowBytes + 16, v128.shuffle<f32>(e, o, 2, 6, 3, 7));
}

function outputChannels(m: usize, n: i32, c: i32, oh: i32, ow: i32, bias: usize, y: usize, c0: i32, c1: i32): void {
  const ty = (oh + 1) >> 1, tx = (ow + 1) >> 1, T = <usize>(ty * tx);
  const stride = <usize>c * <usize>n * T;
  for (let ch = c0; ch < c1; ch++) {
    const add: f32 = bias ? at(bias, <usize>ch) : 0;
    for (let b = 0; b < n; b++) {
      const plane = y + ((<usize>b * <usize>c + <usize>ch) * <usize>oh * <usize>ow << 2);
      let col = (<usize>ch * <usize>n + <usize>b) * T;
      for (let i = 0; i < ty; i++)
        for (let j = 0; j < tx; j++, col++) {
          if (j + 4 <= tx && 2 * j + 8 <= ow && 2 * i + 2 <= oh) {
            outputQuad(m + (col << 2), stride << 2, plane + (<usize>(2 * i * ow + 2 * j) << 2), <usize>ow << 2, f32x4.splat(add));
            j += 3;
            col += 3;
            continue;
          }
          // q = A^T m, column by column, then q A.
          let m0 = at(m, col), m1 = at(m, 4 * stride + col), m2 = at(m, 8 * stride + col), m3 = at(m, 12 * stride + col);
          const q00 = m0 + m1 + m2, q10 = m1 - m2 - m3;
          m0 = at(m, stride + col); m1 = at(m, 5 * stride + col); m2 = at(m, 9 * stride + col); m3 = at(m, 13 * stride + col);
          const q01 = m0 + m1 + m2, q11 = m1 - m2 - m3;
          m0 = at(m, 2 * stride + col); m1 = at(m, 6 * stride + col); m2 = at(m, 10 * stride + col); m3 = at(m, 14 * stride + col);
          const q02 = m0 + m1 + m2, q12 = m1 - m2 - m3;
          m0 = at(m, 3 * stride + col); m1 = at(m, 7 * stride + col); m2 = at(m, 11 * stride + col); m3 = at(m, 15 * stride + col);
          const q03 = m0 + m1 + m2, q13 = m1 - m2 - m3;
          const yy = 2 * i, xx = 2 * j;
          const o = <usize>(yy * ow + xx);
          put(plane, o, q00 + q01 + q02 + add);
          const right = xx + 1 < ow;
          if (right) put(plane, o + 1, q01 - q02 - q03 + add);
          if (yy + 1 < oh) {
            put(plane, o + <usize>ow, q10 + q11 + q12 + add);
            if (right) put(plane, o + <usize>ow + 1, q11 - q12 - q13 + add);
          }
        }
    }
  }
}

/** Four adjacent whole tiles of dy: A d A^T on 4 lanes (each row's 8 values split into even and odd lanes). */
// @ts-ignore: decorator
@inline function outputAdjointQuad(dy: usize, rowBytes: usize, dm: usize, sb: usize): void {
  let u = v128.load(dy), w = v128.load(dy + 16);
  const a0 = v128.shuffle<f32>(u, w, 0, 2, 4, 6), a1 = v128.shuffle<f32>(u, w, 1, 3, 5, 7);
  u = v128.load(dy + rowBytes);
  w = v128.load(dy + rowBytes + 16);
  const b0 = v128.shuffle<f32>(u, w, 0, 2, 4, 6), b1 = v128.shuffle<f32>(u, w, 1, 3, 5, 7);
  const q00 = a0, q01 = f32x4.add(a0, a1), q02 = f32x4.sub(a0, a1), q03 = f32x4.neg(a1);
  const q10 = b0, q11 = f32x4.add(b0, b1), q12 = f32x4.sub(b0, b1), q13 = f32x4.neg(b1);
  v128.store(dm, q00); v128.store(dm + sb, q01); v128.store(dm + 2 * sb, q02); v128.store(dm + 3 * sb, q03);
  v128.store(dm + 4 * sb, f32x4.add(q00, q10)); v128.store(dm + 5 * sb, f32x4.add(q01, q11)); v128.store(dm + 6 * sb, f32x4.add(q02, q12)); v128.store(dm + 7 * sb, f32x4.add(q03, q13));
  v128.store(dm + 8 * sb, f32x4.sub(q00, q10)); v128.store(dm + 9 * sb, f32x4.sub(q01, q11)); v128.store(dm + 10 * sb, f32x4.sub(q02, q12)); v128.store(dm + 11 * sb, f32x4.sub(q03, q13));
  v128.store(dm + 12 * sb, f32x4.neg(q10)); v128.store(dm + 13 * sb, f32x4.neg(q11)); v128.store(dm + 14 * sb, f32x4.neg(q12)); v128.store(dm + 15 * sb, f32x4.neg(q13));
}

function outputAdjointChannels(dy: usize, n: i32, c: i32, oh: i32, ow: i32, dm: usize, c0: i32, c1: i32): void {
  const ty = (oh + 1) >> 1, tx = (ow + 1) >> 1, T = <usize>(ty * tx);
  const stride = <usize>c * <usize>n * T;
  for (let ch = c0; ch < c1; ch++)
    for (let b = 0; b < n; b++) {
      const plane = dy + ((<usize>b * <usize>c + <usize>ch) * <usize>oh * <usize>ow << 2);
      let col = (<usize>ch * <usize>n + <usize>b) * T;
      for (let i = 0; i < ty; i++)
        for (let j = 0; j < tx; j++, col++) {
          if (j + 4 <= tx && 2 * j + 8 <= ow && 2 * i + 2 <= oh) {
            outputAdjointQuad(plane + (<usize>(2 * i * ow + 2 * j) << 2), <usize>ow << 2, dm + (col << 2), stride << 2);
            j += 3;
            col += 3;
            continue;
          }
          const yy = 2 * i, xx = 2 * j;
          const o = <usize>(yy * ow + xx);
          const right = xx + 1 < ow, down = yy + 1 < oh;
          const a0 = at(plane, o), a1: f32 = right ? at(plane, o + 1) : 0;
          const b0: f32 = down ? at(plane, o + <usize>ow) : 0, b1: f32 = down && right ? at(plane, o + <usize>ow + 1) : 0;
          // q = d A^T (2 rows of 4), then A q.
          const q00 = a0, q01 = a0 + a1, q02 = a0 - a1, q03 = -a1;
          const q10 = b0, q11 = b0 + b1, q12 = b0 - b1, q13 = -b1;
          put(dm, col, q00); put(dm, stride + col, q01); put(dm, 2 * stride + col, q02); put(dm, 3 * stride + col, q03);
          put(dm, 4 * stride + col, q00 + q10); put(dm, 5 * stride + col, q01 + q11); put(dm, 6 * stride + col, q02 + q12); put(dm, 7 * stride + col, q03 + q13);
          put(dm, 8 * stride + col, q00 - q10); put(dm, 9 * stride + col, q01 - q11); put(dm, 10 * stride + col, q02 - q12); put(dm, 11 * stride + col, q03 - q13);
          put(dm, 12 * stride + col, -q10); put(dm, 13 * stride + col, -q11); put(dm, 14 * stride + col, -q12); put(dm, 15 * stride + col, -q13);
        }
    }
}

/**
 * One part of a transform over channels: kind 0 winogradInput (h, w: the input; pad), 1 winogradOutput (h, w: the
 * output oh, ow; bias or 0), 2 winogradOutputAdjoint (h, w: oh, ow).
 */
export function winogradPart(kind: i32, src: usize, n: i32, c: i32, h: i32, w: i32, pad: i32, bias: usize, dst: usize, part: i32, parts: i32): void {
  const c0 = <i32>((<i64>c * <i64>part) / <i64>parts), c1 = <i32>((<i64>c * <i64>(part + 1)) / <i64>parts);
  if (kind == INPUT) inputChannels(src, n, c, h, w, pad, dst, c0, c1);
  else if (kind == OUTPUT) outputChannels(src, n, c, h, w, bias, dst, c0, c1);
  else if (kind == OUTPUT_ADJOINT) outputAdjointChannels(src, n, c, h, w, dst, c0, c1);
}

/** winogradPart with the channels cut into `chunks` parts taken from the shared counter. */
export function winogradChunks(kind: i32, src: usize, n: i32, c: i32, h: i32, w: i32, pad: i32, bias: usize, dst: usize, chunks: i32, counter: usize): void {
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    winogradPart(kind, src, n, c, h, w, pad, bias, dst, part, chunks);
  }
}

export function winogradFilter(wt: usize, outC: i32, inC: i32, u: usize): void {
  const stride = <usize>outC * <usize>inC;
  for (let k: usize = 0; k < stride; k++) {
    const g = wt + (k * 9 << 2);
    // t = G g (4 rows of 3), then t G^T.
    let g0 = at(g, 0), g1 = at(g, 3), g2 = at(g, 6);
    const t00 = g0, t10: f32 = 0.5 * (g0 + g1 + g2), t20: f32 = 0.5 * (g0 - g1 + g2), t30 = g2;
    g0 = at(g, 1); g1 = at(g, 4); g2 = at(g, 7);
    const t01 = g0, t11: f32 = 0.5 * (g0 + g1 + g2), t21: f32 = 0.5 * (g0 - g1 + g2), t31 = g2;
    g0 = at(g, 2); g1 = at(g, 5); g2 = at(g, 8);
    const t02 = g0, t12: f32 = 0.5 * (g0 + g1 + g2), t22: f32 = 0.5 * (g0 - g1 + g2), t32 = g2;
    put(u, k, t00); put(u, stride + k, 0.5 * (t00 + t01 + t02)); put(u, 2 * stride + k, 0.5 * (t00 - t01 + t02)); put(u, 3 * stride + k, t02);
    put(u, 4 * stride + k, t10); put(u, 5 * stride + k, 0.5 * (t10 + t11 + t12)); put(u, 6 * stride + k, 0.5 * (t10 - t11 + t12)); put(u, 7 * stride + k, t12);
    put(u, 8 * stride + k, t20); put(u, 9 * stride + k, 0.5 * (t20 + t21 + t22)); put(u, 10 * stride + k, 0.5 * (t20 - t21 + t22)); put(u, 11 * stride + k, t22);
    put(u, 12 * stride + k, t30); put(u, 13 * stride + k, 0.5 * (t30 + t31 + t32)); put(u, 14 * stride + k, 0.5 * (t30 - t31 + t32)); put(u, 15 * stride + k, t32);
  }
}

/** One output row r of G^T du G from the 3x4 t = G^T du: dw[r, :] = alpha * t[r] G (+ beta * old). */
// @ts-ignore: decorator
@inline function filterAdjointRow(dw: usize, t0: f32, t1: f32, t2: f32, t3: f32, alpha: f32, beta: f32, betaZero: i32): void {
  const e0: f32 = t0 + 0.5 * (t1 + t2), e1: f32 = 0.5 * (t1 - t2), e2: f32 = 0.5 * (t1 + t2) + t3;
  if (betaZero) {
    put(dw, 0, alpha * e0); put(dw, 1, alpha * e1); put(dw, 2, alpha * e2);
  } else {
    put(dw, 0, alpha * e0 + beta * at(dw, 0)); put(dw, 1, alpha * e1 + beta * at(dw, 1)); put(dw, 2, alpha * e2 + beta * at(dw, 2));
  }
}

export function winogradFilterAdjoint(du: usize, outC: i32, inC: i32, alpha: f64, beta: f64, betaZero: i32, dw: usize): void {
  const stride = <usize>outC * <usize>inC;
  const al = <f32>alpha, be = <f32>beta;
  for (let k: usize = 0; k < stride; k++) {
    // t = G^T du (3 rows of 4), column s at a time.
    let u0 = at(du, k), u1 = at(du, 4 * stride + k), u2 = at(du, 8 * stride + k), u3 = at(du, 12 * stride + k);
    const t00: f32 = u0 + 0.5 * (u1 + u2), t10: f32 = 0.5 * (u1 - u2), t20: f32 = 0.5 * (u1 + u2) + u3;
    u0 = at(du, stride + k); u1 = at(du, 5 * stride + k); u2 = at(du, 9 * stride + k); u3 = at(du, 13 * stride + k);
    const t01: f32 = u0 + 0.5 * (u1 + u2), t11: f32 = 0.5 * (u1 - u2), t21: f32 = 0.5 * (u1 + u2) + u3;
    u0 = at(du, 2 * stride + k); u1 = at(du, 6 * stride + k); u2 = at(du, 10 * stride + k); u3 = at(du, 14 * stride + k);
    const t02: f32 = u0 + 0.5 * (u1 + u2), t12: f32 = 0.5 * (u1 - u2), t22: f32 = 0.5 * (u1 + u2) + u3;
    u0 = at(du, 3 * stride + k); u1 = at(du, 7 * stride + k); u2 = at(du, 11 * stride + k); u3 = at(du, 15 * stride + k);
    const t03: f32 = u0 + 0.5 * (u1 + u2), t13: f32 = 0.5 * (u1 - u2), t23: f32 = 0.5 * (u1 + u2) + u3;
    const g = dw + (k * 9 << 2);
    filterAdjointRow(g, t00, t01, t02, t03, al, be, betaZero);
    filterAdjointRow(g + 12, t10, t11, t12, t13, al, be, betaZero);
    filterAdjointRow(g + 24, t20, t21, t22, t23, al, be, betaZero);
  }
}
