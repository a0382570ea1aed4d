import type { FloatArray } from '../../tensor/FloatArray.js';

// Winograd F(2x2, 3x3) (Lavin & Gray 2015): a 2x2 output tile of a 3x3 stride-1 convolution is A^T [(G g G^T) ⊙
// (B^T d B)] A for the 4x4 input patch d and kernel g, 16 multiplies instead of 36. Summed over input channels, the
// elementwise products become 16 matrix products [outC x inC] x [inC x tiles] (the caller's gemms). The reference
// transforms of the ts backend; the wasm ones (assembly/winograd.ts) follow the same order of operations.
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]   A^T = [1 1 1 0; 0 1 -1 -1]

// Per-tile scratch shared by the transforms below (synchronous, never re-entered): a Float64Array made per call was
// kilobytes of garbage a training step.
const scratch16 = new Float64Array(16);
const scratch12 = new Float64Array(12);

/** v[e, ch, b*T + t]: B^T d B of each tile's 4x4 input patch (zero outside x). */
export function winogradInput(x: FloatArray, n: number, c: number, h: number, w: number, pad: number, v: FloatArray): void {
  const oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
  const ty = Math.ceil(oh / 2), tx = Math.ceil(ow / 2), T = ty * tx;
  const stride = c * n * T; // between the 16 planes of v
  const d = scratch16;
  for (let ch = 0; ch < c; ch++)
    for (let b = 0; b < n; b++) {
      const plane = (b * c + ch) * h * w;
      for (let i = 0; i < ty; i++)
        for (let j = 0; j < tx; j++) {
          for (let r = 0; r < 4; r++)
            for (let s = 0; s < 4; s++) {
              const y = 2 * i + r - pad, xx = 2 * j + s - pad;
              d[4 * r + s] = y >= 0 && y < h && xx >= 0 && xx < w ? x[plane + y * w + xx]! : 0;
            }
          // t = B^T d (rows), then t B (columns).
          for (let s = 0; s < 4; s++) {
            const d0 = d[s]!, d1 = d[4 + s]!, d2 = d[8 + s]!, d3 = d[12 + s]!;
            d[s] = d0 - d2;
            d[4 + s] = d1 + d2;
            d[8 + s] = d2 - d1;
            d[12 + s] = d1 - d3;
          }
          const col = ch * n * T + b * T + i * tx + j;
          for (let r = 0; r < 4; r++) {
            const t0 = d[4 * r]!, t1 = d[4 * r + 1]!, t2 = d[4 * r + 2]!, t3 = d[4 * r + 3]!;
            v[(4 * r) * stride + col] = t0 - t2;
            v[(4 * r + 1) * stride + col] = t1 + t2;
            v[(4 * r + 2) * stride + col] = t2 - t1;
            v[(4 * r + 3) * stride + col] = t1 - t3;
          }
        }
    }
}

/** y[b, ch, 2i + r, 2j + s] = (A^T m A)[r, s] of tile (i, j) of m[16, c, n*T], plus bias[ch]. */
export function winogradOutput(m: FloatArray, n: number, c: number, oh: number, ow: number, bias: FloatArray | null, y: FloatArray): void {
  const ty = Math.ceil(oh / 2), tx = Math.ceil(ow / 2), T = ty * tx;
  const stride = c * n * T;
  const q = scratch16;
  for (let ch = 0; ch < c; ch++) {
    const add = bias ? bias[ch]! : 0;
    for (let b = 0; b < n; b++) {
      const plane = (b * c + ch) * oh * ow;
      for (let i = 0; i < ty; i++)
        for (let j = 0; j < tx; j++) {
          const col = ch * n * T + b * T + i * tx + j;
          // q = A^T m (2 rows of 4), then q A.
          for (let s = 0; s < 4; s++) {
            const m0 = m[s * stride + col]!, m1 = m[(4 + s) * stride + col]!, m2 = m[(8 + s) * stride + col]!, m3 = m[(12 + s) * stride + col]!;
            q[s] = m0 + m1 + m2;
            q[4 + s] = m1 - m2 - m3;
          }
          for (let r = 0; r < 2; r++) {
            const yy = 2 * i + r;
            if (yy >= oh) break;
            const q0 = q[4 * r]!, q1 = q[4 * r + 1]!, q2 = q[4 * r + 2]!, q3 = q[4 * r + 3]!;
            y[plane + yy * ow + 2 * j] = q0 + q1 + q2 + add;
            if (2 * j + 1 < ow) y[plane + yy * ow + 2 * j + 1] = q1 - q2 - q3 + add;
          }
        }
    }
  }
}

