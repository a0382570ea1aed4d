import { CategoricalValueLoss } from '../losses/categoricalValueLoss.js';
import type { Batch, CursorState, Stream, Task } from '../benchmarks/Benchmark.js';
import type { Edit, EditRecord } from '../nn/Edit.js';
import { applyEdits } from '../nn/applyEdits.js';
import type { ModelState } from '../nn/Model.js';
import type { Rng } from '../tensor/Rng.js';
import type { LossValue } from '../losses/Loss.js';
import type { Learner } from '../learn/Learner.js';
import type { ProbeRunner } from '../learn/ProbeRunner.js';
import type { RunMethod } from '../learn/RunMethod.js';
import { DivergedError } from './DivergedError.js';

/** One metrics record: {"step", "task", "<key>": value}. */
export type MetricRecord = { step: number; task: number } & Record<string, number>;

/** Where the loop stands: JSON, saved in checkpoints so that a run continues exactly. */
export interface LoopState {
  task: number;
  epoch: number;
  /** Cursor of the epoch in progress (null: the epoch has not started). */
  cursor: CursorState | null;
  /** True once the task's start (head changes, hooks) has been applied. */
  taskStarted: boolean;
  /** Online accumulators: this task, this epoch, this bin. */
  taskSum: number;
  taskCorrect: number;
  taskCount: number;
  epochSum: number;
  epochCorrect: number;
  epochCount: number;
  binSum: number;
  binCorrect: number;
  binCount: number;
  /** A categorical value head: the decoded predictions' squared error over the bin (absent otherwise). */
  binSquaredError?: number;
  /** A categorical value head: the decoded predictions' squared error over this task (absent otherwise). */
  taskSquaredError?: number;
  /** Examples seen since the run began. */
  examples: number;
  /** Early stopping: best value so far this task, epochs without improvement. */
  bestValue: number | null;
  sinceBest: number;
  done: boolean;
}

/**
 * Everything {@link trainLoop} drives: the stream, the learner and its methods, the probes, where records, edits and
 * checkpoints go, and the callbacks that stop it or report progress.
 */
export interface LoopParts {
  readonly stream: Stream;
  readonly learner: Learner;
  readonly methods: readonly RunMethod[];
  readonly probes?: ProbeRunner;
  /** Receives every metrics record, in order. */
  record(r: MetricRecord): void;
  /** Receives every applied edit. */
  recordEdits?(step: number, task: number, records: readonly EditRecord[]): void;
  /** Called with the state to save: at task starts, on stop, at the end, and when `checkpointDue` says so. */
  checkpoint?(state: LoopState): void;
  /** Polled every 256 steps: true writes a checkpoint (the runner checks the clock). */
  checkpointDue?(): boolean;
  /** Polled between steps: true stops the loop cleanly (Ctrl-C); the state is checkpointed first. */
  shouldStop?(): boolean;
  /** Called every 64 steps with the loop state (progress bars); `state.cursor` is not current there. */
  onStep?(state: LoopState, loss: LossValue): void;
  /** Redraws of the benchmark's own edits (head growth, head reset) come from here. */
  readonly rng: Rng;
  /** Early stopping keeps the best parameters of a task here (and restores them at its end). */
  bestParams?: { state: ModelState | null };
  /**
   * Stop with a DivergedError on a non-finite value: the loss of every step (one comparison, no allocation)
   * and the parameters at each probe and epoch end.
   */
  readonly checkFinite?: boolean;
}

/** The state of a loop that has not started: task 0, epoch 0, every running sum zero. */
export function initialLoopState(): LoopState {
  return {
    task: 0, epoch: 0, cursor: null, taskStarted: false,
    taskSum: 0, taskCorrect: 0, taskCount: 0, epochSum: 0, epochCorrect: 0, epochCount: 0, binSum: 0, binCorrect: 0, binCount: 0,
    examples: 0, bestValue: null, sinceBest: 0, done: false,
  };
}

/**
 * The training loop, top to bottom: for each task, apply its start (head growth/reset, method boundary
 * hooks), then for each epoch train on its batches (update, method edits, probes, online metrics), evaluate,
 * and decide whether the task is done. `state` is advanced in place and can be saved at any checkpoint.
 * Returns true when the stream is finished, false when stopped early.
 */
