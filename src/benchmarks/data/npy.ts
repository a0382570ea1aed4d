/** An array read from a NumPy .npy file. */
export interface NpyArray {
  readonly shape: readonly number[];
  /** The dtype as NumPy writes it: '|u1', '<i8', '<f4', ... */
  readonly dtype: string;
  readonly fortranOrder: boolean;
  /** The values: a view of the file bytes for u1/i1, a typed array (copied when unaligned) otherwise. */
  readonly data: Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
}

const TYPES: Record<string, { size: number; make: (b: ArrayBuffer, off: number, n: number) => NpyArray['data'] }> = {
  u1: { size: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  i1: { size: 1, make: (b, o, n) => new Int8Array(b, o, n) },
  i2: { size: 2, make: (b, o, n) => new Int16Array(b, o, n) },
  u2: { size: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  i4: { size: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  u4: { size: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  f4: { size: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  f8: { size: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  i8: { size: 8, make: (b, o, n) => new BigInt64Array(b, o, n) },
  u8: { size: 8, make: (b, o, n) => new BigUint64Array(b, o, n) },
};

/**
 * Parse a .npy file (format versions 1, 2 and 3; little-endian or single-byte dtypes). The header is a Python
 * dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
 */
export function parseNpy(bytes: Uint8Array, what: string): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) throw new Error(`${what}: not a .npy file (bad magic)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else throw new Error(`${what}: .npy format version ${major} is not supported`);
  const header = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`${what}: cannot read the .npy header ${JSON.stringify(header.trim())}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error(`${what}: bad shape (${shapeText})`);
  const endian = descr[0]!;
  const code = descr.slice(1);
  const type = TYPES[code];
  if (!type || (endian === '>' && type.size > 1)) throw new Error(`${what}: dtype '${descr}' is not supported (little-endian integers and floats only)`);
  const n = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  if (bytes.length - dataStart < n * type.size) throw new Error(`${what}: truncated: shape (${shape.join(', ')}) of ${descr} needs ${n * type.size} bytes, the file has ${bytes.length - dataStart}`);
  let off = bytes.byteOffset + dataStart;
  let buffer = bytes.buffer as ArrayBuffer;
  if (off % type.size !== 0) {
    // Typed arrays need aligned offsets: copy (npy pads headers to 64 bytes, so this is rare).
    buffer = bytes.slice(dataStart, dataStart + n * type.size).buffer as ArrayBuffer;
    off = 0;
  }
  return { shape, dtype: descr, fortranOrder: fortran === 'True', data: type.make(buffer, off, n) };
}

/** The values of an integer array as an Int32Array (labels). */
export function npyToInt32(a: NpyArray, what: string): Int32Array {
  const out = new Int32Array(a.data.length);
  const d = a.data;
  for (let i = 0; i < d.length; i++) {
    const v = Number(d[i]!);
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw new Error(`${what}: value ${String(d[i])} at ${i} is not a 32-bit integer`);
    out[i] = v;
  }
  return out;
}
