import { inflateSync } from 'node:zlib';

/**
 * A reader for MATLAB level 5 MAT-files (what `save -v7` and scipy.io.savemat write), limited to numeric
 * matrices: enough for the SVHN .mat files. No npm library reads them under a license compatible with MIT
 * (mat-for-js is GPL-3.0), and the format is small: a 128-byte header, then tagged data elements, each
 * optionally zlib-compressed (miCOMPRESSED), each matrix an miMATRIX element with flags, dimensions, a name
 * and its real part (stored in the smallest type that holds the values, which may differ from its class).
 */
export interface MatArray {
  readonly name: string;
  /** MATLAB class: 'double', 'single', 'uint8', ... */
  readonly className: string;
  /** MATLAB dimensions (column-major: the first index varies fastest). */
  readonly dims: readonly number[];
  /** The real part in its stored type. */
  readonly data: Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
}

const mi = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15 } as const;
const CLASS_NAMES: Record<number, string> = {
  1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse', 6: 'double', 7: 'single', 8: 'int8', 9: 'uint8',
  10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};
const ELEMENT: Record<number, { size: number; make: (b: ArrayBuffer, o: number, n: number) => MatArray['data'] }> = {
  [mi.INT8]: { size: 1, make: (b, o, n) => new Int8Array(b, o, n) },
  [mi.UINT8]: { size: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  [mi.INT16]: { size: 2, make: (b, o, n) => new Int16Array(b, o, n) },
  [mi.UINT16]: { size: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  [mi.INT32]: { size: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  [mi.UINT32]: { size: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  [mi.SINGLE]: { size: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  [mi.DOUBLE]: { size: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  [mi.INT64]: { size: 8, make: (b, o, n) => new BigInt64Array(b, o, n) },
  [mi.UINT64]: { size: 8, make: (b, o, n) => new BigUint64Array(b, o, n) },
};

interface Tag {
  type: number;
  bytes: number;
  /** Offset of the data. */
  data: number;
  /** Offset of the next element. */
  next: number;
}

function readTag(view: DataView, at: number, what: string): Tag {
  if (at + 8 > view.byteLength) throw new Error(`${what}: truncated data element at byte ${at}`);
  const first = view.getUint32(at, true);
  if (first >>> 16 !== 0) {
    // Small data element: type and size share the first word, the data fits in the second.
    return { type: first & 0xffff, bytes: first >>> 16, data: at + 4, next: at + 8 };
  }
  const bytes = view.getUint32(at + 4, true);
  const next = first === mi.COMPRESSED ? at + 8 + bytes : at + 8 + Math.ceil(bytes / 8) * 8;
  if (at + 8 + bytes > view.byteLength) throw new Error(`${what}: truncated: an element at byte ${at} declares ${bytes} bytes`);
  return { type: first, bytes, data: at + 8, next };
}

/** Read every numeric matrix of a MAT-file (v5/v7). Other classes (cell, struct, char, sparse) are skipped. */
export function parseMat5(file: Uint8Array, what: string): Map<string, MatArray> {
  if (file.length < 128) throw new Error(`${what}: too short for a MAT-file`);
  const text = Buffer.from(file.buffer, file.byteOffset, 116).toString('latin1');
  if (text.startsWith('HDF') || file[0] === 0x89) throw new Error(`${what}: an HDF5-based MAT-file (v7.3) is not supported; save it with -v7`);
  if (!text.startsWith('MATLAB 5.0 MAT-file')) throw new Error(`${what}: not a MATLAB 5 MAT-file`);
  const endian = String.fromCharCode(file[126]!, file[127]!);
  if (endian !== 'IM') throw new Error(`${what}: big-endian MAT-files are not supported`);
  const out = new Map<string, MatArray>();
  const readElements = (bytes: Uint8Array, start: number) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = start; at + 8 <= bytes.length; ) {
      const tag = readTag(view, at, what);
      if (tag.type === mi.COMPRESSED) {
        const inner = new Uint8Array(inflateSync(bytes.subarray(tag.data, tag.data + tag.bytes)));
        readElements(inner, 0);
      } else if (tag.type === mi.MATRIX) {
        const m = readMatrix(bytes, view, tag, what);
        if (m) out.set(m.name, m);
      }
      at = tag.next;
    }
  };
  readElements(file, 128);
  return out;
}

function readMatrix(bytes: Uint8Array, view: DataView, tag: Tag, what: string): MatArray | null {
  if (tag.bytes === 0) return null;
  const flags = readTag(view, tag.data, what);
  const cls = view.getUint32(flags.data, true) & 0xff;
  const className = CLASS_NAMES[cls] ?? `class${cls}`;
  const dimsTag = readTag(view, flags.next, what);
  const dims: number[] = [];
  for (let k = 0; k < dimsTag.bytes / 4; k++) dims.push(view.getInt32(dimsTag.data + 4 * k, true));
  const nameTag = readTag(view, dimsTag.next, what);
  const name = Buffer.from(bytes.buffer, bytes.byteOffset + nameTag.data, nameTag.bytes).toString('latin1');
  if (cls < 6 || cls > 15) return null; // not numeric
  const real = readTag(view, nameTag.next, what);
  const el = ELEMENT[real.type];
  if (!el) throw new Error(`${what}: variable '${name}': storage type ${real.type} is not supported`);
  const n = real.bytes / el.size;
  const expected = dims.reduce((a, b) => a * b, 1);
  if (n !== expected) throw new Error(`${what}: variable '${name}' has ${n} values for dimensions [${dims.join(', ')}]`);
  let off = bytes.byteOffset + real.data;
  let buffer = bytes.buffer as ArrayBuffer;
  if (off % el.size !== 0) {
    buffer = bytes.slice(real.data, real.data + real.bytes).buffer as ArrayBuffer;
    off = 0;
  }
  return { name, className, dims, data: el.make(buffer, off, n) };
}
