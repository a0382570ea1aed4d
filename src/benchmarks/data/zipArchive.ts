import yauzl from 'yauzl';

/** An entry of a zip archive, read on demand. */
export interface ZipEntry {
  readonly name: string;
  readonly size: number;
  /** The decompressed bytes (into one preallocated buffer). */
  read(): Promise<Buffer>;
}

/**
 * Open a zip archive (a file path, or bytes already in memory such as an .npz inside a zip) with yauzl, which
 * reads the central directory and then each entry on demand: a 3.5 GB archive is never read whole. Call
 * `close()` when done.
 */
export async function openZip(source: string | Buffer, what: string): Promise<{ entries: ZipEntry[]; close(): void }> {
  let zip: yauzl.ZipFile;
  try {
    zip = typeof source === 'string'
      ? await yauzl.openPromise(source, { lazyEntries: true, autoClose: false })
      : await yauzl.fromBufferPromise(source, { lazyEntries: true });
  } catch (e) {
    throw new Error(`${what}: not a readable zip archive (${(e as Error).message})`);
  }
  const entries: ZipEntry[] = [];
  for await (const entry of zip.eachEntry()) {
    if (entry.fileName.endsWith('/')) continue;
    entries.push({
      name: entry.fileName,
      size: entry.uncompressedSize,
      read: async () => {
        const stream = await zip.openReadStreamPromise(entry);
        const out = Buffer.allocUnsafe(entry.uncompressedSize);
        let at = 0;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          if (at + chunk.length > out.length) throw new Error(`${what}: entry ${entry.fileName} is longer than its declared size`);
          chunk.copy(out, at);
          at += chunk.length;
        }
        if (at !== out.length) throw new Error(`${what}: entry ${entry.fileName} is truncated (${at} of ${out.length} bytes)`);
        return out;
      },
    });
  }
  return { entries, close: () => zip.close() };
}
