import { list } from 'tar';

/**
 * Read the entries of a (gzipped) tar archive whose names pass `want`, into memory, with npm's `tar`
 * package. CIFAR's binary archives are ~170 MB: their records are needed whole anyway.
 */
export async function readTarEntries(file: string, want: (name: string) => boolean): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const pending: Promise<void>[] = [];
  await list({
    file,
    filter: (path) => want(path),
    onReadEntry: (entry) => {
      const chunks: Buffer[] = [];
      pending.push(new Promise((resolve, reject) => {
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => {
          out.set(entry.path, Buffer.concat(chunks));
          resolve();
        });
        entry.on('error', reject);
      }));
    },
  });
  await Promise.all(pending);
  return out;
}
