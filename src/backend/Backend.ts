import type { FloatArray } from '../tensor/FloatArray.js';

/** The names a backend can have. `ts64` is the float64 reference used by gradient checks. */
export type BackendName = 'ts' | 'ts64' | 'wasm' | 'native';

/** Elementwise activations the kernels know. The numeric codes are part of the WASM ABI. */
export const Activation = {
  identity: 0,
  relu: 1,
  leakyRelu: 2,
  tanh: 3,
  sigmoid: 4,
  elu: 5,
  swish: 6,
  /** x * Phi(x) with Phi the standard normal CDF (the exact GELU, PyTorch's default `nn.GELU()`). */
  gelu: 7,
} as const;
/** The name of an elementwise activation kernel (`relu`, `tanh`, ...): a key of {@link Activation}. */
export type ActivationName = keyof typeof Activation;
/** The numeric code of an activation as the kernels (and the WASM ABI) take it: a value of {@link Activation}. */
export type ActivationCode = (typeof Activation)[ActivationName];

/**
 * The kernel interface: every backend implements exactly this, and `ts` is the oracle the others are tested
 * against. Each kernel also has a row in kernelTable.ts (argument kinds, checks, wasm export), which the compiler
 * keeps in step with this interface. All arrays come from `alloc` of the same backend (WASM kernels read them from linear memory).
 * Layouts are row-major; images are NCHW. Sizes are explicit so kernels never allocate.
 *
 * Conventions: `alpha`/`beta` follow BLAS (out = alpha * result + beta * out; beta = 0 ignores the old
 * contents, NaN included). Kernels that produce parameter gradients take alpha/beta so that a gradient can be
 * written, accumulated, or applied straight to the parameter (SGD fused into backward).
 */
export interface Backend {
  readonly name: BackendName;
  /** A one-line description: which library, SIMD, threads. */
  readonly description: string;

  // --- memory ---
  /** A zero-filled array of n values in this backend's memory. */
  alloc(n: number): FloatArray;
  /** n zero bytes in this backend's memory (image pixels that encodeBytes reads). */
  allocBytes(n: number): Uint8Array;
  /** n zero 32-bit integers in this backend's memory (permutations that encodeBytes reads). */
  allocInt32(n: number): Int32Array;
  /** Give an array from alloc, allocBytes or allocInt32 back. Using it afterwards is an error. */
  free(a: FloatArray | Uint8Array | Int32Array): void;
  /** True if this backend's kernels can read `a` (WASM: it lives in the backend's memory). */
  owns(a: FloatArray | Uint8Array | Int32Array): boolean;

  // --- vector ops ---
  /** y[i] = value for every i. */
  fill(y: FloatArray, value: number): void;
  /** y[i] = x[i] for i < x.length (y may be longer). */
  copy(x: FloatArray, y: FloatArray): void;
  /** y = alpha * y */
  scale(y: FloatArray, alpha: number): void;
  /** y = alpha * x + y */
  axpy(alpha: number, x: FloatArray, y: FloatArray): void;
  /** y = alpha * x + beta * y */
  axpby(alpha: number, x: FloatArray, beta: number, y: FloatArray): void;
  /** out = x * y elementwise (out may alias x or y). */
  mul(x: FloatArray, y: FloatArray, out: FloatArray): void;
  /** sum of x (float64 accumulation) */
  sum(x: FloatArray): number;
  /** sum of |x| */
  sumAbs(x: FloatArray): number;
  /** sum of x^2 */
  sumSquares(x: FloatArray): number;
  /** sum of x*y */
  dot(x: FloatArray, y: FloatArray): number;
  /** sum of |x - copy| (to float32 rounding of the differences and partial sums), then copy = x: what moved since the last copy, in one pass. */
  sumAbsDiffAndCopy(x: FloatArray, copy: FloatArray): number;
  /** True if any value is NaN or infinite. */
  hasNonFinite(x: FloatArray): boolean;

