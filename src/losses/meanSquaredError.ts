import type { Loss } from './Loss.js';

/**
 * Mean squared error (PyTorch's MSELoss, mean over all outputs of the batch). An example's loss is the mean
 * over its outputs of (prediction - target)^2.
 */
export const meanSquaredError: Loss = {
  name: 'mse',
  classification: false,
  compute(backend, out, target, dOut, into) {
    const n = out.shape[0]!;
    const total = out.data.length;
    if (target.length !== total) throw new Error(`mse: ${target.length} target values for an output of ${total}`);
    const perExample = total / n;
    into.sum = backend.squaredError(out.data, target, 1 / total, dOut) / perExample;
    into.correct = 0;
    into.count = n;
    return into;
  },
};
