import type { Loss } from './Loss.js';

/**
 * Softmax cross-entropy over all outputs (PyTorch's CrossEntropyLoss with mean reduction): the gradient is
 * (softmax - onehot) / batch. Also counts correct argmax predictions (the first maximum wins).
 */
export const crossEntropy: Loss = {
  name: 'cross-entropy',
  classification: true,
  compute(backend, out, target, dOut, into) {
    const n = out.shape[0]!;
    const classes = out.data.length / n;
    if (target.length < n) throw new Error(`cross-entropy: ${target.length} labels for a batch of ${n}`);
    into.sum = backend.softmaxCrossEntropy(out.data, target, n, classes, classes, 1 / n, dOut);
    let correct = 0;
    const d = out.data;
    for (let r = 0; r < n; r++) {
      const o = r * classes;
      let best = d[o]!, at = 0;
      for (let j = 1; j < classes; j++) {
        const v = d[o + j]!;
        if (v > best) {
          best = v;
          at = j;
        }
      }
      if (at === target[r]) correct++;
    }
    into.correct = correct;
    into.count = n;
    return into;
  },
};
