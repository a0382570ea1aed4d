import { Worker } from 'node:worker_threads';
import type { WasmMemory } from './WasmMemory.js';

/**
 * Worker threads that run kernel chunks on the backend's shared memory. Each worker instantiates the same
 * module on the same memory and sleeps in Atomics.wait on its own word of a control block (also in that
 * memory). A job is a few numbers written to the block; the caller wakes the workers it needs with
 * Atomics.notify, then every thread, the caller included, takes chunks of the output from an atomic counter
 * until none is left, and the caller sleeps until the pending count drops to 0. No message passing per call,
 * no allocation. Taking chunks rather than fixed parts keeps a descheduled or slower thread from holding up
 * the others. Workers start asynchronously: until a worker reports ready, jobs use fewer threads (results
 * never depend on how the chunks are shared out). Workers are unref()ed: they never keep a process alive.
 */

/** Job kinds (args[0]). */
export const Job = { gemm: 1, im2col: 2, col2im: 3, attentionForward: 4, attentionBackward: 5, maxPool: 6, maxPoolBackward: 7, batchNormTrain: 8, batchNormBackward: 9, activation: 10, activationBackward: 11, transpose01: 12, transpose01AddBias: 13, transpose01SumChannels: 14, shrinkAddNormal: 15, maxPoolCnhw: 16, maxPoolBackwardCnhw: 17, winograd: 18, denseReluStep: 19, thin: 20 } as const;

// Control block layout, in Int32 units. The shared words (pending, error, counter) share the first 64-byte
// line, touched once per job or chunk; each worker's slot sits on its own line.
export const CTRL = {
  pending: 0,
  error: 1,
  counter: 8, // the next chunk to take
  result: 9, // a count the chunks add to (maxPoolBackward's bad argmax values)
  // Words 8-11 are also the whole dense-ReLU step's barrier (count, generation) and its loss (an f64).
  slotInts: 16,
  seq: 0, // + slot base: bumped to start a job
  ready: 1, // + slot base: 1 once the worker has instantiated the module
  argsByte: 64 * 64 * 4, // Float64 job arguments start here (slots for up to 63 workers before it)
  args: 32,
  maxThreads: 64,
} as const;
export const CTRL_BYTES = CTRL.argsByte + CTRL.args * 8;

export interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctrl: number;
  slot: number;
  scratch: number;
}

export class ThreadPool {
  /** Threads a job can use, the calling one included. */
  readonly threads: number;
  /** Job arguments: args[0] = Job kind, args[1] = chunks, then the kernel's arguments. */
  readonly args: Float64Array;
  /** Byte address of the chunk counter, for the *Chunks kernels. */
  readonly counter: number;
  /** Byte address of the i32 that a job's chunks add a count to; dispatch() zeroes it. */
  readonly result: number;
  private readonly ctrl: Int32Array;
  private readonly workers: Worker[] = [];
  private ready = 0;
  private failed: Error | null = null;

  constructor(module: WebAssembly.Module, mem: WasmMemory, threads: number, scratchBytes: number) {
    this.threads = Math.max(1, Math.min(CTRL.maxThreads, Math.floor(threads)));
    const block = mem.alloc(CTRL_BYTES / 4);
    const buffer = block.buffer as SharedArrayBuffer;
    this.ctrl = new Int32Array(buffer, block.byteOffset, CTRL.argsByte / 4);
    this.args = new Float64Array(buffer, block.byteOffset + CTRL.argsByte, CTRL.args);
    this.counter = block.byteOffset + CTRL.counter * 4;
    this.result = block.byteOffset + CTRL.result * 4;
    const url = new URL('./kernelWorker.js', import.meta.url);
    for (let w = 1; w < this.threads; w++) {
      const scratch = mem.alloc(Math.ceil(scratchBytes / 4)).byteOffset;
      const data: WorkerData = { module, memory: mem.memory, ctrl: block.byteOffset, slot: w, scratch };
      // No inherited execArgv: the worker only runs kernels, and flags such as --input-type break its start.
      const worker = new Worker(url, { workerData: data, execArgv: [] });
      worker.unref();
      worker.once('error', (e) => {
        this.failed = e instanceof Error ? e : new Error(String(e));
      });
      this.workers.push(worker);
    }
  }

  /**
   * Resolves once every worker has instantiated the module (or one failed to start, or 10 s passed). The
   * polling timer keeps the process alive meanwhile (the workers themselves are unref()ed).
   */
  whenReady(): Promise<void> {
    return new Promise((resolve) => {
      const start = Date.now();
      const poll = (): void => {
        if (this.available() >= this.threads || this.failed || Date.now() - start > 10000) resolve();
        else setTimeout(poll, 1);
      };
      poll();
    });
  }

  /** How many threads can take a part now: the caller plus the workers that are ready, in slot order. */
  available(): number {
    if (this.failed) return 1;
    while (this.ready < this.threads - 1 && Atomics.load(this.ctrl, (this.ready + 1) * CTRL.slotInts + CTRL.ready) === 1) this.ready++;
    return this.ready + 1;
  }

  /** Writes a job into `args`: its kind, its chunk count and up to 14 kernel arguments (fixed arity: no array per call). */
  setJob(job: number, chunks: number, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0, a15 = 0): void {
    const g = this.args;
    g[0] = job;
    g[1] = chunks;
    g[2] = a2;
    g[3] = a3;
    g[4] = a4;
    g[5] = a5;
    g[6] = a6;
    g[7] = a7;
    g[8] = a8;
    g[9] = a9;
    g[10] = a10;
    g[11] = a11;
    g[12] = a12;
    g[13] = a13;
    g[14] = a14;
    g[15] = a15;
  }

  /** Wakes workers 1 .. threads - 1 on the job in `args`, with the chunk counter at 0. */
  dispatch(threads: number): void {
    const c = this.ctrl;
    Atomics.store(c, CTRL.error, 0);
    Atomics.store(c, CTRL.counter, 0);
    Atomics.store(c, CTRL.result, 0);
    Atomics.store(c, CTRL.pending, threads - 1);
    for (let w = 1; w < threads; w++) {
      const at = w * CTRL.slotInts + CTRL.seq;
      Atomics.add(c, at, 1);
      Atomics.notify(c, at, 1);
    }
  }

  /** Blocks until every woken worker is done; rethrows a worker's failure. */
  wait(): void {
    const c = this.ctrl;
    // A short spin first: the caller runs out of chunks close to when the workers do.
    for (let i = 0; i < 20000; i++) if (Atomics.load(c, CTRL.pending) === 0) break;
    for (;;) {
      const v = Atomics.load(c, CTRL.pending);
      if (v === 0) break;
      Atomics.wait(c, CTRL.pending, v, 1000);
    }
    if (Atomics.load(c, CTRL.error) !== 0) throw new Error('wasm backend: a kernel failed in a worker thread');
  }

  /**
   * Marks the job failed (the caller's own part threw): workers waiting at a kernel's barrier for the caller then
   * stop, so that wait() returns.
   */
  abort(): void {
    Atomics.store(this.ctrl, CTRL.error, 1);
  }

  /** Byte address of the error word, which abort() and a failing worker set (for kernels that wait on each other). */
  get errorAt(): number {
    return this.counter + (CTRL.error - CTRL.counter) * 4;
  }

  /** The count the last job's chunks added up (read after wait()). */
  resultCount(): number {
    return Atomics.load(this.ctrl, CTRL.result);
  }

  /** Ends the workers (tests; a process never needs to: workers are unref()ed). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    this.failed = new Error('closed');
  }
}
