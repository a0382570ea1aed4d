// The whole online training step of a stack of dense layers with ReLU (Backend.denseReluStep and
// denseReluStepDeferred, one example) in one call: the per-layer kernels in the order the layer-by-layer step calls
// them, so the results are the same bit for bit, without a crossing from JavaScript (and its argument checks and
// layer bookkeeping) for each of them. On one thread it is exactly that sequence. A wide stack shares it between
// threads, each running this function with its own `thread`: at batch 1 a wide layer is a stream of its weights
// from memory, and one thread of 128-bit loads keeps too few of them in flight (three 2000x2000 products read
// 20-25 GB/s on one thread; two processes reading at once got about 22 GB/s each). So each thread takes a share of
// every layer: the forward pass by rows (whole groups of four rows, each row's sum exactly as the one-thread product
// gives it); the backward sweep of a wide layer by its blocks of rows (linear.ts: each block's input gradient is
// summed on its own, then the blocks in order, on one thread too), of a narrow one by columns (every column gets the
// one-thread sweep's operations in order). The threads meet at a barrier between phases; it polls first, because
// the next phase usually follows within microseconds and waking a sleeping thread costs tens, then sleeps. Thread 0
// computes the loss and holds the first layer's update. The results are those of one thread, bit for bit, on any
// number of threads.

import { activation, activationBackward } from './activations';
import { forwardApplying, holdFirstUpdate } from './denseStepDeferred';
import { worthSkipping } from './gemv';
import { addBlocks, DX_BLOCKS, isWide, linearBackwardColumns, linearBackwardSingle, linearForwardRows, shareStart, sweepBlock } from './linear';
import { linearBackwardSingleCounted } from './linearCounted';
import { linearBackwardSingleRowSums } from './linearRowSums';
import { rowSumsAbs } from './matrix';
import { softmaxCrossEntropy } from './loss';

/** Words (i32) per layer in the descriptor: out, in, then the byte offsets of w, bias (0: none), pre, post (0: last layer). */
const WORDS: usize = 8;

/**
 * Thread `thread` of `threads`' part of one SGD step of one example. desc: `layers` records of WORDS i32 (see
 * above); coefs: 4 f64 per layer (weight alpha, beta, bias alpha, beta). scratchA and scratchB each hold the widest
 * hidden layer's input gradient; partials: DX_BLOCKS - 1 vectors of its floats (a wide layer's blocks, linear.ts).
 * pending = 0: every update now; else the first layer's weight update is held (Backend.denseReluStepDeferred):
 * when `apply` is set, W1 = pal pdy px^T + pbt W1 (pending = [px (inputs), pdy (first-layer outputs)], the previous
 * step's) is applied during the forward pass, and this step's first-layer weight update is left in `pending` (the
 * bias is updated). One thread only (pending = 0): changes (0: none), `layers` f64 set to each layer's sum
 * |w_new - w_old| (the same step, accounted as it writes); rowSums (0: none), the first layer's `out` f32 set to
 * rowSumsAbs of each row of its weights the step writes (with changes: of every row). More than one thread: every
 * hidden layer's weight beta must be nonzero (the fused sweep). sync: two i32 (a count and a generation, both 0 at
 * the start) for the barrier, then an f64 for the loss (8-byte aligned); errorAt: an i32 that becomes nonzero when
 * any thread failed, so that the others stop waiting and trap too. Returns the loss on thread 0.
 */
