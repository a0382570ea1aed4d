import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { kernelNames, kernelTable } from '../kernelTable.js';
import { existsSync } from 'node:fs';
import { instantiateKernels, kernelModule, kernelsUseFma, wasmAvailable, wasmFmaPath, wasmHelpers, wasmPath } from './kernels.js';
import { createWasmBackend } from './wasmBackend.js';
import { wrapperSource } from './wrapKernels.js';

// Workers instantiate the module on the live shared memory: instantiation must not write to it (no data
// segment, no start function touching memory), and the kernels must keep no state in memory.

test('instantiating the kernels writes nothing to the shared memory', { skip: !wasmAvailable() }, () => {
  const memory = new WebAssembly.Memory({ initial: 32, maximum: 65536, shared: true });
  const bytes = new Uint8Array(memory.buffer);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 255;
  const k = instantiateKernels(kernelModule(), memory);
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== ((i * 131 + 7) & 255)) assert.fail(`byte ${i} changed on instantiation`);
  assert.ok(k.heapBase() <= 1024, 'the module has static data');
});

test('the module imports only its memory and abort, and exports only functions', { skip: !wasmAvailable() }, () => {
  const module = kernelModule();
  const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`).sort();
  assert.ok(imports.every((i) => i === 'env.memory:memory' || i === 'env.abort:function'), imports.join(', '));
  assert.ok(WebAssembly.Module.exports(module).every((e) => e.kind === 'function' || e.name === 'memory'));
});

/** Each exported function's parameter and result types, read from the module's type, import, function and export sections. */
function exportSignatures(bytes: Uint8Array): Map<string, string> {
  let at = 8; // magic and version
  const leb = (): number => {
    let r = 0, shift = 0, b: number;
    do {
      b = bytes[at++]!;
      r |= (b & 127) << shift;
      shift += 7;
    } while (b & 128);
    return r >>> 0;
  };
  const valType: Record<number, string> = { 127: 'i32', 126: 'i64', 125: 'f32', 124: 'f64', 123: 'v128' };
  const types: string[] = [];
  const funcs: number[] = []; // type index of each function, imported ones first
  const out = new Map<string, string>();
  while (at < bytes.length) {
    const id = bytes[at++]!;
    const end = leb() + at;
    if (id === 1) {
      for (let n = leb(); n > 0; n--) {
        at++; // 0x60: a function type
        const params = Array.from({ length: leb() }, () => valType[bytes[at++]!]);
        const results = Array.from({ length: leb() }, () => valType[bytes[at++]!]);
        types.push(`(${params.join(', ')}) -> ${results.join(', ') || 'void'}`);
      }
    } else if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        for (let s = 0; s < 2; s++) {
          const len = leb(); // module, then name
          at += len;
        }
        const kind = bytes[at++]!;
        if (kind === 0) funcs.push(leb());
        else if (kind === 2) {
          const flags = bytes[at++]!;
          leb();
          if (flags & 1) leb();
        } else throw new Error(`unexpected import kind ${kind}`);
      }
    } else if (id === 3) {
      for (let n = leb(); n > 0; n--) funcs.push(leb());
    } else if (id === 7) {
      for (let n = leb(); n > 0; n--) {
        const len = leb();
        const name = new TextDecoder().decode(bytes.subarray(at, at + len));
        at += len;
        const kind = bytes[at++]!;
        const index = leb();
        if (kind === 0) out.set(name, types[funcs[index]!]!);
      }
    }
    at = end;
  }
  return out;
}

/** What the table and wasmHelpers say each export's type is. */
function expectedSignatures(): Map<string, string> {
  const wasmType = (kind: string): string => (kind === 'f32' || kind === 'f64' ? kind : 'i32');
  const out = new Map<string, string>();
  for (const name of kernelNames) {
    const row = kernelTable[name] as { args: readonly string[]; wasm?: 'custom' | readonly string[]; result?: string; fail?: unknown };
    if (row.wasm === 'custom') continue;
    const kinds = new Map(row.args.map((a) => a.split(':') as [string, string]));
    const params = (row.wasm ?? row.args.map((a) => a.split(':')[0]!)).map((slot) => {
      const kind = kinds.get(slot.replace(/^[#!]/, ''));
      assert.ok(kind, `kernelTable.${name}: '${slot}' names no argument`);
      return slot === slot.replace(/^[#!]/, '') ? wasmType(kind) : 'i32';
    });
    const result = row.result === 'f64' ? 'f64' : row.result === 'bool' || row.fail ? 'i32' : 'void';
    out.set(name, `(${params.join(', ')}) -> ${result}`);
  }
  for (const [name, h] of Object.entries(wasmHelpers)) {
    const r = h as { params: readonly string[]; result?: string };
    out.set(name, `(${r.params.map((p) => wasmType(p.split(':')[1]!)).join(', ')}) -> ${r.result ?? 'void'}`);
  }
  return out;
}

test('kernels.wasm and kernels-fma.wasm export exactly what kernelTable and wasmHelpers say, with their parameter and result types', { skip: !wasmAvailable() }, () => {
  const want = expectedSignatures();
  for (const path of [wasmPath, wasmFmaPath]) {
    const got = exportSignatures(readFileSync(path));
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${path}: export names`);
    for (const [name, sig] of want) assert.equal(got.get(name), sig, `${path}: ${name}: the AssemblyScript signature differs from the table`);
  }
  // The runtime view agrees on arity (the JS function's length is its parameter count).
  const k = instantiateKernels(kernelModule(), new WebAssembly.Memory({ initial: 32, maximum: 65536, shared: true })) as unknown as Record<string, () => void>;
  for (const [name, sig] of want) assert.equal(k[name]!.length, sig.startsWith('()') ? 0 : sig.split(',').length, name);
});

