import type { Backend } from '../../backend/Backend.js';
import type { Rng } from '../../tensor/Rng.js';
import type { Tensor } from '../../tensor/Tensor.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import { weightInit } from '../init.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { Linear } from './Linear.js';
import { checkGrad, checkInput } from './shapeError.js';

interface Buffers {
  /** Q, K, V per head: [N, 3H, T, dh] (q heads, then k heads, then v heads). */
  qkvT: Tensor;
  /** Attention probabilities [N, H, T, T] (the scores, softmaxed in place). */
  probs: Tensor;
  /** Head outputs [N, H, T, dh]. */
  heads: Tensor;
  /** Head outputs side by side per token: [N*T, D], head h in columns [h dh, (h+1) dh). */
  concat: Tensor;
  dHeads: Tensor;
  dProbs: Tensor;
  dQkvT: Tensor;
  dQkv: Tensor;
}

/**
 * The heads' outputs, side by side per token ([N*T, D] with head h in columns [h dh, (h+1) dh)): the unit
 * activations of the attention's unit group (a head is a unit; its dh values are the unit's features, as the H*W
 * values of a conv channel). Not a computing layer: MultiHeadAttention writes its output.
 */
export class AttentionHeads implements Layer {
  readonly type = 'attention-heads';
  readonly outShape: readonly number[];
  readonly params: Param[] = [];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  output: Tensor | null = null;

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
  ) {
    this.outShape = inShape;
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    return x;
  }

  backward(dy: Tensor, _sink: GradSink, needInputGrad: boolean): Tensor | null {
    return needInputGrad ? dy : null;
  }
}

/**
 * Multi-head scaled dot-product self-attention over tokens [T, D] (Vaswani et al. 2017), as PyTorch's
 * nn.MultiheadAttention: qkv = x W_in^T + b_in with W_in [3D, D] (rows [0, D) the queries, [D, 2D) the keys,
 * [2D, 3D) the values; head h owns rows [h dh, (h+1) dh) of each, dh = D / H), per head
 * O_h = softmax(Q_h K_h^T / sqrt(dh)) V_h (causal: position t attends to positions <= t), and
 * y = concat_h(O_h) W_out^T + b_out with W_out [D, D] (head h read through columns [h dh, (h+1) dh)).
 * Init as PyTorch: W_in Xavier-uniform, W_out U(+-1/sqrt(D)), biases 0.
 *
 * Built from the kernel interface: the two projections are dense layers over the N*T tokens, and each
 * (example, head) pair is two gemms and a row softmax (transpose01 regroups the heads).
 */
