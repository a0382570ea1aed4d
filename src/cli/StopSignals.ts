/**
 * How a command that writes a run reacts to being asked to stop: SIGINT (Ctrl-C), SIGTERM, SIGHUP, and the
 * loss of the parent process of a sweep worker (its IPC channel closes). The first request stops the run
 * after the current step, with a checkpoint; a second one (process managers and `timeout` often send two
 * within milliseconds) is only acknowledged, so that the checkpoint being written is not cut short; the
 * third quits at once with code 130 (the last complete checkpoint is still on disk: writes are atomic).
 */
export class StopSignals {
  private count = 0;
  private readonly signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  private readonly onSignal = (signal: string) => this.request(signal);
  private readonly onDisconnect = () => this.request('parent gone');

  /** `say` prints a line for the user (after clearing a progress bar). */
  constructor(
    private readonly say: (line: string) => void,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {
    for (const s of this.signals) process.on(s, this.onSignal);
    // A sweep worker: when the sweep dies (even by SIGKILL), its channel closes; stop cleanly then.
    if (process.channel) {
      process.channel.unref();
      process.on('disconnect', this.onDisconnect);
    }
    // A reader of our output that went away (a pipe closed) must not crash the run before its checkpoint.
    process.stdout.on('error', ignorePipeErrors);
    process.stderr.on('error', ignorePipeErrors);
  }

  /** Whether a stop was asked for. */
  get requested(): boolean {
    return this.count > 0;
  }

  /** Count one request to stop (a signal, or the parent's loss). */
  request(why: string): void {
    this.count++;
    if (this.count === 1) this.say(`${why}: stopping after this step and writing a checkpoint (signal twice more to quit at once)...`);
    else if (this.count === 2) this.say(`${why} again: still writing the checkpoint; once more quits at once`);
    else this.exit(130);
  }

  dispose(): void {
    for (const s of this.signals) process.off(s, this.onSignal);
    process.off('disconnect', this.onDisconnect);
  }
}

function ignorePipeErrors(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
}
