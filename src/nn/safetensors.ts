/** The dtypes supple writes and reads (safetensors names). */
export type SafeDtype = 'F32' | 'F64' | 'I64' | 'I32';

/** One tensor of a safetensors file. */
export interface SafeTensor {
  readonly dtype: SafeDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | BigInt64Array | Int32Array;
}

const WIDTH: Record<SafeDtype, number> = { F32: 4, F64: 8, I64: 8, I32: 4 };

/**
 * Encode tensors as safetensors (huggingface/safetensors): an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}` padded with spaces to
 * 8 bytes, then the raw little-endian data. Tensors are laid out in name order.
 */
export function encodeSafetensors(tensors: Readonly<Record<string, SafeTensor>>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const n of names) {
    const t = tensors[n]!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`safetensors: '${n}' has shape [${t.shape.join(', ')}] (${count} values) but ${t.data.length} values`);
    const bytes = count * WIDTH[t.dtype];
    header[n] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const headLen = Buffer.byteLength(json);
  json += ' '.repeat((8 - (headLen % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let o = 8 + head.length;
  for (const n of names) {
    const d = tensors[n]!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), o);
    o += d.byteLength;
  }
  return out;
}

/** Decode a safetensors file: its tensors (copied out, so they are aligned) and its metadata. */
export function decodeSafetensors(buf: Uint8Array): { tensors: Record<string, SafeTensor>; metadata: Record<string, string> } {
  if (buf.length < 8) throw new Error('safetensors: the file is shorter than its 8-byte header length');
  const n = Number(new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > buf.length) throw new Error(`safetensors: the header says ${n} bytes but the file has ${buf.length - 8}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`safetensors: the header is not JSON (${(e as Error).message})`);
  }
  const base = 8 + n;
  const tensors: Record<string, SafeTensor> = {};
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offs } = raw as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (!(dtype in WIDTH)) throw new Error(`safetensors: '${name}' has dtype ${dtype}; supported: ${Object.keys(WIDTH).join(', ')}`);
    const [b, e] = offs;
    if (!(b >= 0 && e >= b && base + e <= buf.length)) throw new Error(`safetensors: '${name}' has data offsets [${b}, ${e}] outside the file`);
    const bytes = buf.slice(base + b, base + e);
    const count = shape.reduce((x, y) => x * y, 1);
    if (count * WIDTH[dtype as SafeDtype] !== bytes.length) throw new Error(`safetensors: '${name}' of shape [${shape.join(', ')}] needs ${count * WIDTH[dtype as SafeDtype]} bytes, has ${bytes.length}`);
    const data = dtype === 'F32' ? new Float32Array(bytes.buffer) : dtype === 'F64' ? new Float64Array(bytes.buffer) : dtype === 'I64' ? new BigInt64Array(bytes.buffer) : new Int32Array(bytes.buffer);
    tensors[name] = { dtype: dtype as SafeDtype, shape, data };
  }
  return { tensors, metadata };
}
