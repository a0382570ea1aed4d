import type { Backend } from './Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import { SliceViews } from '../tensor/SliceViews.js';

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
  // Views of the scratch (per head) and of the callers' arrays (per example, per example and head), kept across calls:
  // a subarray per head per example per call was megabytes of garbage per step. The callers' arrays are each
  // attention layer's own buffers, so their views are kept per array.
  const scratchViews = { q: new SliceViews(), heads: new SliceViews(), dProbs: new SliceViews(), dQkv: new SliceViews() };
  const perArray = (): WeakMap<FloatArray, SliceViews> => new WeakMap();
  const views = { qkv: perArray(), probs: perArray(), probsPerHead: perArray(), out: perArray(), dOut: perArray(), dQkv: perArray() };
  return {
    attentionForward(qkv, n, T, H, dh, causal, scale, probs, out) {
      const D = H * dh, blk = T * dh, sq = T * T;
      scratch(T, H, dh);
      const qt = qkvT!, hd = heads!;
      // qb: the 3H [T, dh] blocks of qt (queries, keys, values of each head); hb: the H blocks of hd.
      const qb = scratchViews.q.of(qt, 3 * H, blk, 0, blk), hb = scratchViews.heads.of(hd, H, blk, 0, blk);
      const qkvE = slices(views.qkv, qkv, n, 3 * T * D), outE = slices(views.out, out, n, T * D);
      const pE = slices(views.probs, probs, n, H * sq), pEH = slices(views.probsPerHead, probs, n * H, sq);
      for (let e = 0; e < n; e++) {
        // [T, 3H, dh] -> [3H, T, dh]: each head's queries, keys and values contiguous.
        b.transpose01(qkvE[e]!, T, 3 * H, dh, qt);
        const pe = pE[e]!;
        for (let h = 0; h < H; h++) b.gemm(false, true, T, T, dh, scale, qb[h]!, qb[H + h]!, 0, pEH[e * H + h]!);
        b.softmaxRows(pe, H * T, T, causal, pe);
        for (let h = 0; h < H; h++) b.gemm(false, false, T, dh, T, 1, pEH[e * H + h]!, qb[2 * H + h]!, 0, hb[h]!);
        // [H, T, dh] -> [T, H, dh] = [T, D]
        b.transpose01(hd, H, T, dh, outE[e]!);
      }
    },
    attentionBackward(qkv, probs, dOut, n, T, H, dh, _causal, scale, dQkv) {
      const D = H * dh, blk = T * dh, sq = T * T;
      scratch(T, H, dh);
      const qt = qkvT!, hd = heads!, dp = dProbs!, dt = dQkvT!;
      const qb = scratchViews.q.of(qt, 3 * H, blk, 0, blk), hb = scratchViews.heads.of(hd, H, blk, 0, blk);
      const dpb = scratchViews.dProbs.of(dp, H, sq, 0, sq), dtb = scratchViews.dQkv.of(dt, 3 * H, blk, 0, blk);
      const qkvE = slices(views.qkv, qkv, n, 3 * T * D), dOutE = slices(views.dOut, dOut, n, T * D), dQkvE = slices(views.dQkv, dQkv, n, 3 * T * D);
      const pE = slices(views.probs, probs, n, H * sq), pEH = slices(views.probsPerHead, probs, n * H, sq);
      for (let e = 0; e < n; e++) {
        b.transpose01(qkvE[e]!, T, 3 * H, dh, qt);
        b.transpose01(dOutE[e]!, T, H, dh, hd);
        const pe = pE[e]!;
        for (let h = 0; h < H; h++) {
          const p = pEH[e * H + h]!, dO = hb[h]!;
          b.gemm(false, true, T, T, dh, 1, dO, qb[2 * H + h]!, 0, dpb[h]!); // dP = dO V^T
          b.gemm(true, false, T, dh, T, 1, p, dO, 0, dtb[2 * H + h]!); // dV = P^T dO
        }
        // dS = P (dP - rowsum(P dP)); masked entries have P = 0 and get 0.
        b.softmaxRowsBackward(pe, dp, H * T, T, dp);
        for (let h = 0; h < H; h++) {
          const ds = dpb[h]!;
          b.gemm(false, false, T, dh, T, scale, ds, qb[H + h]!, 0, dtb[h]!); // dQ = scale dS K
          b.gemm(true, false, T, dh, T, scale, ds, qb[h]!, 0, dtb[H + h]!); // dK = scale dS^T Q
        }
        // [3H, T, dh] -> [T, 3H, dh] = [T, 3D]
        b.transpose01(dt, 3 * H, T, dh, dQkvE[e]!);
      }
    },
  };
}

/** The `count` consecutive slices of `length` values of `a`, kept in `cache` per array. */
function slices(cache: WeakMap<FloatArray, SliceViews>, a: FloatArray, count: number, length: number): readonly FloatArray[] {
  let v = cache.get(a);
  if (!v) cache.set(a, (v = new SliceViews()));
  return v.of(a, count, length, 0, length);
}
