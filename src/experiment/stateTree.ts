import { ParamSlots, UnitSlots } from '../nn/Slots.js';
import type { FloatArray } from '../tensor/FloatArray.js';

/**
 * Checkpoint encoding of state trees: JSON for structure and scalars, one binary blob for typed arrays.
 * ParamSlots / UnitSlots are tagged so they can be restored into live objects.
 */
type ArrayTag = { $array: 'f32' | 'f64' | 'i32' | 'u8'; offset: number; length: number };

export interface EncodedTree {
  json: unknown;
  blob: Uint8Array;
}

export function encodeTree(tree: unknown): EncodedTree {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const put = (a: ArrayBufferView & { length: number }, kind: ArrayTag['$array']): ArrayTag => {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
    const pad = (8 - (size % 8)) % 8;
    if (pad) {
      chunks.push(new Uint8Array(pad));
      size += pad;
    }
    const tag: ArrayTag = { $array: kind, offset: size, length: a.length };
    chunks.push(bytes);
    size += bytes.length;
    return tag;
  };
  const enc = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
      return v;
    }
    if (v instanceof Float32Array) return put(v, 'f32');
    if (v instanceof Float64Array) return put(v, 'f64');
    if (v instanceof Int32Array) return put(v, 'i32');
    if (v instanceof Uint8Array) return put(v, 'u8');
    if (ArrayBuffer.isView(v)) throw new Error(`checkpoint: cannot store a ${v.constructor.name}`);
    if (v instanceof ParamSlots) return { $kind: 'param-slots', name: v.name, reset: v.reset, arrays: v.arrays.map(enc) };
    if (v instanceof UnitSlots) return { $kind: 'unit-slots', name: v.name, reset: v.reset, arrays: enc(v.arrays) };
    if (Array.isArray(v)) return v.map(enc);
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (typeof x !== 'function' && x !== undefined) o[k] = enc(x);
    return o;
  };
  const json = enc(tree);
  const blob = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    blob.set(c, at);
    at += c.length;
  }
  return { json, blob };
}

/** Decode into fresh plain values (typed arrays are copies). */
export function decodeTree(json: unknown, blob: Uint8Array): unknown {
  const dec = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(dec);
    const o = v as Record<string, unknown>;
    if ('$number' in o) return Number(o.$number);
    if ('$array' in o) return readArray(o as unknown as ArrayTag, blob);
    if (o.$kind === 'param-slots') return new ParamSlots(o.name as string, (o.arrays as unknown[]).map(dec) as (FloatArray | null)[], o.reset as ParamSlots['reset']);
    if (o.$kind === 'unit-slots') return new UnitSlots(o.name as string, dec(o.arrays) as Record<string, FloatArray>, o.reset as number);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = dec(x);
    return out;
  };
  return dec(json);
}

function readArray(t: ArrayTag, blob: Uint8Array): ArrayBufferView {
  const bytes = blob.slice(t.offset, t.offset + t.length * ({ f32: 4, f64: 8, i32: 4, u8: 1 } as const)[t.$array]);
  switch (t.$array) {
    case 'f32':
      return new Float32Array(bytes.buffer, 0, t.length);
    case 'f64':
      return new Float64Array(bytes.buffer, 0, t.length);
    case 'i32':
      return new Int32Array(bytes.buffer, 0, t.length);
    case 'u8':
      return bytes;
  }
}

/**
 * Copy a decoded tree into a live one, in place: typed arrays are overwritten (the live arrays stay, so
 * backend memory and references remain valid), scalars and plain objects replaced. `alloc` makes a new live
 * array when sizes differ (a grown head); it must return an array of the given length.
 */
export function restoreInto(live: unknown, saved: unknown, alloc: (n: number) => FloatArray, path = 'state'): unknown {
  if (ArrayBuffer.isView(live) && ArrayBuffer.isView(saved)) {
    const l = live as unknown as FloatArray, s = saved as unknown as FloatArray;
    if (l.length === s.length) {
      l.set(s);
      return l;
    }
    const fresh = alloc(s.length);
    fresh.set(s);
    return fresh;
  }
  if (live instanceof ParamSlots && saved instanceof ParamSlots) {
    saved.arrays.forEach((a, i) => {
      if (a === null) return;
      live.arrays[i] = restoreInto(live.arrays[i] ?? alloc(a.length), a, alloc, `${path}.${live.name}[${i}]`) as FloatArray;
    });
    return live;
  }
  if (live instanceof UnitSlots && saved instanceof UnitSlots) {
    for (const [g, a] of Object.entries(saved.arrays)) live.arrays[g] = restoreInto(live.arrays[g], a, alloc, `${path}.${live.name}.${g}`) as FloatArray;
    return live;
  }
  if (Array.isArray(live) && Array.isArray(saved)) {
    if (live.length !== saved.length) throw new Error(`checkpoint: ${path} has ${saved.length} entries but the run has ${live.length}`);
    for (let i = 0; i < live.length; i++) live[i] = restoreInto(live[i], saved[i], alloc, `${path}[${i}]`);
    return live;
  }
  if (live !== null && typeof live === 'object' && saved !== null && typeof saved === 'object') {
    const l = live as Record<string, unknown>;
    for (const [k, v] of Object.entries(saved as Record<string, unknown>)) l[k] = k in l ? restoreInto(l[k], v, alloc, `${path}.${k}`) : v;
    return live;
  }
  return saved;
}
