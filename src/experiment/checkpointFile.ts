import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomicWrite.js';
import { decodeTree, encodeTree } from './stateTree.js';

const MAGIC = 'SUPPLE-CHECKPOINT-1\n';

/** `<run>/checkpoint/state.ckpt`: one file (JSON header + binary arrays), replaced atomically. */
export function checkpointPath(runDir: string): string {
  return join(runDir, 'checkpoint', 'state.ckpt');
}

export function writeCheckpoint(runDir: string, tree: unknown): void {
  const { json, blob } = encodeTree(tree);
  const head = Buffer.from(JSON.stringify(json));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(head.length));
  const pad = Buffer.alloc((8 - ((MAGIC.length + 8 + head.length) % 8)) % 8);
  writeFileAtomic(checkpointPath(runDir), [Buffer.from(MAGIC), len, head, pad, blob]);
}

/** The saved tree, or null when the run has no checkpoint. */
export function readCheckpoint(runDir: string): unknown | null {
  const p = checkpointPath(runDir);
  if (!existsSync(p)) return null;
  const buf = readFileSync(p);
  if (buf.subarray(0, MAGIC.length).toString() !== MAGIC) throw new Error(`${p} is not a supple checkpoint`);
  const n = Number(buf.readBigUInt64LE(MAGIC.length));
  const start = MAGIC.length + 8;
  const json = JSON.parse(buf.subarray(start, start + n).toString()) as unknown;
  const blobStart = start + n + ((8 - ((start + n) % 8)) % 8);
  return decodeTree(json, new Uint8Array(buf.buffer, buf.byteOffset + blobStart, buf.length - blobStart));
}
