import { Worker } from 'node:worker_threads';
import type { WasmMemory } from './WasmMemory.js';

/**
 * Worker threads that run kernel parts on the backend's shared memory. Each worker instantiates the same
 * module on the same memory and sleeps in Atomics.wait on its own word of a control block (also in that
 * memory). A job is a few numbers written to the block; the caller wakes the workers it needs with
 * Atomics.notify, runs part 0 itself, then sleeps until the pending count drops to 0. No message passing per
 * call, no allocation. Workers start asynchronously: until a worker reports ready, jobs simply use fewer
 * parts (results never depend on the number of parts). Workers are unref()ed: they never keep a process alive.
 */

/** Job kinds (args[0]). */
export const Job = { gemm: 1, im2col: 2, col2im: 3 } as const;

// Control block layout, in Int32 units. Word 0 and each worker's slot sit on their own 64-byte line.
export const CTRL = {
  pending: 0,
  error: 1,
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
  /** Job arguments: args[0] = Job kind, args[1] = parts, then the kernel's arguments. */
  readonly args: Float64Array;
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

  /** Starts parts 1 .. parts - 1 of the job in `args` (args[1] = parts) on workers 1 .. parts - 1. */
  dispatch(parts: number): void {
    const c = this.ctrl;
    Atomics.store(c, CTRL.error, 0);
    Atomics.store(c, CTRL.pending, parts - 1);
    for (let w = 1; w < parts; w++) {
      const at = w * CTRL.slotInts + CTRL.seq;
      Atomics.add(c, at, 1);
      Atomics.notify(c, at, 1);
    }
  }

  /** Blocks until every dispatched part is done; rethrows a worker's failure. */
  wait(): void {
    const c = this.ctrl;
    // A short spin first: the caller's own part usually ends close to the workers'.
    for (let i = 0; i < 20000; i++) if (Atomics.load(c, CTRL.pending) === 0) break;
    for (;;) {
      const v = Atomics.load(c, CTRL.pending);
      if (v === 0) break;
      Atomics.wait(c, CTRL.pending, v, 1000);
    }
    if (Atomics.load(c, CTRL.error) !== 0) throw new Error('wasm backend: a kernel failed in a worker thread');
  }

  /** Ends the workers (tests; a process never needs to: workers are unref()ed). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    this.failed = new Error('closed');
  }
}
