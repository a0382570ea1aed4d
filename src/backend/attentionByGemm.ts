import type { Backend } from './Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';

/**
 * attentionForward / attentionBackward composed from gemm, transpose01 and the row softmax, one example at a time
 * through per-example scratch: for a backend whose gemm (BLAS) beats the fused wasm kernel on small per-head
 * products (the native backend: 65x65x16 products on AVX-512 OpenBLAS ran the ViT-tiny attention layer in ~23 ms
 * against ~30 ms in the fused 128-bit kernel).
 */
export function attentionByGemm(b: Backend): Pick<Backend, 'attentionForward' | 'attentionBackward'> {
  let size = 0;
  let qkvT: FloatArray | null = null, heads: FloatArray | null = null, dProbs: FloatArray | null = null, dQkvT: FloatArray | null = null;
  function scratch(t: number, h: number, dh: number): void {
    const need = 3 * h * t * dh + h * t * t;
    if (need <= size) return;
    for (const a of [qkvT, heads, dProbs, dQkvT]) if (a) b.free(a);
    qkvT = b.alloc(3 * h * t * dh);
    dQkvT = b.alloc(3 * h * t * dh);
    heads = b.alloc(h * t * dh);
    dProbs = b.alloc(h * t * t);
    size = need;
  }
  return {
    attentionForward(qkv, n, T, H, dh, causal, scale, probs, out) {
      const D = H * dh, blk = T * dh, sq = T * T;
      scratch(T, H, dh);
      const qt = qkvT!, hd = heads!;
      for (let e = 0; e < n; e++) {
        // [T, 3H, dh] -> [3H, T, dh]: each head's queries, keys and values contiguous.
        b.transpose01(qkv.subarray(e * 3 * T * D, (e + 1) * 3 * T * D), T, 3 * H, dh, qt);
        const pe = probs.subarray(e * H * sq, (e + 1) * H * sq);
        for (let h = 0; h < H; h++) b.gemm(false, true, T, T, dh, scale, qt.subarray(h * blk, (h + 1) * blk), qt.subarray((H + h) * blk, (H + h + 1) * blk), 0, pe.subarray(h * sq, (h + 1) * sq));
        b.softmaxRows(pe, H * T, T, causal, pe);
        for (let h = 0; h < H; h++) b.gemm(false, false, T, dh, T, 1, pe.subarray(h * sq, (h + 1) * sq), qt.subarray((2 * H + h) * blk, (2 * H + h + 1) * blk), 0, hd.subarray(h * blk, (h + 1) * blk));
        // [H, T, dh] -> [T, H, dh] = [T, D]
        b.transpose01(hd, H, T, dh, out.subarray(e * T * D, (e + 1) * T * D));
      }
    },
    attentionBackward(qkv, probs, dOut, n, T, H, dh, _causal, scale, dQkv) {
      const D = H * dh, blk = T * dh, sq = T * T;
      scratch(T, H, dh);
      const qt = qkvT!, hd = heads!, dp = dProbs!, dt = dQkvT!;
      for (let e = 0; e < n; e++) {
        b.transpose01(qkv.subarray(e * 3 * T * D, (e + 1) * 3 * T * D), T, 3 * H, dh, qt);
        b.transpose01(dOut.subarray(e * T * D, (e + 1) * T * D), T, H, dh, hd);
        const pe = probs.subarray(e * H * sq, (e + 1) * H * sq);
        for (let h = 0; h < H; h++) {
          const p = pe.subarray(h * sq, (h + 1) * sq), dO = hd.subarray(h * blk, (h + 1) * blk);
          b.gemm(false, true, T, T, dh, 1, dO, qt.subarray((2 * H + h) * blk, (2 * H + h + 1) * blk), 0, dp.subarray(h * sq, (h + 1) * sq)); // dP = dO V^T
          b.gemm(true, false, T, dh, T, 1, p, dO, 0, dt.subarray((2 * H + h) * blk, (2 * H + h + 1) * blk)); // dV = P^T dO
        }
        // dS = P (dP - rowsum(P dP)); masked entries have P = 0 and get 0.
        b.softmaxRowsBackward(pe, dp, H * T, T, dp);
        for (let h = 0; h < H; h++) {
          const ds = dp.subarray(h * sq, (h + 1) * sq);
          b.gemm(false, false, T, dh, T, scale, ds, qt.subarray((H + h) * blk, (H + h + 1) * blk), 0, dt.subarray(h * blk, (h + 1) * blk)); // dQ = scale dS K
          b.gemm(true, false, T, dh, T, scale, ds, qt.subarray(h * blk, (h + 1) * blk), 0, dt.subarray((H + h) * blk, (H + h + 1) * blk)); // dK = scale dS^T Q
        }
        // [3H, T, dh] -> [T, 3H, dh] = [T, 3D]
        b.transpose01(dt, 3 * H, T, dh, dQkv.subarray(e * 3 * T * D, (e + 1) * 3 * T * D));
      }
    },
  };
}
