import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withPath, writeFileAtomic } from './atomicWrite.js';
import { decodeTree, encodeTree } from './stateTree.js';

const MAGIC_V1 = 'SUPPLE-CHECKPOINT-1\n';
const MAGIC = 'SUPPLE-CHECKPOINT-2\n';
const SHA_BYTES = 32;

/** `<run>/checkpoint/state.ckpt`: one file (JSON header + binary arrays), replaced atomically. */
export function checkpointPath(runDir: string): string {
  return join(runDir, 'checkpoint', 'state.ckpt');
}

/** A checkpoint that cannot be used: damaged (checksum), not a checkpoint, or of another run. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/**
 * Write `tree` as the run's checkpoint: magic, header length, SHA-256 of everything after it, JSON header,
 * padding, arrays. A flipped bit anywhere after the checksum is found on reading.
 */
export function writeCheckpoint(runDir: string, tree: unknown): void {
  const { json, blob } = encodeTree(tree);
  const head = Buffer.from(JSON.stringify(json));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(head.length));
  const pad = Buffer.alloc((8 - ((MAGIC.length + 8 + SHA_BYTES + head.length) % 8)) % 8);
  const sha = createHash('sha256').update(head).update(pad).update(blob).digest();
  writeFileAtomic(checkpointPath(runDir), [Buffer.from(MAGIC), len, sha, head, pad, blob]);
}

/** The saved tree, or null when the run has no checkpoint. Throws a CheckpointError for a damaged file. */
export function readCheckpoint(runDir: string): unknown | null {
  const p = checkpointPath(runDir);
  if (!existsSync(p)) return null;
  const buf = withPath(p, 'read', () => readFileSync(p));
  const magic = buf.subarray(0, MAGIC.length).toString();
  const v1 = magic === MAGIC_V1;
  if (magic !== MAGIC && !v1) throw new CheckpointError(`${p} is not a supple checkpoint (it does not start with ${JSON.stringify(MAGIC.trim())})`);
  const damaged = (why: string) =>
    new CheckpointError(`${p} is damaged (${why}); it cannot be used. Move it away to resume from the run's start, or restore it from a backup`);
  if (buf.length < MAGIC.length + 8 + (v1 ? 0 : SHA_BYTES)) throw damaged('shorter than its header');
  const n = Number(buf.readBigUInt64LE(MAGIC.length));
  const start = MAGIC.length + 8 + (v1 ? 0 : SHA_BYTES);
  if (start + n > buf.length) throw damaged(`its header says ${n} bytes of JSON, the file has ${buf.length - start}`);
  if (!v1) {
    const want = buf.subarray(MAGIC.length + 8, start);
    const got = createHash('sha256').update(buf.subarray(start)).digest();
    if (!got.equals(want)) throw damaged(`SHA-256 ${got.toString('hex').slice(0, 16)}... differs from the stored ${want.toString('hex').slice(0, 16)}...`);
  }
  let json: unknown;
  try {
    json = JSON.parse(buf.subarray(start, start + n).toString()) as unknown;
  } catch (e) {
    throw damaged(`its header is not JSON: ${(e as Error).message}`);
  }
  const blobStart = start + n + ((8 - ((start + n) % 8)) % 8);
  return decodeTree(json, new Uint8Array(buf.buffer, buf.byteOffset + blobStart, buf.length - blobStart));
}
