import type { Backend } from '../Backend.js';
import { kernelNames, kernelTable, type TableKernel } from '../kernelTable.js';
import type { Kernels } from './kernels.js';
import type { WasmMemory } from './WasmMemory.js';

/** Sizes go to wasm as i32: an integer in [0, 2^31), else it would wrap or truncate. */
export function isSize(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0x7fffffff;
}

/** The error for the first bad size of a call (only the failure path builds it). */
export function badSizes(kernel: string, names: readonly string[], values: readonly number[]): Error {
  const i = values.findIndex((v) => !isSize(v));
  return new Error(`${kernel}: ${names[i]} = ${values[i]} must be an integer in [0, 2^31)`);
}

interface Row {
  readonly args: readonly string[];
  readonly check?: (...args: never[]) => void;
  readonly wasm?: 'custom' | readonly string[];
  readonly fail?: (...args: never[]) => Error;
  readonly result?: 'f64' | 'bool';
}

/**
 * The source of one kernel's wrapper: check the arguments (the table's check, then every size), translate them to
 * the export's parameters and call it. Arguments are a0, a1, ... (names only appear in messages). Exported for tests.
 */
export function wrapperSource(name: string, row: Row): string {
  if (row.wasm === 'custom') throw new Error(`kernelTable.${name} is marked 'custom': the wasm backend wraps it by hand`);
  const names: string[] = [];
  const kinds: string[] = [];
  for (const a of row.args) {
    const [n, k] = a.split(':') as [string, string];
    names.push(n);
    kinds.push(k);
  }
  const at = (n: string): number => {
    const i = names.indexOf(n);
    if (i < 0) throw new Error(`kernelTable.${name}: the wasm parameter '${n}' is not an argument (${names.join(', ')})`);
    return i;
  };
  const params = names.map((_, i) => `a${i}`);
  const abi = (row.wasm ?? names).map((slot) => {
    if (slot.startsWith('#')) return `a${at(slot.slice(1))}.length`;
    if (slot.startsWith('!')) return `(a${at(slot.slice(1))} === 0 ? 1 : 0)`;
    const i = at(slot);
    switch (kinds[i]) {
      case 'arr':
        return `mem.ptr(a${i})`;
      case 'arr?':
        return `(a${i} === null ? 0 : mem.ptr(a${i}))`;
      case 'flag':
        return `(a${i} ? 1 : 0)`;
      case 'size':
      case 'i32':
      case 'f32':
      case 'f64':
        return `a${i}`;
      default:
        throw new Error(`kernelTable.${name}: an argument of kind '${kinds[i]}' has no generic wasm translation; mark the row wasm: 'custom'`);
    }
  });
  const sizes = kinds.flatMap((k, i) => (k === 'size' ? [i] : []));
  const lines = [`'use strict';`, `return function ${name}(${params.join(', ')}) {`];
  if (row.check) lines.push(`  check(${params.join(', ')});`);
  if (sizes.length) {
    const list = sizes.map((i) => `a${i}`).join(', ');
    lines.push(`  if (!(${sizes.map((i) => `isSize(a${i})`).join(' && ')})) throw badSizes(${JSON.stringify(name)}, ${JSON.stringify(sizes.map((i) => names[i]))}, [${list}]);`);
  }
  const call = `exp(${abi.join(', ')})`;
  if (row.fail) lines.push(`  const bad = ${call};`, `  if (bad !== 0) throw fail(bad, ${params.join(', ')});`);
  else if (row.result === 'bool') lines.push(`  return ${call} !== 0;`);
  else if (row.result) lines.push(`  return ${call};`);
  else lines.push(`  ${call};`);
  lines.push('};');
  return lines.join('\n');
}

/**
 * The wasm wrappers of the table's kernels, generated once per backend from kernelTable: each is a plain function
 * of the kernel's arguments, as one would write it by hand (no rest arguments or argument arrays: a training step
 * makes thousands of these calls and must allocate nothing), so V8 optimizes it as such.
 */
export function wrapKernels(K: Kernels, mem: WasmMemory): Pick<Backend, TableKernel> {
  const out: Record<string, unknown> = {};
  for (const name of kernelNames) {
    const row = kernelTable[name] as Row;
    if (row.wasm === 'custom') continue;
    const exp = (K as unknown as Record<string, unknown>)[name];
    if (typeof exp !== 'function') throw new Error(`wasm backend: kernels.wasm has no export '${name}' (rebuild with \`npm run build\`)`);
    // The source comes from the table's fixed strings only (names, kinds), never from input.
    const make = new Function('exp', 'mem', 'check', 'fail', 'isSize', 'badSizes', wrapperSource(name, row));
    out[name] = make(exp, mem, row.check, row.fail, isSize, badSizes);
  }
  return out as Pick<Backend, TableKernel>;
}
