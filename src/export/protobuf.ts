/**
 * The little of the protocol buffers wire format that the exports need (TensorBoard events, W&B records):
 * varints, 64-bit and 32-bit fixed fields, and length-delimited fields (strings, bytes, nested messages).
 */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private key(field: number, wire: number): void {
    this.varintRaw(BigInt(field * 8 + wire));
  }

  private varintRaw(v: bigint): void {
    // Negative int64 values take ten bytes, as two's complement over 64 bits.
    let x = v < 0n ? (1n << 64n) + v : v;
    const out: number[] = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      out.push(b);
    } while (x > 0n);
    this.push(Uint8Array.from(out));
  }

  /** int32, int64, uint64, bool and enum fields. */
  varint(field: number, v: number | bigint | boolean): this {
    this.key(field, 0);
    this.varintRaw(typeof v === 'boolean' ? (v ? 1n : 0n) : BigInt(v));
    return this;
  }

  double(field: number, v: number): this {
    this.key(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.push(b);
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varintRaw(BigInt(b.length));
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** One decoded field: varints as bigint, fixed64/fixed32 as their raw bytes, length-delimited as bytes. */
export interface ProtoField {
  readonly field: number;
  readonly wire: 0 | 1 | 2 | 5;
  readonly value: bigint | Uint8Array;
}

/** Split a message into its fields (no schema needed; nested messages are decoded by calling this again). */
export function decodeFields(buf: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let i = 0;
  const varint = (): bigint => {
    let x = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[i++]!;
      x |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return x;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (i + n > buf.length) throw new Error('protobuf: truncated fixed field');
      out.push({ field, wire, value: buf.subarray(i, i + n) });
      i += n;
    } else if (wire === 2) {
      const n = Number(varint());
      if (i + n > buf.length) throw new Error('protobuf: truncated length-delimited field');
      out.push({ field, wire, value: buf.subarray(i, i + n) });
      i += n;
    } else throw new Error(`protobuf: wire type ${wire} is not supported`);
  }
  return out;
}