export function denseReluStepShared(
  layers: i32, desc: usize, coefs: usize, x: usize, label: usize, dlogits: usize, scratchA: usize, scratchB: usize,
  pending: usize, pal: f64, pbt: f64, apply: i32, partials: usize, changes: usize, rowSums: usize,
  threads: i32, thread: i32, sync: usize, errorAt: usize,
): f64 {
  let h = x;
  const in0 = load<i32>(desc, 4);
  for (let l = 0; l < layers; l++) {
    const d = desc + (<usize>l * WORDS << 2);
    const out = load<i32>(d), inp = load<i32>(d, 4);
    const w = <usize>load<i32>(d, 8), b = <usize>load<i32>(d, 12), z = <usize>load<i32>(d, 16);
    const skip = out >= 8 && worthSkipping(inp, h);
    const r0 = shareStart(out, thread, threads), r1 = shareStart(out, thread + 1, threads);
    if (r1 > r0) {
      const rows = r1 - r0;
      const wr = w + <usize>r0 * (<usize>inp << 2), br = b ? b + (<usize>r0 << 2) : 0, zr = z + (<usize>r0 << 2);
      if (l == 0 && pending && apply) forwardApplying(rows, inp, h, wr, br, zr, pending, pending + (<usize>(in0 + r0) << 2), <f32>pal, <f32>pbt, skip);
      else linearForwardRows(rows, inp, h, wr, br, zr, skip);
      if (l < layers - 1) activation(1, zr, <usize>load<i32>(d, 20) + (<usize>r0 << 2), rows, 0);
    }
    if (l < layers - 1) h = <usize>load<i32>(d, 20);
    barrier(sync, threads, errorAt);
  }
  const last = desc + (<usize>(layers - 1) * WORDS << 2);
  if (thread == 0) {
    const classes = load<i32>(last);
    // Kept in memory, not in a local: see the barrier.
    store<f64>(sync, softmaxCrossEntropy(<usize>load<i32>(last, 16), label, 1, classes, classes, 1, dlogits), 8);
  }
  barrier(sync, threads, errorAt);
  let dy = dlogits;
  for (let l = layers - 1; l >= 0; l--) {
    const d = desc + (<usize>l * WORDS << 2);
    const out = load<i32>(d), inp = load<i32>(d, 4);
    const w = <usize>load<i32>(d, 8), b = <usize>load<i32>(d, 12);
    const c = coefs + (<usize>l << 5);
    if (l == 0) {
      if (pending) {
        if (thread == 0) holdFirstUpdate(out, inp, x, dy, b, c, pending);
      } else if (changes) {
        store<f64>(changes, linearBackwardSingleCounted(out, inp, dy, x, w, 0, load<f64>(c), load<f64>(c, 8), load<f64>(c, 16), load<f64>(c, 24), b, 0));
        if (rowSums) rowSumsAbs(w, out, inp, rowSums);
      } else if (rowSums) {
        linearBackwardSingleRowSums(out, inp, dy, x, w, load<f64>(c), load<f64>(c, 8), load<f64>(c, 16), load<f64>(c, 24), b, rowSums);
      } else {
        // No input gradient: each row's update is its own, so the rows are shared.
        const r0 = shareStart(out, thread, threads), r1 = shareStart(out, thread + 1, threads);
        const wr = w + <usize>r0 * (<usize>inp << 2);
        if (r1 > r0) linearBackwardSingle(r1 - r0, inp, dy + (<usize>r0 << 2), x, wr, 0, load<f64>(c), load<f64>(c, 8), wr, load<f64>(c, 16), load<f64>(c, 24), b ? b + (<usize>r0 << 2) : 0, 0);
      }
      break;
    }
    const below = desc + (<usize>(l - 1) * WORDS << 2);
    const hIn = <usize>load<i32>(below, 20);
    const dx: usize = l & 1 ? scratchB : scratchA;
    const al = <f32>load<f64>(c), bt = <f32>load<f64>(c, 8), bal = <f32>load<f64>(c, 16), bbt = <f32>load<f64>(c, 24);
    const c0 = shareStart(inp, thread, threads), c1 = shareStart(inp, thread + 1, threads);
    const o = <usize>c0 << 2;
    if (threads == 1) {
      if (changes) store<f64>(changes + (<usize>l << 3), linearBackwardSingleCounted(out, inp, dy, hIn, w, dx, load<f64>(c), load<f64>(c, 8), load<f64>(c, 16), load<f64>(c, 24), b, partials));
      else linearBackwardSingle(out, inp, dy, hIn, w, dx, load<f64>(c), load<f64>(c, 8), w, load<f64>(c, 16), load<f64>(c, 24), b, partials);
    } else if (isWide(out, inp)) {
      // Thread t sweeps the blocks k with k threads / DX_BLOCKS = t (consecutive ones), then the sums by columns.
      for (let k = 0; k < DX_BLOCKS; k++) if ((k * threads) / DX_BLOCKS == thread) sweepBlock(k, out, inp, dy, hIn, w, dx, partials, al, bt, bal, bbt, b);
      barrier(sync, threads, errorAt);
      if (c1 > c0) addBlocks(c1 - c0, dx + o, partials + o, <usize>inp << 2);
    } else if (c1 > c0) {
      // The bias once, by the thread whose columns come first.
      linearBackwardColumns(out, c1 - c0, <usize>inp << 2, dy, hIn + o, w + o, dx + o, al, bt, bal, bbt, thread == 0 ? b : 0);
    }
    if (c1 > c0) activationBackward(1, <usize>load<i32>(below, 16) + o, hIn + o, dx + o, dx + o, c1 - c0, 0);
    dy = dx;
    barrier(sync, threads, errorAt);
  }
  return thread == 0 ? load<f64>(sync, 8) : 0;
}

/**
 * Polls of the barrier before a thread sleeps (a few tens of microseconds): between layers the others arrive
 * within microseconds, but when the machine runs other work and a thread of the step is descheduled, the waiting
 * ones must not take the cores it needs.
 */
const SPINS = 1 << 16;

/**
 * Waits until all `threads` threads have arrived (a count, then a generation that the last one bumps and notifies).
 * Traps once errorAt is nonzero. No floating-point value used after it may be held across it (pal and pbt serve
 * only the first layer, before the first barrier): with Node 20's V8, a thread that slept in atomic.wait came back
 * with the low half of such an f64 (the loss, then a local) zeroed.
 */
function barrier(sync: usize, threads: i32, errorAt: usize): void {
  if (threads <= 1) return;
  const generation = atomic.load<i32>(sync, 4);
  if (atomic.add<i32>(sync, 1) == threads - 1) {
    atomic.store<i32>(sync, 0);
    atomic.store<i32>(sync, generation + 1, 4);
    atomic.notify(sync + 4, threads - 1);
    return;
  }
  let spins = 0;
  while (atomic.load<i32>(sync, 4) == generation) {
    if (atomic.load<i32>(errorAt) != 0) unreachable();
    // Then sleep a millisecond at a time (woken by the notify), still checking for an error between.
    if (++spins > SPINS) atomic.wait<i32>(sync + 4, generation, 1000000);
  }
}
