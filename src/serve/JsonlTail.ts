import { open, type FileHandle } from 'node:fs/promises';

/** What one read of a growing JSON-lines file gave. */
export interface TailRead {
  /** The file shrank (rewritten or truncated, as `supple run --resume` does back to its checkpoint): `values` start from its beginning. */
  readonly reset: boolean;
  /** The complete lines appended since the last read, parsed. */
  readonly values: readonly unknown[];
  /** Complete lines that were not JSON (skipped). */
  readonly bad: number;
}

/**
 * Reads an append-only JSON-lines file as it grows: each read takes only the bytes appended since the last one
 * (by byte offset), never the whole file again. A last line without its newline (a writer in the middle of a
 * write, or a run killed while writing) is held back until its newline arrives. Reads are serialized.
 */
export class JsonlTail {
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Bytes of an unfinished last line held back. */
  get pendingBytes(): number {
    return this.partial.length;
  }

  /** Bytes consumed so far (complete lines and the held-back partial one). */
  get position(): number {
    return this.offset;
  }

  /** Reads what was appended since the last call; a missing file reads as nothing. */
  read(): Promise<TailRead> {
    const next = this.chain.then(() => this.readNow());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async readNow(): Promise<TailRead> {
    let fh: FileHandle;
    try {
      fh = await open(this.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { reset: false, values: [], bad: 0 };
      throw e;
    }
    try {
      const { size } = await fh.stat();
      let reset = false;
      if (size < this.offset) {
        reset = true;
        this.offset = 0;
        this.partial = Buffer.alloc(0);
      }
      if (size === this.offset) return { reset, values: [], bad: 0 };
      const fresh = Buffer.alloc(size - this.offset);
      let got = 0;
      while (got < fresh.length) {
        const { bytesRead } = await fh.read(fresh, got, fresh.length - got, this.offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      this.offset += got;
      const bytes = this.partial.length ? Buffer.concat([this.partial, fresh.subarray(0, got)]) : fresh.subarray(0, got);
      const end = bytes.lastIndexOf(0x0a);
      // Copy the remainder: it outlives this read, and a subarray would keep the whole chunk alive.
      this.partial = Buffer.from(bytes.subarray(end + 1));
      const values: unknown[] = [];
      let bad = 0;
      if (end >= 0) {
        for (const line of bytes.subarray(0, end).toString('utf8').split('\n')) {
          const s = line.trim();
          if (!s) continue;
          try {
            values.push(JSON.parse(s));
          } catch {
            bad++;
          }
        }
      }
      return { reset, values, bad };
    } finally {
      await fh.close();
    }
  }
}
