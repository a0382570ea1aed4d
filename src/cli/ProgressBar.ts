import type { Progress } from '../experiment/runExperiment.js';

/**
 * Progress of a run. On a terminal: one line redrawn in place (task, bar, examples/s, ETA, online accuracy
 * or loss). Elsewhere (CI, pipes, --quiet): a plain line every `plainEvery` seconds and at the end.
 */
export class ProgressBar {
  private last = 0;
  private lastPlain = 0;
  private lastExamples = 0;
  private lastSeconds = 0;
  private rate = 0;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly interactive: boolean,
    private readonly plainEvery = 10,
  ) {}

  update(p: Progress): void {
    const now = performance.now();
    if (now - this.last < (this.interactive ? 100 : 1000)) return;
    this.last = now;
    const dt = p.seconds - this.lastSeconds;
    if (dt > 0.2) {
      const r = (p.examples - this.lastExamples) / dt;
      this.rate = this.rate === 0 ? r : 0.7 * this.rate + 0.3 * r;
      this.lastExamples = p.examples;
      this.lastSeconds = p.seconds;
    }
    const line = this.format(p);
    if (this.interactive) {
      const w = this.width();
      this.out.write(`\r${line.slice(0, w).padEnd(w)}`);
      this.drawn = true;
    } else if (p.seconds - this.lastPlain >= this.plainEvery) {
      this.lastPlain = p.seconds;
      this.out.write(`${line}\n`);
    }
  }

  /** Clear the line (before other output). */
  clear(): void {
    if (this.interactive && this.drawn) this.out.write(`\r${' '.repeat(this.width())}\r`);
    this.drawn = false;
  }

  /**
   * Characters of the line: one less than the terminal's columns, at most 119. A terminal that reports 0 or
   * no columns (some CI consoles, a detached pty) gets 80.
   */
  private width(): number {
    const c = this.out.columns;
    return Math.min(typeof c === 'number' && Number.isFinite(c) && c > 1 ? c : 80, 120) - 1;
  }

  private format(p: Progress): string {
    const frac = p.totalExamples ? Math.min(1, p.examples / p.totalExamples) : (p.task + 0.5) / p.numTasks;
    const width = 20;
    const filled = Math.round(frac * width);
    const bar = this.interactive ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` : '';
    const eta = p.totalExamples && this.rate > 0 ? ` ETA ${duration((p.totalExamples - p.examples) / this.rate)}` : '';
    const metric = p.onlineAccuracy !== null ? ` online acc ${p.onlineAccuracy.toFixed(3)}` : p.onlineLoss !== null ? ` online loss ${p.onlineLoss.toPrecision(3)}` : '';
    return `task ${p.task + 1}/${p.numTasks} ${bar}${(frac * 100).toFixed(1)}% ${Math.round(this.rate).toLocaleString('en-US')} ex/s${eta}${metric}`;
  }
}

export function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}
