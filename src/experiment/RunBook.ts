import { join } from 'node:path';
import { writeFileAtomic } from './atomicWrite.js';
import { writeCheckpoint } from './checkpointFile.js';
import { Recorder, toJson, type RecorderPosition } from './Recorder.js';

/** What every run's checkpoint keeps for its {@link RunBook}. */
export interface KeptByBook {
  /** Seconds run before the checkpoint (the run's clock continues across resumes). */
  seconds: number;
  /** Where the logs stood, with their bytes since the previous checkpoint (a resume rebuilds a torn log from them). */
  recorder: RecorderPosition;
}

/**
 * What the supervised, PPO and DQN runs share around their loops: the run's clock across resumes, the append-only
 * logs (Recorder), the checkpoint cadence (run.checkpointSeconds) and the atomic writes of checkpoints and
 * summary.json. Each runner builds its own checkpoint and summary around it.
 */
export class RunBook {
  readonly recorder: Recorder;
  private readonly secondsBefore: number;
  private readonly t0 = performance.now();
  private lastCheckpoint = performance.now();
  private readonly every: number;

  /** Opens the logs of `out` (at the saved position on a resume); each repair the logs needed goes to `onNotice`. */
  constructor(
    private readonly out: string,
    checkpointSeconds: number,
    saved: KeptByBook | null | undefined,
    onNotice?: (message: string) => void,
  ) {
    this.recorder = new Recorder(out, saved ? saved.recorder : undefined);
    for (const r of this.recorder.repairs) onNotice?.(`repaired: ${r}`);
    this.secondsBefore = saved ? saved.seconds : 0;
    this.every = checkpointSeconds * 1000;
  }

  /** Seconds the run has taken, its earlier sessions included. */
  readonly seconds = (): number => this.secondsBefore + (performance.now() - this.t0) / 1000;

  /** Whether run.checkpointSeconds have passed since the last checkpoint (never when it is 0). */
  due(): boolean {
    return this.every > 0 && performance.now() - this.lastCheckpoint >= this.every;
  }

  /** Writes the checkpoint `make` builds around the book's part, after the logs are on disk. */
  checkpoint(make: (kept: KeptByBook) => object): void {
    const ck = make({ seconds: this.seconds(), recorder: this.recorder.checkpointPosition() });
    this.recorder.sync();
    writeCheckpoint(this.out, ck);
    this.lastCheckpoint = performance.now();
  }

  /** Closes the logs and writes the summary `build` makes from the run's seconds to summary.json (atomically). */
  finish<S>(build: (seconds: number) => S): S {
    this.recorder.close();
    const summary = build(this.seconds());
    writeFileAtomic(join(this.out, 'summary.json'), `${toJson(summary, 2)}\n`);
    return summary;
  }
}
