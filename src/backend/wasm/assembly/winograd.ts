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

/** Row y of a staged band (width sw) at columns x .. x + 9, split into the 4 tiles' columns s = 0..3 (even / odd lanes). */
// @ts-ignore: decorator
@inline function quadRow(band: usize, y: i32, x: i32, sw: i32, s: i32): v128 {
  const p = band + (<usize>(y * sw + x + (s & 2)) << 2);
  const a = v128.load(p), b = v128.load(p + 16);
  return (s & 1) == 0 ? v128.shuffle<f32>(a, b, 0, 2, 4, 6) : v128.shuffle<f32>(a, b, 1, 3, 5, 7);
}

// The input transform and the output transform's adjoint stage each plane, zero-padded, in a thread's scratch, so that
// every group of four tiles is read by the vector path with no bounds tests (before, tiles at a plane's edges, and
// every tile of an 8x8 or 4x4 plane, went value by value: ResNet-18's last two stages ran at ~2.5 ns a value, against
// ~0.7 inside a large plane). The values are those of the ts reference: a staged zero stands where it reads 0.

/** Floats of a thread's scratch the staged transforms use. */
const STAGE_FLOATS: i32 = 16384;
/** Tiles of a row staged at once: wider planes go by column segments (a segment's quads read 2 SEG + 2 columns). */
const SEG: i32 = 1024;

/** Stores lanes [0, valid) of x at p (valid 4: one vector store). */
// @ts-ignore: decorator
@inline function putLanes(p: usize, x: v128, valid: i32): void {
  if (valid == 4) {
    v128.store(p, x);
    return;
  }
  store<f32>(p, f32x4.extract_lane(x, 0));
  if (valid > 1) store<f32>(p, f32x4.extract_lane(x, 1), 4);
  if (valid > 2) store<f32>(p, f32x4.extract_lane(x, 2), 8);
}

/**
 * Copies `count` values of a plane's row y from column x0 on into dst, 0 where the row or column lies outside
 * [0, h) x [0, w).
 */
function stageRow(plane: usize, y: i32, x0: i32, count: i32, h: i32, w: i32, dst: usize): void {
  if (y < 0 || y >= h) {
    memory.fill(dst, 0, <usize>count << 2);
    return;
  }
  // Values k in [lo, hi) lie inside the row (column x0 + k).
  const lo = max(0, min(count, -x0)), hi = max(lo, min(count, w - x0));
  let k = 0;
  for (; k < lo; k++) store<f32>(dst + (<usize>k << 2), 0);
  const row = plane + (<usize>(y * w) << 2);
  for (; k + 4 <= hi; k += 4) v128.store(dst + (<usize>k << 2), v128.load(row + (<usize>(x0 + k) << 2)));
  for (; k < hi; k++) store<f32>(dst + (<usize>k << 2), load<f32>(row + (<usize>(x0 + k) << 2)));
  for (; k < count; k++) store<f32>(dst + (<usize>k << 2), 0);
}

/**
 * Four adjacent tiles from a staged band (rows y0 .. y0 + 3 of width sw, columns x0 .. x0 + 9): B^T d B on 4 lanes,
 * one vector store per plane of v (the first `valid` tiles).
 */
