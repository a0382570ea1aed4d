// The heap cost of a steady-state step: retained growth and young-generation allocation, per window of steps.
import { GCProfiler, getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full GC: global gc under --expose-gc, else the flag is set now and gc taken from a fresh context. */
export function fullGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

type SpaceStats = readonly { space_name?: string; spaceName?: string; space_used_size?: number; spaceUsedSize?: number }[];

/** Bytes in use in the young generation, where a step's short-lived objects go. */
function youngBytes(spaces: SpaceStats): number {
  for (const s of spaces) if ((s.space_name ?? s.spaceName) === 'new_space') return s.space_used_size ?? s.spaceUsedSize ?? 0;
  return 0;
}

/** Young-generation bytes allocated by `steps` calls of `step`, through any collections among them (v8's GCProfiler reads the spaces before and after each). */
function youngAllocated(step: () => void, steps: number): number {
  const profiler = new GCProfiler();
  let from = youngBytes(getHeapSpaceStatistics());
  profiler.start();
  for (let i = 0; i < steps; i++) step();
  const end = youngBytes(getHeapSpaceStatistics());
  let bytes = 0;
  for (const c of profiler.stop()?.statistics ?? []) {
    bytes += youngBytes(c.beforeGC.heapSpaceStatistics) - from;
    from = youngBytes(c.afterGC.heapSpaceStatistics);
  }
  return bytes + end - from;
}

/** Per window of steps: retained growth and young-generation allocation, each per step (bytes). */
export interface HeapWindows {
  /** (heap after a full GC at the window's end - the same at its start) / steps. */
  growth: number[];
  /**
   * Bytes allocated per step in the young generation (garbage included), less what reading the heap costs. Code and
   * metadata V8 writes to old and code space as it compiles functions are not the step's allocations.
   */
  allocated: number[];
}

/**
 * Runs `windows` windows of `steps` calls of `step` between full GCs for the retained heap, then as many for the
 * young-generation allocation. A one-off (a buffer made lazily, a function compiled) moves one window; what every
 * step keeps or allocates moves them all, so callers take the median or the least over the windows.
 */
export function heapPerStep(step: () => void, steps: number, windows: number): HeapWindows {
  const gc = fullGc();
  // Typed arrays, filled in place: growing a list here would be kept heap inside the windows it measures.
  const growth = new Float64Array(windows);
  const allocated = new Float64Array(windows);
  // Retained growth in windows of plain steps: with a GCProfiler running across them the heap after a full GC swung
  // by +-175 KB between windows with no steps in them; without it, still by up to +-87 KB in the first few windows
  // (the median over the windows drops those). The garbage of what ran before takes more than one full GC to go.
  for (let i = 0; i < 3; i++) gc();
  let settled = process.memoryUsage().heapUsed;
  for (let w = 0; w < windows; w++) {
    for (let i = 0; i < steps; i++) step();
    gc();
    const after = process.memoryUsage().heapUsed;
    growth[w] = (after - settled) / steps;
    settled = after;
  }
  // What the allocation measurement itself allocates (the GCProfiler, the statistics arrays): a window of no steps, subtracted.
  let overhead = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) overhead = Math.min(overhead, youngAllocated(step, 0));
  for (let w = 0; w < windows; w++) allocated[w] = (youngAllocated(step, steps) - overhead) / steps;
  return { growth: Array.from(growth), allocated: Array.from(allocated) };
}

export function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}