export class MultiHeadAttention implements Layer {
  readonly type = 'attention';
  readonly outShape: readonly number[];
  readonly params: Param[];
  readonly buffers: StateBuffer[] = [];
  readonly children: readonly Layer[];
  readonly tokens: number;
  readonly width: number;
  readonly headDim: number;
  /** The input projection (queries, keys, values), a dense layer over tokens. */
  readonly qkv: Linear;
  /** The output projection. */
  readonly proj: Linear;
  /** The heads' outputs (the unit activations). */
  readonly headsLayer: AttentionHeads;
  output: Tensor | null = null;
  private cache: BatchCache<Buffers>;

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
    readonly heads: number,
    readonly causal: boolean,
    bias: boolean,
    private readonly backend: Backend,
    rng: Rng,
  ) {
    if (inShape.length !== 2) throw new Error(`${name} (attention): input must be [tokens, features] per example, got [${inShape.join(', ')}]`);
    const [t, d] = inShape as [number, number];
    if (!(Number.isInteger(heads) && heads >= 1 && d % heads === 0)) {
      throw new Error(`${name} (attention): heads = ${heads} is not allowed; it must be a positive integer that divides the width ${d}`);
    }
    this.tokens = t;
    this.width = d;
    this.headDim = d / heads;
    this.outShape = inShape;
    const zero = { dist: 'constant', value: 0 } as const;
    this.qkv = new Linear(`${name}.qkv`, d, 3 * d, { weightInit: weightInit('xavier-uniform', d, 3 * d, 1), biasInit: bias ? zero : null }, backend, rng.split('qkv'));
    this.headsLayer = new AttentionHeads(`${name}.heads`, [d]);
    this.proj = new Linear(`${name}.proj`, d, d, { weightInit: { dist: 'uniform', bound: 1 / Math.sqrt(d) }, biasInit: bias ? zero : null }, backend, rng.split('proj'));
    this.children = [this.qkv, this.headsLayer, this.proj];
    this.params = [...this.qkv.params, ...this.proj.params];
    const dh = this.headDim;
    this.cache = batchBuffers(backend, {
      qkvT: [3 * heads, t, dh],
      probs: [heads, t, t],
      heads: [heads, t, dh],
      concat: [t, d],
      dHeads: [heads, t, dh],
      dProbs: [heads, t, t],
      dQkvT: [3 * heads, t, dh],
      dQkv: [t, 3 * d],
    });
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const T = this.tokens, D = this.width, H = this.heads, dh = this.headDim;
    const b = this.backend;
    const buf = this.cache.get(n);
    const qkv = this.qkv.forward(x.reshape([n * T, D]), ctx).data;
    const qkvT = buf.qkvT.data, probs = buf.probs.data, heads = buf.heads.data;
    const scale = 1 / Math.sqrt(dh);
    const blk = T * dh, sq = T * T;
    for (let e = 0; e < n; e++) {
      // [T, 3H, dh] -> [3H, T, dh]: each head's queries, keys and values contiguous.
      b.transpose01(qkv.subarray(e * 3 * T * D, (e + 1) * 3 * T * D), T, 3 * H, dh, qkvT.subarray(e * 3 * T * D, (e + 1) * 3 * T * D));
      for (let h = 0; h < H; h++) {
        const base = e * 3 * H * blk;
        const q = qkvT.subarray(base + h * blk, base + (h + 1) * blk);
        const k = qkvT.subarray(base + (H + h) * blk, base + (H + h + 1) * blk);
        const s = probs.subarray((e * H + h) * sq, (e * H + h + 1) * sq);
        b.gemm(false, true, T, T, dh, scale, q, k, 0, s);
      }
    }
    b.softmaxRows(probs, n * H * T, T, this.causal, probs);
    for (let e = 0; e < n; e++) {
      for (let h = 0; h < H; h++) {
        const base = e * 3 * H * blk;
        const v = qkvT.subarray(base + (2 * H + h) * blk, base + (2 * H + h + 1) * blk);
        const p = probs.subarray((e * H + h) * sq, (e * H + h + 1) * sq);
        b.gemm(false, false, T, dh, T, 1, p, v, 0, heads.subarray((e * H + h) * blk, (e * H + h + 1) * blk));
      }
      // [H, T, dh] -> [T, H, dh] = [T, D]
      b.transpose01(heads.subarray(e * T * D, (e + 1) * T * D), H, T, dh, buf.concat.data.subarray(e * T * D, (e + 1) * T * D));
    }
    const concat = buf.concat.reshape([n * T, D]);
    this.headsLayer.output = concat;
    const y = this.proj.forward(concat, ctx);
    this.output = y.reshape([n, T, D]);
    return this.output;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    const n = dy.shape[0]!;
    const T = this.tokens, D = this.width, H = this.heads, dh = this.headDim;
    const b = this.backend;
    const buf = this.cache.get(n);
    const dConcat = this.proj.backward(dy.reshape([n * T, D]), sink, true)!.data;
    const qkvT = buf.qkvT.data, probs = buf.probs.data, dHeads = buf.dHeads.data, dProbs = buf.dProbs.data, dQkvT = buf.dQkvT.data;
    const scale = 1 / Math.sqrt(dh);
    const blk = T * dh, sq = T * T;
    for (let e = 0; e < n; e++) {
      b.transpose01(dConcat.subarray(e * T * D, (e + 1) * T * D), T, H, dh, dHeads.subarray(e * T * D, (e + 1) * T * D));
      for (let h = 0; h < H; h++) {
        const base = e * 3 * H * blk;
        const v = qkvT.subarray(base + (2 * H + h) * blk, base + (2 * H + h + 1) * blk);
        const dv = dQkvT.subarray(base + (2 * H + h) * blk, base + (2 * H + h + 1) * blk);
        const p = probs.subarray((e * H + h) * sq, (e * H + h + 1) * sq);
        const dp = dProbs.subarray((e * H + h) * sq, (e * H + h + 1) * sq);
        const dO = dHeads.subarray((e * H + h) * blk, (e * H + h + 1) * blk);
        b.gemm(false, true, T, T, dh, 1, dO, v, 0, dp); // dP = dO V^T
        b.gemm(true, false, T, dh, T, 1, p, dO, 0, dv); // dV = P^T dO
      }
    }
    // dS = P (dP - rowsum(P dP)); masked entries have P = 0 and get 0.
    b.softmaxRowsBackward(probs, dProbs, n * H * T, T, dProbs);
    for (let e = 0; e < n; e++) {
      for (let h = 0; h < H; h++) {
        const base = e * 3 * H * blk;
        const q = qkvT.subarray(base + h * blk, base + (h + 1) * blk);
        const k = qkvT.subarray(base + (H + h) * blk, base + (H + h + 1) * blk);
        const dq = dQkvT.subarray(base + h * blk, base + (h + 1) * blk);
        const dk = dQkvT.subarray(base + (H + h) * blk, base + (H + h + 1) * blk);
        const ds = dProbs.subarray((e * H + h) * sq, (e * H + h + 1) * sq);
        b.gemm(false, false, T, dh, T, scale, ds, k, 0, dq); // dQ = scale dS K
        b.gemm(true, false, T, dh, T, scale, ds, q, 0, dk); // dK = scale dS^T Q
      }
      // [3H, T, dh] -> [T, 3H, dh] = [T, 3D]
      b.transpose01(dQkvT.subarray(e * 3 * T * D, (e + 1) * 3 * T * D), 3 * H, T, dh, buf.dQkv.data.subarray(e * 3 * T * D, (e + 1) * 3 * T * D));
    }
    const dx = this.qkv.backward(buf.dQkv.reshape([n * T, 3 * D]), sink, needInputGrad);
    return dx ? dx.reshape([n, T, D]) : null;
  }
}