// @ts-ignore: decorator
@inline function inputQuad(band: usize, y0: i32, x0: i32, sw: i32, v: usize, sb: usize, valid: i32): void {
  let d0 = quadRow(band, y0, x0, sw, 0), d1 = quadRow(band, y0 + 1, x0, sw, 0), d2 = quadRow(band, y0 + 2, x0, sw, 0), d3 = quadRow(band, y0 + 3, x0, sw, 0);
  const t00 = f32x4.sub(d0, d2), t10 = f32x4.add(d1, d2), t20 = f32x4.sub(d2, d1), t30 = f32x4.sub(d1, d3);
  d0 = quadRow(band, y0, x0, sw, 1); d1 = quadRow(band, y0 + 1, x0, sw, 1); d2 = quadRow(band, y0 + 2, x0, sw, 1); d3 = quadRow(band, y0 + 3, x0, sw, 1);
  const t01 = f32x4.sub(d0, d2), t11 = f32x4.add(d1, d2), t21 = f32x4.sub(d2, d1), t31 = f32x4.sub(d1, d3);
  d0 = quadRow(band, y0, x0, sw, 2); d1 = quadRow(band, y0 + 1, x0, sw, 2); d2 = quadRow(band, y0 + 2, x0, sw, 2); d3 = quadRow(band, y0 + 3, x0, sw, 2);
  const t02 = f32x4.sub(d0, d2), t12 = f32x4.add(d1, d2), t22 = f32x4.sub(d2, d1), t32 = f32x4.sub(d1, d3);
  d0 = quadRow(band, y0, x0, sw, 3); d1 = quadRow(band, y0 + 1, x0, sw, 3); d2 = quadRow(band, y0 + 2, x0, sw, 3); d3 = quadRow(band, y0 + 3, x0, sw, 3);
  const t03 = f32x4.sub(d0, d2), t13 = f32x4.add(d1, d2), t23 = f32x4.sub(d2, d1), t33 = f32x4.sub(d1, d3);
  putLanes(v, f32x4.sub(t00, t02), valid); putLanes(v + sb, f32x4.add(t01, t02), valid); putLanes(v + 2 * sb, f32x4.sub(t02, t01), valid); putLanes(v + 3 * sb, f32x4.sub(t01, t03), valid);
  putLanes(v + 4 * sb, f32x4.sub(t10, t12), valid); putLanes(v + 5 * sb, f32x4.add(t11, t12), valid); putLanes(v + 6 * sb, f32x4.sub(t12, t11), valid); putLanes(v + 7 * sb, f32x4.sub(t11, t13), valid);
  putLanes(v + 8 * sb, f32x4.sub(t20, t22), valid); putLanes(v + 9 * sb, f32x4.add(t21, t22), valid); putLanes(v + 10 * sb, f32x4.sub(t22, t21), valid); putLanes(v + 11 * sb, f32x4.sub(t21, t23), valid);
  putLanes(v + 12 * sb, f32x4.sub(t30, t32), valid); putLanes(v + 13 * sb, f32x4.add(t31, t32), valid); putLanes(v + 14 * sb, f32x4.sub(t32, t31), valid); putLanes(v + 15 * sb, f32x4.sub(t31, t33), valid);
}

