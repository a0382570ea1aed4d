import { addDecayedWeights, chain, scaleByAdam, scaleByLearningRate, trace } from './transforms.js';
import type { Schedule } from './schedules.js';
import type { Transform } from './Transform.js';

/** SGD as PyTorch defines it: weight decay added to the gradient, then momentum (optionally Nesterov), then -lr. */
export function sgd(opts: { lr: Schedule; momentum?: number; nesterov?: boolean; weightDecay?: number }): Transform {
  // biome-ignore lint/suspicious/noExplicitAny: the parts of a chain have states of different types
  const parts: Transform<any>[] = [];
  if (opts.weightDecay) parts.push(addDecayedWeights(opts.weightDecay));
  if (opts.momentum) parts.push(trace({ momentum: opts.momentum, nesterov: opts.nesterov ?? false }));
  else if (opts.nesterov) throw new Error('sgd.nesterov: Nesterov momentum needs momentum > 0');
  parts.push(scaleByLearningRate(opts.lr));
  return chain(...parts);
}

/** Adam as torch.optim.Adam: weight decay is L2 added to the gradient; per-element step counts. */
export function adam(opts: { lr: Schedule; b1?: number; b2?: number; eps?: number; weightDecay?: number }): Transform {
  // biome-ignore lint/suspicious/noExplicitAny: the parts of a chain have states of different types
  const parts: Transform<any>[] = [];
  if (opts.weightDecay) parts.push(addDecayedWeights(opts.weightDecay));
  parts.push(scaleByAdam(opts), scaleByLearningRate(opts.lr));
  return chain(...parts);
}

/** AdamW (decoupled weight decay, Loshchilov & Hutter): u = -lr (adam(g) + decay * w). */
export function adamw(opts: { lr: Schedule; b1?: number; b2?: number; eps?: number; weightDecay?: number }): Transform {
  return chain(scaleByAdam(opts), addDecayedWeights(opts.weightDecay ?? 0.01), scaleByLearningRate(opts.lr));
}