export function trainLoop(parts: LoopParts, state: LoopState = initialLoopState()): boolean {
  const steps = loopSteps(parts, state);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The same loop for a process that must stay responsive: it hands control back to the event loop about every
 * 100 ms, so that signal handlers (Ctrl-C) and timers run while it trains.
 */
export async function trainLoopAsync(parts: LoopParts, state: LoopState = initialLoopState()): Promise<boolean> {
  const steps = loopSteps(parts, state);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The loop as a generator: it yields (between two steps) whenever 100 ms have passed since the last yield. */
function* loopSteps(parts: LoopParts, state: LoopState): Generator<void, boolean> {
  let lastYield = performance.now();
  const { stream, learner, methods } = parts;
  const model = learner.model;
  const classification = stream.loss === 'cross-entropy';
  const checkFinite = parts.checkFinite ?? false;
  const states = () => [learner.optState, ...methods.map((m) => m.instance.state)];
  // The state trees are gathered only when an edit needs them (applyEdits reads `states` for slot resets).
  const target = {
    model,
    get states() {
      return states();
    },
  };
  const edit = (m: RunMethod | null, edits: readonly Edit[] | undefined, rng: Rng) => {
    if (!edits || edits.length === 0) return;
    const applied = applyEdits(edits, target, rng);
    // Routine edits (a shrink-and-perturb step after every update) are counted by their method, not logged one by one.
    let logged = false;
    for (let i = 0; i < applied.length && !logged; i++) logged = !applied[i]!.routine;
    if (!logged) return;
    const records = applied.filter((r) => !r.routine);
    parts.recordEdits?.(learner.step, state.task, m ? records.map((r) => ({ ...r, reason: r.reason ?? m.name })) : records);
  };

  while (state.task < stream.numTasks) {
    const task = stream.task(state.task);
    if (!state.taskStarted) {
      learner.startTask();
      // The task's own changes first (the benchmark's protocol), then the methods' reactions.
      const start: Edit[] = [];
      if (task.start.growHead) start.push({ kind: 'growHead', k: task.start.growHead, reason: 'benchmark' });
      // A zeroed head is zeroed before the first task too (lop/imagenet/single_expr.py zeroes it at every task, the first included).
      if (task.start.resetHead && (state.task > 0 || task.start.resetHead === 'zero')) {
        start.push({
          kind: 'reinitParams',
          params: model.head.params.map((p) => p.name),
          ...(task.start.resetHead === 'zero' ? { value: 'zero' as const } : {}),
          ...(task.start.resetHeadOptimizer === false ? { resetOptimizer: false } : {}),
          reason: 'benchmark',
        });
      }
      if (start.length) edit(null, start, parts.rng);
      if (stream.taskSignal && state.task > 0) for (const m of methods) edit(m, m.instance.atTaskBoundary?.({ step: learner.step, task }), m.rng);
      if (task.start.dataGrowth && task.seenData) {
        const seen = task.seenData();
        for (const m of methods) edit(m, m.instance.atDataGrowth?.({ step: learner.step, task, seen, ...(task.start.newExamples ? { newExamples: task.start.newExamples } : {}) }), m.rng);
      }
      state.taskStarted = true;
      const startProbe = parts.probes?.atTaskStart?.(learner.step, task);
      if (startProbe) parts.record({ step: learner.step, task: state.task, ...startProbe });
      state.epoch = 0;
      state.cursor = null;
      state.bestValue = null;
      state.sinceBest = 0;
      if (parts.bestParams) parts.bestParams.state = null;
    }
    for (; ; state.epoch++) {
      learner.epoch = state.epoch;
      const cursor = task.epoch(state.epoch, state.cursor ?? undefined);
      for (let batch: Batch | null; (batch = cursor.next()) !== null; ) {
        const loss = learner.trainStep(batch.x, batch.y);
        const step = learner.step;
        accumulate(state, loss);
        if (learner.loss instanceof CategoricalValueLoss) {
          state.binSquaredError = (state.binSquaredError ?? 0) + learner.loss.lastSquaredError;
          state.taskSquaredError = (state.taskSquaredError ?? 0) + learner.loss.lastSquaredError;
        }
        if (checkFinite && !Number.isFinite(loss.sum)) throw new DivergedError(step, state.task, 'loss', loss.sum);
        for (const m of methods) edit(m, m.instance.afterUpdate?.({ step, task: state.task, batch, loss, taskData: task }), m.rng);
        const probe = parts.probes?.afterStep(step, task);
        if (probe) {
          parts.record({ step, task: state.task, ...probe });
          if (checkFinite) checkParams(learner, step, state.task);
        }
        if (stream.bin && state.binCount >= stream.bin) recordBin(parts, state, step, classification, methods);
        // The cursor's state is taken only when it is saved (an object per step would be garbage per step).
        if ((step & 63) === 0) {
          parts.onStep?.(state, loss);
          if ((step & 255) === 0 && parts.checkpointDue?.()) {
            state.cursor = cursor.getState();
            parts.checkpoint?.(state);
          }
        }
        // Checked every step: a conv net takes seconds per step, and signals wait for the yield.
        if (performance.now() - lastYield > 100) {
          yield;
          lastYield = performance.now();
        }
        if (parts.shouldStop?.()) {
          state.cursor = cursor.getState();
          parts.checkpoint?.(state);
          return false;
        }
      }
      state.cursor = null;
      if (checkFinite) checkParams(learner, learner.step, state.task);
      // End of epoch: evaluate, then decide whether the task goes on.
      const evals = evaluateAll(learner, task, classification);
      const epochAccuracy = state.epochCount ? state.epochCorrect / state.epochCount : 0;
      // A one-epoch task without evaluation sets says nothing here that its task-end record does not.
      const single = task.schedule.kind === 'epochs' && task.schedule.epochs === 1 && task.evalSets.length === 0;
      if (!single) parts.record({
        step: learner.step, task: state.task, epoch: state.epoch,
        'train/loss': state.epochCount ? state.epochSum / state.epochCount : NaN,
        ...(classification ? { 'train/accuracy': epochAccuracy } : {}),
        ...evals,
      });
      state.epochSum = state.epochCorrect = state.epochCount = 0;
      if (!continueTask(task, state, epochAccuracy, evals, parts)) break;
    }
    if (task.earlyStopping && parts.bestParams?.state) model.setState(parts.bestParams.state);
    const end: MetricRecord = { step: learner.step, task: state.task, examples: state.examples };
    if (state.taskCount > 0) {
      end['online/loss'] = state.taskSum / state.taskCount;
      if (classification) end['online/accuracy'] = state.taskCorrect / state.taskCount;
      if (state.taskSquaredError !== undefined) end['online/mse'] = state.taskSquaredError / state.taskCount;
    }
    for (const m of methods) Object.assign(end, m.instance.metrics?.() ?? {});
    parts.record(end);
    const probe = parts.probes?.atTaskEnd(learner.step, task);
    if (probe) parts.record({ step: learner.step, task: state.task, ...probe });
    state.taskSum = state.taskCorrect = state.taskCount = 0;
    if (state.taskSquaredError !== undefined) state.taskSquaredError = 0;
    state.taskStarted = false;
    state.epoch = 0;
    state.task++;
    if (state.task < stream.numTasks) parts.checkpoint?.(state);
  }
  if (stream.bin && state.binCount > 0) recordBin(parts, state, learner.step, classification, methods);
  state.done = true;
  parts.checkpoint?.(state);
  return true;
}

/** Throw a DivergedError naming the first parameter that holds a NaN or an infinity. */
function checkParams(learner: Learner, step: number, task: number): void {
  const backend = learner.model.backend;
  for (const p of learner.model.params) {
    if (!backend.hasNonFinite(p.data)) continue;
    let bad = NaN;
    for (let i = 0; i < p.data.length; i++) if (!Number.isFinite(p.data[i]!)) { bad = p.data[i]!; break; }
    throw new DivergedError(step, task, `param/${p.name}`, bad);
  }
}

function accumulate(s: LoopState, l: LossValue): void {
  s.taskSum += l.sum;
  s.taskCorrect += l.correct;
  s.taskCount += l.count;
  s.epochSum += l.sum;
  s.epochCorrect += l.correct;
  s.epochCount += l.count;
  s.binSum += l.sum;
  s.binCorrect += l.correct;
  s.binCount += l.count;
  s.examples += l.count;
}

function recordBin(parts: LoopParts, s: LoopState, step: number, classification: boolean, methods: readonly RunMethod[]): void {
  const r: MetricRecord = { step, task: s.task, examples: s.examples, 'bin/loss': s.binSum / s.binCount };
  if (classification) r['bin/accuracy'] = s.binCorrect / s.binCount;
  if (s.binSquaredError !== undefined) {
    r['bin/mse'] = s.binSquaredError / s.binCount;
    s.binSquaredError = 0;
  }
  for (const m of methods) Object.assign(r, m.instance.metrics?.() ?? {});
  parts.record(r);
  s.binSum = s.binCorrect = s.binCount = 0;
}

function evaluateAll(learner: Learner, task: Task, classification: boolean): Record<string, number> {
  const out: Record<string, number> = {};
  for (const set of task.evalSets) {
    let sum = 0, correct = 0, count = 0, se = 0;
    const v = { sum: 0, correct: 0, count: 0 };
    const categorical = learner.loss instanceof CategoricalValueLoss ? learner.loss : null;
    // Batches of the training size reuse the buffers training allocated (a conv net at 256 would need its own, GBs).
    for (const b of set.batches(task.batchSize > 1 ? task.batchSize : 256)) {
      learner.evaluate(b.x, b.y, v);
      if (categorical) se += categorical.lastSquaredError;
      sum += v.sum;
      correct += v.correct;
      count += v.count;
    }
    if (count === 0) continue;
    out[`eval/${set.name}/loss`] = sum / count;
    if (classification) out[`eval/${set.name}/accuracy`] = correct / count;
    if (categorical) out[`eval/${set.name}/mse`] = se / count;
  }
  return out;
}

/** Whether another epoch of this task runs (and early-stopping bookkeeping). */
function continueTask(task: Task, s: LoopState, trainAccuracy: number, evals: Record<string, number>, parts: LoopParts): boolean {
  if (task.earlyStopping) {
    const key = `eval/${task.earlyStopping.on}/accuracy`;
    const v = evals[key] ?? -(evals[`eval/${task.earlyStopping.on}/loss`] ?? NaN);
    if (s.bestValue === null || v > s.bestValue) {
      s.bestValue = v;
      s.sinceBest = 0;
      if (parts.bestParams) parts.bestParams.state = parts.learner.model.getState();
    } else if (++s.sinceBest >= task.earlyStopping.patience) return false;
  }
  const sch = task.schedule;
  if (sch.kind === 'epochs') return s.epoch + 1 < sch.epochs;
  return trainAccuracy < sch.target && s.epoch + 1 < sch.maxEpochs;
}