function inputChannels(x: usize, n: i32, c: i32, h: i32, w: i32, pad: i32, v: usize, c0: i32, c1: i32, stage: usize): void {
  const oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
  const ty = (oh + 1) >> 1, tx = (ow + 1) >> 1, T = <usize>(ty * tx);
  const stride = <usize>c * <usize>n * T;
  const sb = stride << 2;
  for (let ch = c0; ch < c1; ch++)
    for (let b = 0; b < n; b++) {
      const plane = x + ((<usize>b * <usize>c + <usize>ch) * <usize>h * <usize>w << 2);
      const first = (<usize>ch * <usize>n + <usize>b) * T;
      // Segments of up to SEG tiles a row; bands of tile rows whose 2 rows + 2 fit the stage.
      for (let js = 0; js < tx; js += SEG) {
        const je = min(tx, js + SEG);
        const sw = ((je - js + 3) >> 2) * 8 + 2;
        const band = max(1, (STAGE_FLOATS / sw - 2) >> 1);
        for (let is = 0; is < ty; is += band) {
          const ie = min(ty, is + band);
          const y0 = 2 * is - pad;
          for (let r = 0; r < 2 * (ie - is) + 2; r++) stageRow(plane, y0 + r, 2 * js - pad, sw, h, w, stage + (<usize>(r * sw) << 2));
          for (let i = is; i < ie; i++)
            for (let j = js; j < je; j += 4) inputQuad(stage, 2 * (i - is), 2 * (j - js), sw, v + ((first + <usize>(i * tx + j)) << 2), sb, min(4, je - j));
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

/**
 * Four adjacent tiles of dy (rows at dy and dy + rowBytes, 8 values each): A d A^T on 4 lanes (each row's 8 values
 * split into even and odd lanes), the first `valid` tiles stored.
 */
// @ts-ignore: decorator
@inline function outputAdjointQuad(dy: usize, rowBytes: usize, dm: usize, sb: usize, valid: i32): void {
  let u = v128.load(dy), w = v128.load(dy + 16);
  const a0 = v128.shuffle<f32>(u, w, 0, 2, 4, 6), a1 = v128.shuffle<f32>(u, w, 1, 3, 5, 7);
  u = v128.load(dy + rowBytes);
  w = v128.load(dy + rowBytes + 16);
  const b0 = v128.shuffle<f32>(u, w, 0, 2, 4, 6), b1 = v128.shuffle<f32>(u, w, 1, 3, 5, 7);
  const q00 = a0, q01 = f32x4.add(a0, a1), q02 = f32x4.sub(a0, a1), q03 = f32x4.neg(a1);
  const q10 = b0, q11 = f32x4.add(b0, b1), q12 = f32x4.sub(b0, b1), q13 = f32x4.neg(b1);
  putLanes(dm, q00, valid); putLanes(dm + sb, q01, valid); putLanes(dm + 2 * sb, q02, valid); putLanes(dm + 3 * sb, q03, valid);
  putLanes(dm + 4 * sb, f32x4.add(q00, q10), valid); putLanes(dm + 5 * sb, f32x4.add(q01, q11), valid); putLanes(dm + 6 * sb, f32x4.add(q02, q12), valid); putLanes(dm + 7 * sb, f32x4.add(q03, q13), valid);
  putLanes(dm + 8 * sb, f32x4.sub(q00, q10), valid); putLanes(dm + 9 * sb, f32x4.sub(q01, q11), valid); putLanes(dm + 10 * sb, f32x4.sub(q02, q12), valid); putLanes(dm + 11 * sb, f32x4.sub(q03, q13), valid);
  putLanes(dm + 12 * sb, f32x4.neg(q10), valid); putLanes(dm + 13 * sb, f32x4.neg(q11), valid); putLanes(dm + 14 * sb, f32x4.neg(q12), valid); putLanes(dm + 15 * sb, f32x4.neg(q13), valid);
}

function outputAdjointChannels(dy: usize, n: i32, c: i32, oh: i32, ow: i32, dm: usize, c0: i32, c1: i32, stage: usize): void {
  const ty = (oh + 1) >> 1, tx = (ow + 1) >> 1, T = <usize>(ty * tx);
  const stride = <usize>c * <usize>n * T;
  const sb = stride << 2;
  for (let ch = c0; ch < c1; ch++)
    for (let b = 0; b < n; b++) {
      const plane = dy + ((<usize>b * <usize>c + <usize>ch) * <usize>oh * <usize>ow << 2);
      const first = (<usize>ch * <usize>n + <usize>b) * T;
      if ((tx & 3) == 0 && (ow & 1) == 0 && (oh & 1) == 0) {
        // Every quad lies inside the plane: read in place (staging would only add a copy).
        const rowBytes = <usize>ow << 2;
        for (let i = 0; i < ty; i++)
          for (let j = 0; j < tx; j += 4) outputAdjointQuad(plane + (<usize>(2 * i * ow + 2 * j) << 2), rowBytes, dm + ((first + <usize>(i * tx + j)) << 2), sb, 4);
        continue;
      }
      // Tile row i reads rows 2i, 2i + 1 and columns 2j .. 2j + 7 of a quad: staged by segments and bands.
      for (let js = 0; js < tx; js += SEG) {
        const je = min(tx, js + SEG);
        const sw = ((je - js + 3) >> 2) * 8;
        const band = max(1, (STAGE_FLOATS / sw) >> 1);
        for (let is = 0; is < ty; is += band) {
          const ie = min(ty, is + band);
          for (let r = 0; r < 2 * (ie - is); r++) stageRow(plane, 2 * is + r, 2 * js, sw, oh, ow, stage + (<usize>(r * sw) << 2));
          const rowBytes = <usize>sw << 2;
          for (let i = is; i < ie; i++)
            for (let j = js; j < je; j += 4) outputAdjointQuad(stage + (<usize>(2 * (i - is) * sw + 2 * (j - js)) << 2), rowBytes, dm + ((first + <usize>(i * tx + j)) << 2), sb, min(4, je - j));
        }
      }
    }
}

/** Floats of scratch winogradPart and winogradChunks need (the staged transforms). */
export function winogradScratchFloats(): i32 {
  return STAGE_FLOATS;
}

/**
 * One part of a transform over channels: kind 0 winogradInput (h, w: the input; pad), 1 winogradOutput (h, w: the
 * output oh, ow; bias or 0), 2 winogradOutputAdjoint (h, w: oh, ow).
 */
export function winogradPart(kind: i32, src: usize, n: i32, c: i32, h: i32, w: i32, pad: i32, bias: usize, dst: usize, part: i32, parts: i32, scratch: usize): void {
  const c0 = <i32>((<i64>c * <i64>part) / <i64>parts), c1 = <i32>((<i64>c * <i64>(part + 1)) / <i64>parts);
  if (kind == INPUT) inputChannels(src, n, c, h, w, pad, dst, c0, c1, scratch);
  else if (kind == OUTPUT) outputChannels(src, n, c, h, w, bias, dst, c0, c1);
  else if (kind == OUTPUT_ADJOINT) outputAdjointChannels(src, n, c, h, w, dst, c0, c1, scratch);
}

/** winogradPart with the channels cut into `chunks` parts taken from the shared counter. */
export function winogradChunks(kind: i32, src: usize, n: i32, c: i32, h: i32, w: i32, pad: i32, bias: usize, dst: usize, chunks: i32, counter: usize, scratch: usize): void {
  for (;;) {
    const part = atomic.add<i32>(counter, 1);
    if (part >= chunks) return;
    winogradPart(kind, src, n, c, h, w, pad, bias, dst, part, chunks, scratch);
  }
}

/** Kernels per block of winogradFilter: small enough that a block's weights stay in L1 while its 4 passes read them. */
const FILTER_BLOCK: usize = 256;

/**
 * u[e, k] = (G g_k G^T)[e]. The 16 planes lie outC inC values apart, a power of two in most nets: writing all 16
 * for one kernel at a time made 16 streams that map to one cache set (a 256 x 256 kernel ran 2.2x slower than a
 * 255 x 256 one). So each block of kernels is swept four times, row a of G g each time, writing planes 4a .. 4a + 3.
 */
export function winogradFilter(wt: usize, outC: i32, inC: i32, u: usize): void {
  const stride = <usize>outC * <usize>inC;
  for (let k0: usize = 0; k0 < stride; k0 += FILTER_BLOCK) {
    const k1 = min(stride, k0 + FILTER_BLOCK);
    for (let a = 0; a < 4; a++) {
      const plane = u + ((<usize>(4 * a) * stride) << 2);
      for (let k = k0; k < k1; k++) {
        const g = wt + (k * 9 << 2);
        // Row a of t = G g (columns 0 .. 2), then t G^T: planes 4a .. 4a + 3.
        let t0: f32, t1: f32, t2: f32;
        if (a == 0) {
          t0 = at(g, 0); t1 = at(g, 1); t2 = at(g, 2);
        } else if (a == 3) {
          t0 = at(g, 6); t1 = at(g, 7); t2 = at(g, 8);
        } else if (a == 1) {
          t0 = 0.5 * (at(g, 0) + at(g, 3) + at(g, 6)); t1 = 0.5 * (at(g, 1) + at(g, 4) + at(g, 7)); t2 = 0.5 * (at(g, 2) + at(g, 5) + at(g, 8));
        } else {
          t0 = 0.5 * (at(g, 0) - at(g, 3) + at(g, 6)); t1 = 0.5 * (at(g, 1) - at(g, 4) + at(g, 7)); t2 = 0.5 * (at(g, 2) - at(g, 5) + at(g, 8));
        }
        put(plane, k, t0); put(plane, stride + k, 0.5 * (t0 + t1 + t2)); put(plane, 2 * stride + k, 0.5 * (t0 - t1 + t2)); put(plane, 3 * stride + k, t2);
      }
    }
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