test('a generated wrapper checks, translates and calls as a hand-written one would', () => {
  assert.equal(
    wrapperSource('axpby', kernelTable.axpby),
    [
      `'use strict';`,
      'return function axpby(a0, a1, a2, a3) {',
      '  check(a0, a1, a2, a3);',
      '  exp(a1.length, a0, mem.ptr(a1), a2, (a2 === 0 ? 1 : 0), mem.ptr(a3));',
      '};',
    ].join('\n'),
  );
  // maxPoolBackward's wasm wrapper is hand-written (threads); its row without that is a kernel returning a count of bad values.
  const { args, check, fail } = kernelTable.maxPoolBackward;
  assert.equal(
    wrapperSource('maxPoolBackward', { args, check, fail }),
    [
      `'use strict';`,
      'return function maxPoolBackward(a0, a1, a2, a3, a4, a5, a6, a7, a8) {',
      '  check(a0, a1, a2, a3, a4, a5, a6, a7, a8);',
      '  if (!(isSize(a2) && isSize(a3) && isSize(a4) && isSize(a5) && isSize(a6) && isSize(a7))) throw badSizes("maxPoolBackward", ["n","c","h","w","oh","ow"], [a2, a3, a4, a5, a6, a7]);',
      '  const bad = exp(mem.ptr(a0), mem.ptr(a1), a2, a3, a4, a5, a6, a7, mem.ptr(a8));',
      '  if (bad !== 0) throw fail(bad, a0, a1, a2, a3, a4, a5, a6, a7, a8);',
      '};',
    ].join('\n'),
  );
  assert.throws(() => wrapperSource('gram', kernelTable.gram), /gram is marked 'custom'/);
  assert.throws(() => wrapperSource('gram', { args: ['a:arr', 'rows:size', 'cols:size', 'out:f64arr'] }), /kind 'f64arr' has no generic wasm translation/);
  assert.throws(() => wrapperSource('sum', { args: ['x:arr'], wasm: ['x', '#y'] }), /the wasm parameter 'y' is not an argument/);
});

test('the generated wrappers reject sizes that are not i32 counts, naming the argument', { skip: !wasmAvailable() }, () => {
  const b = createWasmBackend({ threads: 1 });
  const a = b.alloc(8), v = b.alloc(8);
  assert.throws(() => b.addRowVector(a, -1, 2, v), /addRowVector: rows = -1 must be an integer in \[0, 2\^31\)/);
  assert.throws(() => b.sumRows(a, 2, 1.5, 1, 0, v), /sumRows: cols = 1.5 must be an integer in \[0, 2\^31\)/);
  assert.throws(() => b.transpose01(a, 1, 1, NaN, v), /transpose01: inner = NaN must be/);
  // A kernel returning a flag gives a boolean; one returning a count of bad values throws the table's error.
  a[3] = Infinity;
  assert.equal(b.hasNonFinite(a), true);
  assert.equal(b.hasNonFinite(v), false);
  assert.equal(b.sum(v), 0);
});

test('the fused multiply-add build computes gemm as the plain build does, up to rounding', { skip: !wasmAvailable() || !existsSync(wasmFmaPath) }, () => {
  kernelsUseFma(); // compiles the kernels, enabling relaxed SIMD where the engine has it behind a flag
  let fmaModule: WebAssembly.Module;
  try {
    fmaModule = new WebAssembly.Module(readFileSync(wasmFmaPath));
  } catch {
    return; // this engine has no relaxed SIMD: the plain build is the only one used
  }
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
  const plain = instantiateKernels(new WebAssembly.Module(readFileSync(wasmPath)), memory);
  const fma = instantiateKernels(fmaModule, memory);
  const f = new Float32Array(memory.buffer);
  // Shapes with edge tiles in both directions and a k that spans two packed slices.
  for (const [tA, tB, m, n, k] of [[0, 0, 13, 21, 300], [1, 0, 9, 17, 40], [0, 1, 30, 11, 7], [1, 1, 5, 70, 33]] as const) {
    const a = 4096, b = a + 4 * m * k, c1 = b + 4 * k * n, c2 = c1 + 4 * m * n, scratch = c2 + 4 * m * n;
    let s = 12345;
    for (let i = a / 4; i < c1 / 4; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      f[i] = s / 2 ** 31 - 1;
    }
    for (let i = 0; i < m * n; i++) f[c1 / 4 + i] = f[c2 / 4 + i] = (i % 7) - 3;
    plain.gemmPart(tA, tB, m, n, k, 0.5, a, b, 0.25, c1, 0, 1, scratch);
    fma.gemmPart(tA, tB, m, n, k, 0.5, a, b, 0.25, c2, 0, 1, scratch);
    let exactlyEqual = true;
    for (let i = 0; i < m * n; i++) {
      const x = f[c1 / 4 + i]!, y = f[c2 / 4 + i]!;
      assert.ok(Math.abs(x - y) <= 1e-5 * (1 + Math.abs(x)) * Math.sqrt(k), `${tA}${tB} ${m}x${n}x${k}: C[${i}] = ${y} (fma), ${x} (plain)`);
      if (x !== y) exactlyEqual = false;
    }
    if (k >= 40) assert.ok(!exactlyEqual, `${tA}${tB} ${m}x${n}x${k}: no value differs: is the FMA build really fusing?`);
  }
});
