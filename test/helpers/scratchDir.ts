// Temporary folders for tests, removed when the test file's process exits: a run folder holds checkpoints of up
// to ~190 MB (the Dohare MLP with its optimizer state), and one test run used to leave gigabytes in the system's
// temporary folder (a CI machine with a small disk ran out of space in the middle of the suite).
// SUPPLE_KEEP_SCRATCH=1 keeps them all (to look at a test's report or run folder); scripts/test.mjs then keeps its root.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
let hooked = false;
const keep = process.env.SUPPLE_KEEP_SCRATCH === '1';

function remove(dir: string): void {
  if (!keep) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Removes one scratch folder now (a test that writes large runs in a loop frees each as it goes). */
export function removeScratchDir(dir: string): void {
  remove(dir);
  const i = made.indexOf(dir);
  if (i >= 0) made.splice(i, 1);
}

function removeAll(): void {
  for (const dir of made.splice(0)) {
    try {
      remove(dir);
    } catch {
      // A folder a daemon still writes into (the Slurm test's spool) is left to scripts/test.mjs's removal of its root.
    }
  }
}

/** A fresh folder under the system's temporary folder, named `prefix` and six random characters. */
export function scratchDir(prefix: string): string {
  if (!hooked) {
    process.on('exit', removeAll);
    hooked = true;
  }
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
