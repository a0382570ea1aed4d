import { z } from 'zod';
import type { AuxiliaryLoss } from '../learn/AuxiliaryLoss.js';
import type { Method } from '../learn/Method.js';
import type { GradSink } from '../nn/Layer.js';
import { Model } from '../nn/Model.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';

/** Options of infer (`method.<field>`). */
export const inferSchema = z.strictObject({
  heads: z.number().int().min(1).default(10).describe('k: auxiliary linear heads on the features (the input of the output layer)'),
  beta: z.number().min(0).default(0.1).describe('beta: weight of the auxiliary loss, beta * mean over the batch of sum_i (g_i(x) - scale * g0_i(x))^2'),
  scale: z.number().default(1).describe('the targets are scale times the initial network\'s head outputs g0_i(x)'),
  headLr: z.number().min(0).default(0.01).describe('SGD learning rate of the auxiliary heads (they are not in the run\'s optimizer); 0: fixed random heads'),
});
/** A validated infer configuration. */
export type InferConfig = z.output<typeof inferSchema>;

/** What infer keeps (checkpointed): the auxiliary heads, their initial values and the last auxiliary loss. */
export interface InferState {
  /** The auxiliary heads now: weight [k, d] row-major, bias [k]. */
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  /** The heads at initialization (they make the targets with the initial features). */
  readonly weight0: Float64Array;
  readonly bias0: Float64Array;
  /** The auxiliary loss of the last step (mean over its batch, times beta). */
  loss: number;
}

/** The input of the last top-level layer (the features the output layer reads), from the last forward pass. */
function featuresOf(model: Model, x: Tensor): Tensor {
  const cs = model.root.children;
  if (cs.length < 2) return x;
  const f = cs[cs.length - 2]!.output;
  if (!f) throw new Error('method infer: the layer before the output layer has no output (no forward pass yet)');
  return f;
}

/**
 * InFeR (Lyle, Rowland, Dabney 2022, initial feature regularization): k auxiliary linear heads g_i(x) = a_i . phi(x)
 * + c_i read the features phi (the input of the output layer) and regress the outputs of the initial network,
 * g0_i(x) = a0_i . phi_0(x) + c0_i, phi_0 the features of the network at initialization:
 *
 *   L_aux = beta * (1/N) sum_n sum_i (g_i(x_n) - scale * g0_i(x_n))^2
 *
 * added to the training loss, so the features keep a subspace of what the initial network could represent. Its
 * gradient flows into every layer below the output layer (an auxiliary loss of the learner, added to the main
 * gradient before the optimizer). The heads start at a draw of PyTorch's default linear init, U(-1/sqrt(d), 1/sqrt(d)),
 * and are trained by the method with plain SGD (`headLr`; the paper trains them with the network). The initial
 * network is a frozen copy made when the method is created, run in evaluation mode on each training batch. No
 * reference code was found in the library searched, and the defaults (k = 10, beta = 0.1, scale = 1, headLr) are
 * supple's, not checked against the paper's tables.
 * Cost per step: one forward pass of the initial network, the heads (N k d multiply-adds, three times) and a
 * second backward pass through the layers below the output layer; no fused SGD.
 */
export const infer: Method<typeof inferSchema> = {
  name: 'infer',
  description: 'InFeR: auxiliary linear heads on the features regress the initial network\'s outputs (Lyle et al. 2022)',
  reference: 'Lyle, Rowland, Dabney. Understanding and Preventing Capacity Loss in Reinforcement Learning. ICLR 2022',
  schema: inferSchema,
  create(c, { model, learner, backend, rng }) {
    const initial = Model.build(model.spec, { inputShape: model.inputShape, backend, rng: Rng.seeded(0) });
    initial.setState(model.getState());
    const cs = model.root.children;
    const d = cs.length < 2 ? model.inputShape.reduce((a, b) => a * b, 1) : cs[cs.length - 2]!.outShape.reduce((a, b) => a * b, 1);
    const k = c.heads;
    const bound = 1 / Math.sqrt(d);
    const weight = new Float64Array(k * d);
    const bias = new Float64Array(k);
    const draw = rng.split('heads');
    for (let i = 0; i < weight.length; i++) weight[i] = draw.uniform(-bound, bound);
    for (let i = 0; i < k; i++) bias[i] = draw.uniform(-bound, bound);
    const state: InferState = { weight, bias, weight0: weight.slice(), bias0: bias.slice(), loss: 0 };
    let dPhi: Tensor | null = null;
    const aux: AuxiliaryLoss = {
      backward(x: Tensor, sink: GradSink): number {
        const n = x.shape[0]!;
        initial.forward(x, false);
        const phi0 = featuresOf(initial, x).data;
        const phi = featuresOf(model, x);
        const f = phi.data;
        if (!dPhi || dPhi.data.length !== f.length) {
          if (dPhi) backend.free(dPhi.data);
          dPhi = new Tensor(backend.alloc(f.length), phi.shape);
        }
        const g = dPhi.data;
        backend.fill(g, 0);
        const W = state.weight, b = state.bias, W0 = state.weight0, b0 = state.bias0;
        const dW = new Float64Array(k * d), db = new Float64Array(k);
        let loss = 0;
        const coef = (2 * c.beta) / n;
        for (let s = 0; s < n; s++) {
          const o = s * d;
          for (let i = 0; i < k; i++) {
            let pred = b[i]!, target = b0[i]!;
            const r = i * d;
            for (let j = 0; j < d; j++) {
              pred += W[r + j]! * f[o + j]!;
              target += W0[r + j]! * phi0[o + j]!;
            }
            const res = pred - c.scale * target;
            loss += res * res;
            const dp = coef * res;
            db[i]! += dp;
            for (let j = 0; j < d; j++) {
              dW[r + j]! += dp * f[o + j]!;
              g[o + j] = g[o + j]! + dp * W[r + j]!;
            }
          }
        }
        // Backpropagate d L_aux / d phi through the layers below the output layer (their forward pass is this step's).
        let grad: Tensor | null = dPhi;
        for (let i = cs.length - 2; i >= 0 && grad; i--) grad = cs[i]!.backward(grad, sink, i > 0);
        if (c.headLr > 0) {
          for (let i = 0; i < W.length; i++) W[i]! -= c.headLr * dW[i]!;
          for (let i = 0; i < k; i++) b[i]! -= c.headLr * db[i]!;
        }
        state.loss = (c.beta * loss) / n;
        return state.loss;
      },
    };
    if (c.beta > 0) learner.addAuxiliaryLoss(aux);
    return { state, metrics: () => ({ 'method/infer/loss': state.loss }) };
  },
};
