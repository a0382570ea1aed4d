import { gunzipSync } from 'node:zlib';

/** An array read from an idx file (LeCun's MNIST format): its dimensions and its unsigned bytes. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/**
 * Parse an idx file (gzipped or not). Only unsigned-byte data (type code 0x08) is accepted: that is what
 * MNIST, Fashion-MNIST and EMNIST use. `what` names the file in errors.
 */
export function parseIdx(bytes: Uint8Array, what: string): IdxArray {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) throw new Error(`${what}: not an idx file (bad magic number)`);
  const type = raw[2]!;
  const rank = raw[3]!;
  if (type !== 0x08) throw new Error(`${what}: idx data type 0x${type.toString(16)} is not supported (only unsigned bytes, 0x08)`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const start = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (raw.length - start < size) throw new Error(`${what}: truncated: dimensions [${dims.join(', ')}] need ${size} bytes, the file has ${raw.length - start}`);
  return { dims, data: raw.subarray(start, start + size) };
}