  // --- matrix ops ---
  /**
   * C[m, n] = alpha * op(A) op(B) + beta * C, row-major. op(A) is [m, k]: A is [m, k], or [k, m] when transA.
   * op(B) is [k, n]: B is [k, n], or [n, k] when transB.
   */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: FloatArray, b: FloatArray, beta: number, c: FloatArray): void;
  /**
   * The forward pass of a dense layer: y[n, out] = x[n, in] W^T + bias (W [out, in]; bias null: none).
   * gemm then addRowVector, in one call (one example's product is a few microseconds, so calls count).
   */
  linearForward(n: number, outFeatures: number, inFeatures: number, x: FloatArray, w: FloatArray, bias: FloatArray | null, y: FloatArray): void;
  /**
   * The backward pass of that layer, given dy [n, out]:
   *   dx = dy W (when dx is not null; computed from W before any update below);
   *   wBuf = wAlpha dy^T x + wBeta wBuf (when wBuf is not null; wBuf may be W itself: SGD fused into backward);
   *   biasBuf = biasAlpha sum_rows(dy) + biasBeta biasBuf (when biasBuf is not null).
   * Equal to gemm, gemm and sumRows; for one example the fast backends do it in one pass over W, skipping the
   * rows of units whose gradient is zero.
   */
  linearBackward(n: number, outFeatures: number, inFeatures: number, dy: FloatArray, x: FloatArray, w: FloatArray, dx: FloatArray | null, wAlpha: number, wBeta: number, wBuf: FloatArray | null, biasAlpha: number, biasBeta: number, biasBuf: FloatArray | null): void;
  /**
   * One SGD step of one example through a stack of L dense layers with ReLU between them and softmax
   * cross-entropy on the last one's output (online learning: the whole step in one call). sizes = [input,
   * hidden..., classes] (L + 1 widths); layer l has weights[l] [sizes[l + 1], sizes[l]] and biases[l] (or null).
   * Forward: pre[l] = weights[l] h + biases[l] with h = x for l = 0, else post[l - 1] = relu(pre[l - 1]); the last
   * pre is the logits. Loss: dlogits = softmax(logits) - onehot(label[0]), returned is -log softmax[label].
   * Backward from the last layer down, each layer with its weights before their update: the input gradient
   * (not for layer 0), then weights[l] = coefs[4l] dy h^T + coefs[4l + 1] weights[l] and
   * biases[l] = coefs[4l + 2] dy + coefs[4l + 3] biases[l]. scratch (2 * the widest hidden layer) holds the
   * input gradients. Equal to linearForward, activation, softmaxCrossEntropy, linearBackward and
   * activationBackward in that order (the ts and wasm backends: bit for bit). With `changes` (one entry per layer),
   * changes[l] is set to sum |w_new - w_old| over weights[l] (the update size, measured from the values written;
   * float32 partial sums, so to float32-summation accuracy); the step itself is the same. With `rowAbsSums`
   * (sizes[1] entries), rowAbsSums[r] is set to rowSumsAbs of row r of the updated weights[0] for every row the step
   * writes (coefs[1] != 1, or a nonzero output gradient of unit r); the entries of rows it leaves as they are keep
   * their value or get the same sum (continual backprop's adaptable utility keeps them between steps).
   */
  denseReluStep(sizes: readonly number[], x: FloatArray, label: FloatArray, weights: readonly FloatArray[], biases: readonly (FloatArray | null)[], pre: readonly FloatArray[], post: readonly FloatArray[], coefs: Float64Array, dlogits: FloatArray, scratch: FloatArray, changes?: Float64Array, rowAbsSums?: FloatArray): number;
  /**
   * denseReluStep with the first layer's weight update deferred to the next step (one pass over the first layer's
   * weights per step instead of two). pending [sizes[0] + sizes[1]] holds an input and the first layer's output
   * gradient. When `apply` is set, weights[0] = pendingAlpha pdy px^T + pendingBeta weights[0] (px, pdy: pending's
   * two parts) is applied first, as linearBackward(1, sizes[1], sizes[0], pdy, px, weights[0], null, pendingAlpha,
   * pendingBeta, weights[0], 0, 0, null) would. Then the step runs as denseReluStep except that weights[0] is left
   * as it is and pending receives x and the first layer's output gradient (its update, with coefs[0] and coefs[1],
   * is the caller's to apply: by the next call or by that linearBackward). Bit for bit the operations of
   * that linearBackward followed by denseReluStep.
   */
  denseReluStepDeferred(sizes: readonly number[], x: FloatArray, label: FloatArray, weights: readonly FloatArray[], biases: readonly (FloatArray | null)[], pre: readonly FloatArray[], post: readonly FloatArray[], coefs: Float64Array, dlogits: FloatArray, scratch: FloatArray, pending: FloatArray, pendingAlpha: number, pendingBeta: number, apply: boolean): number;
  /** a[r, c] += v[c] for a [rows, cols]. */
  addRowVector(a: FloatArray, rows: number, cols: number, v: FloatArray): void;
  /** out[c] = alpha * sum_r a[r, c] + beta * out[c]. */
  sumRows(a: FloatArray, rows: number, cols: number, alpha: number, beta: number, out: FloatArray): void;
  /** out[c] = sum_r |a[r, c]| (column L1 norms of [rows, cols]). */
  colSumsAbs(a: FloatArray, rows: number, cols: number, out: FloatArray): void;
  /** out[r] = sum_c |a[r, c]| (row L1 norms of [rows, cols]). */
  rowSumsAbs(a: FloatArray, rows: number, cols: number, out: FloatArray): void;
  /**
   * Continual backprop's utility step for the `units` units of a dense layer at batch 1, one call per layer and step
   * (src/methods/cbp.ts). `state` holds float64 rows of `units` values: utility, age, power (decay^age) and, with
   * `mean`, the running mean and its bias-corrected value. First colSum = colSumsAbs(wOut [rowsOut, units]) (wOut
   * null: colSum already holds them) and, for the adaptable utility (rowSum given; needs `mean`), rowSum =
   * rowSumsAbs(wIn [units, inSize]) (wIn null: rowSum already holds them). Then per unit, in float64 and in this order: age += 1; power *= decay; with mean:
   * mean = decay mean + (1 - decay) (0 + h), corrected = mean / (1 - power); y = |h| colSum (contribution), or
   * v = |h - corrected| colSum / rowsOut over rowSum / inSize (adaptable; Infinity for v > 0 over a zero row, else
   * 0); utility = decay utility + (1 - decay) y. Returns the units with age > maturity.
   */
  cbpUtility(
    units: number,
    rowsOut: number,
    wOut: FloatArray | null,
    h: FloatArray,
    inSize: number,
    wIn: FloatArray | null,
    decay: number,
    maturity: number,
    mean: boolean,
    state: Float64Array,
    colSum: FloatArray,
    rowSum: FloatArray | null,
  ): number;
  /** out[cols, cols] = a^T a for a [rows, cols], accumulated in float64 (singular values of a). */
  gram(a: FloatArray, rows: number, cols: number, out: Float64Array): void;
  /** out[j, i, :] = a[i, j, :] for a [d0, d1, inner]: swaps the two leading dimensions. */
  transpose01(a: FloatArray, d0: number, d1: number, inner: number, out: FloatArray): void;
  /**
   * out[j, i, :] = a[i, j, :] + bias[i]: transpose01 then addChannelBias(out, d1, d0, inner, bias) in one pass, with
   * the same bits (a conv's [outC, n, P] product into [n, outC, P] with its bias).
   */
  transpose01AddBias(a: FloatArray, d0: number, d1: number, inner: number, bias: FloatArray, out: FloatArray): void;
  /**
   * transpose01(a, d0, d1, inner, out) and sumChannels(a, d0, d1, inner, alpha, beta, sums) in one pass, with the
   * same bits (a conv's output gradient [n, outC, P] into [outC, n, P] and its bias gradient).
   */
  transpose01SumChannels(a: FloatArray, d0: number, d1: number, inner: number, out: FloatArray, alpha: number, beta: number, sums: FloatArray): void;

  // --- channels (NCHW with hw = H*W; dense [N, F] is c = F, hw = 1) ---
  /** a[n, c, :] += bias[c] */
  addChannelBias(a: FloatArray, n: number, c: number, hw: number, bias: FloatArray): void;
  /** out[c] = alpha * sum_{n, s} a[n, c, s] + beta * out[c] */
  sumChannels(a: FloatArray, n: number, c: number, hw: number, alpha: number, beta: number, out: FloatArray): void;

  // --- activations ---
  /** y = f(x) elementwise; `param` is the slope of leakyRelu and alpha of elu. y may alias x. */
  activation(kind: ActivationCode, x: FloatArray, y: FloatArray, param: number): void;
  /** dx = f'(x) * dy, given x (input) and y = f(x) (output). dx may alias dy. */
  activationBackward(kind: ActivationCode, x: FloatArray, y: FloatArray, dy: FloatArray, dx: FloatArray, param: number): void;
  /** CReLU: y[n, 0:c, s] = relu(x[n, :, s]), y[n, c:2c, s] = relu(-x[n, :, s]). */
  crelu(x: FloatArray, n: number, c: number, hw: number, y: FloatArray): void;
  /** dx[n, k, s] = (x > 0) * dy[n, k, s] - (x < 0) * dy[n, c + k, s] */
  creluBackward(x: FloatArray, dy: FloatArray, n: number, c: number, hw: number, dx: FloatArray): void;

  // --- convolution and pooling ---
  /**
   * Unfold x [n, c, h, w] into cols [c*kh*kw, n*oh*ow] (row = (channel, ky, kx), column = (image, oy, ox));
   * zero padding `pad`, step `stride`. oh = floor((h + 2 pad - kh) / stride) + 1.
   */
  im2col(x: FloatArray, n: number, c: number, h: number, w: number, kh: number, kw: number, stride: number, pad: number, cols: FloatArray): void;
  /** The adjoint of im2col: x = sum of cols folded back (x is overwritten). */
  col2im(cols: FloatArray, n: number, c: number, h: number, w: number, kh: number, kw: number, stride: number, pad: number, x: FloatArray): void;
  /**
   * Winograd F(2x2, 3x3) input transform of a 3x3 stride-1 convolution with zero padding `pad`: the output
   * (oh = h + 2 pad - 2, ow likewise) is cut into T = ceil(oh/2) * ceil(ow/2) tiles of 2x2 per image, and
   * v[e, ch, b*T + t] = (B^T d B)[e] for the 4x4 input patch d of tile t (e = 4 row + column; outside x reads 0).
   */
  winogradInput(x: FloatArray, n: number, c: number, h: number, w: number, pad: number, v: FloatArray): void;
  /** y[n, c, oh, ow] = the 2x2 tiles A^T m A of m[16, c, n*T] (tile parts past oh, ow dropped), plus bias[c] when given. */
  winogradOutput(m: FloatArray, n: number, c: number, oh: number, ow: number, bias: FloatArray | null, y: FloatArray): void;
  /** u[e, o, i] = (G g G^T)[e] for each 3x3 kernel g = w[o, i] of w [outC, inC, 3, 3]. */
  winogradFilter(w: FloatArray, outC: number, inC: number, u: FloatArray): void;
  /** The adjoint of winogradOutput without bias: dm[e, c, b*T + t] = (A d A^T)[e] for the 2x2 tile d of dy (past oh, ow: 0). */
  winogradOutputAdjoint(dy: FloatArray, n: number, c: number, oh: number, ow: number, dm: FloatArray): void;
  /** The adjoint of winogradFilter: dw[o, i] = alpha * G^T du[:, o, i] G + beta * dw[o, i] (beta = 0 ignores the old dw). */
  winogradFilterAdjoint(du: FloatArray, outC: number, inC: number, alpha: number, beta: number, dw: FloatArray): void;
  /** Max pooling with window k and step stride (no padding); argmax[n, c, oy, ox] = index within the h*w plane. */
  maxPool(x: FloatArray, n: number, c: number, h: number, w: number, k: number, stride: number, y: FloatArray, argmax: FloatArray): void;
  /** dx = 0, then dx[argmax] += dy. */
  maxPoolBackward(dy: FloatArray, argmax: FloatArray, n: number, c: number, h: number, w: number, oh: number, ow: number, dx: FloatArray): void;
  /**
   * Max pooling of a conv's gemm product without its transposed copy: a is [c, n, h, w] (channel-major); bias
   * (null: none) is first added to a in place, a[ch, b, :] += bias[ch]; then y and argmax are maxPool's of the
   * [n, c, h, w] tensor transpose01(a, c, n, h*w), with the bits of transpose01AddBias then maxPool.
   */
  maxPoolCnhw(a: FloatArray, c: number, n: number, h: number, w: number, k: number, stride: number, bias: FloatArray | null, y: FloatArray, argmax: FloatArray): void;
  /**
   * maxPoolBackward into a channel-major dx [c, n, h, w] (a conv's gemm layout), and with sums (null: none) the
   * channel sums of dx as sumChannels gives them: the bits of maxPoolBackward then transpose01SumChannels(dx, n,
   * c, h*w, out, alpha, beta, sums), for h*w > 1.
   */
  maxPoolBackwardCnhw(dy: FloatArray, argmax: FloatArray, n: number, c: number, h: number, w: number, oh: number, ow: number, dx: FloatArray, alpha: number, beta: number, sums: FloatArray | null): void;
  /** y[n, c] = mean over the hw plane of x[n, c, :]. */
  globalAvgPool(x: FloatArray, n: number, c: number, hw: number, y: FloatArray): void;
  /** dx[n, c, s] = dy[n, c] / hw. */
  globalAvgPoolBackward(dy: FloatArray, n: number, c: number, hw: number, dx: FloatArray): void;

  // --- normalization ---
  /**
   * Batch statistics per channel over (n, hw): mean[c], invStd[c] = 1/sqrt(var + eps) (biased variance), and
   * y = gamma * (x - mean) * invStd + beta. Running stats update: run = (1 - momentum) run + momentum * stat,
   * with the unbiased variance for runVar (as PyTorch).
   */
  batchNormTrain(x: FloatArray, n: number, c: number, hw: number, gamma: FloatArray, beta: FloatArray, eps: number, momentum: number, y: FloatArray, mean: FloatArray, invStd: FloatArray, runMean: FloatArray, runVar: FloatArray): void;
  /** y = gamma * (x - runMean) / sqrt(runVar + eps) + beta */
  batchNormEval(x: FloatArray, n: number, c: number, hw: number, gamma: FloatArray, beta: FloatArray, runMean: FloatArray, runVar: FloatArray, eps: number, y: FloatArray): void;
  /**
   * Backward of batchNormTrain: dx, and the raw (unscaled) dgamma[c], dbeta[c] (overwritten).
   */
  batchNormBackward(x: FloatArray, dy: FloatArray, n: number, c: number, hw: number, gamma: FloatArray, mean: FloatArray, invStd: FloatArray, dx: FloatArray, dgamma: FloatArray, dbeta: FloatArray): void;
  /** Per row of x [rows, cols]: mean[r], invStd[r]; y = gamma * xhat + beta (gamma/beta of length cols). */
  layerNorm(x: FloatArray, rows: number, cols: number, gamma: FloatArray, beta: FloatArray, eps: number, y: FloatArray, mean: FloatArray, invStd: FloatArray): void;
  /** Backward of layerNorm: dx, and the raw dgamma, dbeta (overwritten). */
  layerNormBackward(x: FloatArray, dy: FloatArray, rows: number, cols: number, gamma: FloatArray, mean: FloatArray, invStd: FloatArray, dx: FloatArray, dgamma: FloatArray, dbeta: FloatArray): void;

  // --- attention ---
  /**
   * Softmax of each row of x [rows, cols] into y (y may alias x). With `causal`, rows come in square blocks of
   * `cols` rows (the [T, T] scores of one attention head) and row r sees only the columns j <= r mod cols: the others
   * get y = 0, as a -Infinity mask would give. rows must then be a multiple of cols.
   */
  softmaxRows(x: FloatArray, rows: number, cols: number, causal: boolean, y: FloatArray): void;
  /** Backward of softmaxRows given its output y: dx = y * (dy - sum_j y_j dy_j) per row (dx may alias dy). */
  softmaxRowsBackward(y: FloatArray, dy: FloatArray, rows: number, cols: number, dx: FloatArray): void;
  /**
   * Scaled dot-product self-attention of every (example, head) pair in one call, on the layout of a fused input
   * projection: qkv [n, tokens, 3 D] (D = heads * headDim; per token the queries, then the keys, then the values,
   * head h in columns [h headDim, (h+1) headDim) of each). Per pair, P = softmax(scale Q K^T) (with `causal`,
   * query t sees only keys <= t: the others get P = 0) is written to probs [n, heads, tokens, tokens] and
   * O = P V to out [n, tokens, D] (head h in columns [h headDim, (h+1) headDim): the heads side by side).
   */
  attentionForward(qkv: FloatArray, n: number, tokens: number, heads: number, headDim: number, causal: boolean, scale: number, probs: FloatArray, out: FloatArray): void;
  /**
   * Backward of attentionForward from its probs: given dOut [n, tokens, D], writes dQkv [n, tokens, 3 D]
   * (overwritten): dV = P^T dO, dS = P * (dO V^T - rowsum(P * dO V^T)), dQ = scale dS K, dK = scale dS^T Q.
   */
  attentionBackward(qkv: FloatArray, probs: FloatArray, dOut: FloatArray, n: number, tokens: number, heads: number, headDim: number, causal: boolean, scale: number, dQkv: FloatArray): void;

  // --- losses ---
  /**
   * Softmax cross-entropy over rows of logits [rows, ld] using the first `cols` columns; labels[r] is a class
   * index in [0, cols). Writes dlogits = scale * (softmax - onehot) (columns >= cols get 0) and returns the
   * summed loss over rows (float64).
   */
  softmaxCrossEntropy(logits: FloatArray, labels: FloatArray, rows: number, cols: number, ld: number, scale: number, dlogits: FloatArray): number;
  /** Returns sum (pred - target)^2 and writes dpred = scale * 2 (pred - target). */
  squaredError(pred: FloatArray, target: FloatArray, scale: number, dpred: FloatArray): number;
  /** out[r] = index of the largest of the first `cols` values of row r of a [rows, ld]. */
  argmaxRows(a: FloatArray, rows: number, cols: number, ld: number, out: FloatArray): void;

  // --- data ---
  /**
   * Pixel bytes to inputs: out[outOffset + j] = lut[c * 256 + src[srcOffset + s]] for j < n, with s = perm[j]
   * (or j without a permutation) and c = floor(s / plane) the channel of s. Normalizes (through the table) and
   * permutes (online permuted MNIST) in one pass.
   */
  encodeBytes(src: Uint8Array, srcOffset: number, n: number, plane: number, lut: FloatArray, perm: Int32Array | null, out: FloatArray, outOffset: number): void;

  // --- randomness ---
  /**
   * y += sigma * z with z standard normal (shrink-and-perturb's noise over a whole parameter). Four lanes,
   * each an xoshiro128** stream seeded by fmix32(seed_k + lane * 0x632be5ab), give per round the 8 values
   * y[8r + lane] += sigma r cos t, y[8r + 4 + lane] += sigma r sin t (Box-Muller: r = sqrt(-2 ln u1),
   * t = 2 pi (u2 - 1/2)). Backends agree to float rounding, not bit for bit.
   */
  addNormal(y: FloatArray, sigma: number, seeds: readonly [number, number, number, number]): void;
  /**
   * y = shrink y + sigma z with z standard normal: shrink and perturb in one pass over a parameter. Its own
   * generator, ~4x cheaper than Box-Muller for every value: per block of 16384 values (its own stream, seeded by
   * the seeds and the block index: the same values on any thread count), a pool of 256 Box-Muller normals, then
   * Wallace's method (random orthogonal 4x4 mixing layers of the pool, two per 256 values, with the chi-square
   * correction). Float32 operations in a fixed order, so that every backend gives the same values bit for bit (the
   * reference: src/backend/ts/shrinkAddNormal.ts; the definition and its measured quality:
   * src/backend/wasm/assembly/random.ts).
   */
  shrinkAddNormal(y: FloatArray, shrink: number, sigma: number, seeds: readonly [number, number, number, number]): void;

  // --- optimizer kernels (fused passes) ---
  /**
   * Adam with per-element bias correction: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p1 *= b1; p2 *= b2
   * (p1 = b1^t, p2 = b2^t per element, so a reset slot restarts its own count); then
   * g = (m / (1 - p1)) / (sqrt(v / (1 - p2)) + eps).
   */
  adam(g: FloatArray, m: FloatArray, v: FloatArray, p1: FloatArray, p2: FloatArray, b1: number, b2: number, eps: number): void;
  /** buf = mu * buf + g; then g = buf, or g = g + mu * buf (nesterov). */
  momentum(g: FloatArray, buf: FloatArray, mu: number, nesterov: boolean): void;

  // --- optional capabilities (not kernels: a backend may lack them) ---
  /**
   * The eigenvalues, ascending, of the symmetric matrix a [n, n] (row-major float64, the lower triangle is read; a
   * plain Float64Array, not backend memory), or null to decline. a is not modified; throws on non-finite values.
   * The native backend has it (LAPACK dsyevd); diagnostics use it for singular values when present.
   */
  symmetricEigenvalues?(a: Float64Array, n: number): Float64Array | null;
}

/** Ask for a backend by name or let supple pick the fastest that loads. */
export type BackendChoice = BackendName | 'auto';
