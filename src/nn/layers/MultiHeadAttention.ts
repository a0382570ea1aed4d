import type { Backend } from '../../backend/Backend.js';
import type { Rng } from '../../tensor/Rng.js';
import type { Tensor } from '../../tensor/Tensor.js';
import { Reshaped } from '../../tensor/Reshaped.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import { weightInit } from '../init.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { Linear } from './Linear.js';
import { checkGrad, checkInput } from './shapeError.js';

interface Buffers {
  /** Attention probabilities [N, H, T, T] (saved for the backward). */
  probs: Tensor;
  /** Head outputs side by side per token: [N*T, D], head h in columns [h dh, (h+1) dh). */
  concat: Tensor;
  /** The gradient of the input projection's output [N*T, 3D]. */
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
 * The two projections are dense layers over the N*T tokens; between them, the attention of every (example, head)
 * pair is one kernel call each way (attentionForward / attentionBackward), on the projection's own layout.
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
  // The [N, T, D] <-> [N T, D] views of each step, kept (the buffers are reused).
  private readonly tokensIn = new Reshaped();
  private readonly concatTokens = new Reshaped();
  private readonly sequencesOut = new Reshaped();
  private readonly tokensGrad = new Reshaped();
  private readonly dQkvTokens = new Reshaped();
  private readonly sequencesGrad = new Reshaped();

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
    this.cache = batchBuffers(backend, {
      probs: [heads, t, t],
      concat: [t, d],
      dQkv: [t, 3 * d],
    });
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const T = this.tokens, D = this.width;
    const buf = this.cache.get(n);
    const qkv = this.qkv.forward(this.tokensIn.of(x, n * T, D), ctx).data;
    this.backend.attentionForward(qkv, n, T, this.heads, this.headDim, this.causal, 1 / Math.sqrt(this.headDim), buf.probs.data, buf.concat.data);
    const concat = this.concatTokens.of(buf.concat, n * T, D);
    this.headsLayer.output = concat;
    const y = this.proj.forward(concat, ctx);
    this.output = this.sequencesOut.of(y, n, T, D);
    return this.output;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    const n = dy.shape[0]!;
    const T = this.tokens, D = this.width;
    const buf = this.cache.get(n);
    const dConcat = this.proj.backward(this.tokensGrad.of(dy, n * T, D), sink, true)!.data;
    const qkv = this.qkv.output!.data;
    this.backend.attentionBackward(qkv, buf.probs.data, dConcat, n, T, this.heads, this.headDim, this.causal, 1 / Math.sqrt(this.headDim), buf.dQkv.data);
    const dx = this.qkv.backward(this.dQkvTokens.of(buf.dQkv, n * T, 3 * D), sink, needInputGrad);
    return dx ? this.sequencesGrad.of(dx, n, T, D) : null;
  }
}