/** u[e, o, i] = G g G^T of each kernel g = w[o, i]. */
export function winogradFilter(w: FloatArray, outC: number, inC: number, u: FloatArray): void {
  const stride = outC * inC;
  const t = scratch12;
  for (let k = 0; k < stride; k++) {
    const g = k * 9;
    // t = G g (4 rows of 3), then t G^T.
    for (let s = 0; s < 3; s++) {
      const g0 = w[g + s]!, g1 = w[g + 3 + s]!, g2 = w[g + 6 + s]!;
      t[s] = g0;
      t[3 + s] = 0.5 * (g0 + g1 + g2);
      t[6 + s] = 0.5 * (g0 - g1 + g2);
      t[9 + s] = g2;
    }
    for (let r = 0; r < 4; r++) {
      const t0 = t[3 * r]!, t1 = t[3 * r + 1]!, t2 = t[3 * r + 2]!;
      u[(4 * r) * stride + k] = t0;
      u[(4 * r + 1) * stride + k] = 0.5 * (t0 + t1 + t2);
      u[(4 * r + 2) * stride + k] = 0.5 * (t0 - t1 + t2);
      u[(4 * r + 3) * stride + k] = t2;
    }
  }
}

/** dm[e, ch, b*T + t] = (A d A^T)[e] of each 2x2 tile d of dy (zero past oh, ow). */
export function winogradOutputAdjoint(dy: FloatArray, n: number, c: number, oh: number, ow: number, dm: FloatArray): void {
  const ty = Math.ceil(oh / 2), tx = Math.ceil(ow / 2), T = ty * tx;
  const stride = c * n * T;
  const q = scratch16;
  for (let ch = 0; ch < c; ch++)
    for (let b = 0; b < n; b++) {
      const plane = (b * c + ch) * oh * ow;
      for (let i = 0; i < ty; i++)
        for (let j = 0; j < tx; j++) {
          // q = d A^T (2 rows of 4), then A q.
          for (let r = 0; r < 2; r++) {
            const yy = 2 * i + r;
            const d0 = yy < oh ? dy[plane + yy * ow + 2 * j]! : 0;
            const d1 = yy < oh && 2 * j + 1 < ow ? dy[plane + yy * ow + 2 * j + 1]! : 0;
            q[4 * r] = d0;
            q[4 * r + 1] = d0 + d1;
            q[4 * r + 2] = d0 - d1;
            q[4 * r + 3] = -d1;
          }
          const col = ch * n * T + b * T + i * tx + j;
          for (let s = 0; s < 4; s++) {
            const q0 = q[s]!, q1 = q[4 + s]!;
            dm[s * stride + col] = q0;
            dm[(4 + s) * stride + col] = q0 + q1;
            dm[(8 + s) * stride + col] = q0 - q1;
            dm[(12 + s) * stride + col] = -q1;
          }
        }
    }
}

/** dw[o, i] = alpha * G^T du[:, o, i] G + beta * dw[o, i] (beta = 0: the old dw is not read). */
export function winogradFilterAdjoint(du: FloatArray, outC: number, inC: number, alpha: number, beta: number, dw: FloatArray): void {
  const stride = outC * inC;
  const t = scratch12;
  for (let k = 0; k < stride; k++) {
    // t = G^T du (3 rows of 4), then t G.
    for (let s = 0; s < 4; s++) {
      const u0 = du[s * stride + k]!, u1 = du[(4 + s) * stride + k]!, u2 = du[(8 + s) * stride + k]!, u3 = du[(12 + s) * stride + k]!;
      t[s] = u0 + 0.5 * (u1 + u2);
      t[4 + s] = 0.5 * (u1 - u2);
      t[8 + s] = 0.5 * (u1 + u2) + u3;
    }
    const g = k * 9;
    for (let r = 0; r < 3; r++) {
      const t0 = t[4 * r]!, t1 = t[4 * r + 1]!, t2 = t[4 * r + 2]!, t3 = t[4 * r + 3]!;
      const e0 = t0 + 0.5 * (t1 + t2), e1 = 0.5 * (t1 - t2), e2 = 0.5 * (t1 + t2) + t3;
      const o = g + 3 * r;
      dw[o] = beta === 0 ? alpha * e0 : alpha * e0 + beta * dw[o]!;
      dw[o + 1] = beta === 0 ? alpha * e1 : alpha * e1 + beta * dw[o + 1]!;
      dw[o + 2] = beta === 0 ? alpha * e2 : alpha * e2 + beta * dw[o + 2]!;
    }
  }
}
