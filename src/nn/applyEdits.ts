import type { Backend } from '../backend/Backend.js';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Rng } from '../tensor/Rng.js';
import type { Edit, EditRecord } from './Edit.js';
import { drawInit } from './init.js';
import { injectHead } from './injectHead.js';
import type { Model } from './Model.js';
import type { Param } from './Param.js';
import type { UpdateLedger } from './UpdateLedger.js';
import { collectSlots, type ParamSlots, type UnitSlots } from './Slots.js';
import { incomingRowsOf, type UnitGroup } from './UnitGroup.js';

/** What edits act on: the model and every state tree holding parameter- or unit-shaped slots. */
export interface EditTarget {
  readonly model: Model;
  /** Optimizer state and method states (searched for ParamSlots / UnitSlots). */
  readonly states: readonly unknown[];
}

/**
 * Carry out edits, in order, on the parameters, every parameter-shaped slot (optimizer moments and counts,
 * method anchors) and every unit-shaped slot (method utilities). Redraws come from `rng`. Returns one log
 * record per edit. Unit edits touch only the rows, columns and entries of the units named: O(unit size).
 */
export function applyEdits(edits: readonly Edit[], target: EditTarget, rng: Rng): EditRecord[] {
  if (edits.length === 0) return [];
  const { model } = target;
  // The state trees are searched only for an edit that resets or grows slots (not for every-step shrink and perturb).
  let found: { params: ParamSlots[]; units: UnitSlots[] } | null = null;
  const slotsOf = () => (found ??= collectSlots(target.states));
  const records: EditRecord[] = [];
  const ledger = model.updateLedger;
  for (const e of edits) {
    // The update-size accounting diffs what an edit writes against a copy taken now (UpdateLedger).
    if (ledger) announceWrites(e, model, ledger);
    switch (e.kind) {
      case 'reinitUnits': {
        const g = model.group(e.group);
        const zeroOut = (e.outgoing ?? 'zero') === 'zero';
        for (const u of e.units) {
          if (!(Number.isInteger(u) && u >= 0 && u < g.size)) throw new Error(`reinitUnits: unit ${u} is not in group ${g.name} (size ${g.size})`);
          reinitUnit(g, u, zeroOut, slotsOf(), rng);
        }
        records.push({ kind: e.kind, group: g.name, units: [...e.units], ...(e.reason ? { reason: e.reason } : {}) });
        break;
      }
      case 'scaleRows': {
        const p = model.param(e.param);
        const rows = p.shape[0] ?? 1;
        const rs = p.data.length / rows;
        const f = e.factors;
        if (typeof f !== 'number' && f.length !== rows) throw new Error(`scaleRows: ${f.length} factors for ${rows} rows of '${p.name}'`);
        for (let r = 0; r < rows; r++) {
          const s = typeof f === 'number' ? f : f[r]!;
          const d = p.data;
          for (let i = r * rs; i < (r + 1) * rs; i++) d[i] = d[i]! * s;
        }
        records.push({ kind: e.kind, params: [p.name], ...(e.reason ? { reason: e.reason } : {}) });
        break;
      }
      case 'shrinkPerturb': {
        const ps = e.params ? e.params.map((n) => model.param(n)) : model.params;
        const noiseRng = e.noise === 0 ? rng : freshStream(rng, 'shrinkPerturb');
        // Indexed, no closures: every-step shrink and perturb runs this after every update.
        const names: string[] = [];
        for (let i = 0; i < ps.length; i++) {
          const p = ps[i]!;
          if (!e.params && !p.trainable) continue;
          shrinkPerturb(model.backend, p, e.shrink, e.noise, e.noiseFrom ?? 'normal', e.anchor?.[p.index] ?? null, noiseRng);
          names.push(p.name);
        }
        records.push({ kind: e.kind, params: names, shrink: e.shrink, noise: e.noise, ...(e.routine ? { routine: true } : {}), ...(e.reason ? { reason: e.reason } : {}) });
        break;
      }
      case 'reinitParams': {
        const ps = e.params.map((n) => model.param(n));
        const drawRng = freshStream(rng, 'reinitParams');
        for (const p of ps) {
          if (e.value === 'zero') p.data.fill(0);
          else drawInit(p.init, drawRng.split(p.name), p.data);
          if (e.resetOptimizer ?? true) for (const s of slotsOf().params) resetSlot(s, p, 0, p.data.length);
        }
        // Units whose incoming weights were redrawn start over in every unit-shaped state.
        for (const g of model.unitGroups) {
          if (!ps.includes(g.producer.weight)) continue;
          for (const us of slotsOf().units) us.arrays[g.name]?.fill(us.reset);
        }
        records.push({ kind: e.kind, params: ps.map((p) => p.name), ...(e.reason ? { reason: e.reason } : {}) });
        break;
      }
      case 'addToParam': {
        const p = model.param(e.param);
        if (e.indices.length !== e.values.length) throw new Error(`addToParam: ${e.indices.length} indices but ${e.values.length} values`);
        e.indices.forEach((idx, j) => {
          if (!(idx >= 0 && idx < p.data.length)) throw new Error(`addToParam: index ${idx} is outside '${p.name}' (${p.data.length} values)`);
          p.data[idx] = p.data[idx]! + e.values[j]!;
        });
        records.push({ kind: e.kind, params: [p.name], ...(e.reason ? { reason: e.reason } : {}) });
        break;
      }
      case 'growHead': {
        const head = model.head;
        const old = head.params.map((p) => p.data.length);
        head.grow(e.k, freshStream(rng, 'growHead'));
        head.params.forEach((p, j) => {
          for (const s of slotsOf().params) growSlot(s, p, old[j]!, model);
        });
        records.push({ kind: e.kind, k: e.k, params: head.params.map((p) => p.name), ...(e.reason ? { reason: e.reason } : {}) });
        break;
      }
      case 'resetOptimizer': {
        const ps = e.params ? e.params.map((n) => model.param(n)) : model.params;
        for (const p of ps) for (const s of slotsOf().params) resetSlot(s, p, 0, p.data.length);
        records.push({ kind: e.kind, params: ps.map((p) => p.name), ...(e.reason ? { reason: e.reason } : {}) });
        break;
      }
      case 'scaleBlocks': {
        const p = model.param(e.param);
        const bs = e.blockSize;
        if (!(Number.isInteger(bs) && bs >= 1 && p.data.length % bs === 0)) throw new Error(`scaleBlocks: block size ${bs} does not divide the ${p.data.length} values of '${p.name}'`);
        const blocks = p.data.length / bs;
        if (e.factors.length !== blocks) throw new Error(`scaleBlocks: ${e.factors.length} factors for ${blocks} blocks of '${p.name}'`);
        const d = p.data;
        for (let b = 0; b < blocks; b++) {
          const f = e.factors[b]!;
          for (let i = b * bs; i < (b + 1) * bs; i++) d[i] = d[i]! * f;
        }
        records.push({ kind: e.kind, params: [p.name], ...(e.reason ? { reason: e.reason } : {}) });
        break;
      }
      case 'resetBuffers': {
        const known = new Map(model.buffers.map((b) => [b.name, b]));
        const bs = e.buffers
          ? e.buffers.map((n) => {
              const b = known.get(n);
              if (!b) throw new Error(`resetBuffers: no buffer named '${n}'; buffers: ${[...known.keys()].join(', ') || '(none)'}`);
              return b;
            })
          : model.buffers;
        for (const b of bs) b.data.fill(b.resetValue);
        records.push({ kind: e.kind, ...(e.reason ? { reason: e.reason } : {}) });
        break;
      }
      case 'injectHead': {
        const added = injectHead(model, e.layers, freshStream(rng, 'injectHead'), e.detachCopy ?? true);
        for (const p of added) for (const s of slotsOf().params) extendSlot(s, p, model);
        records.push({ kind: e.kind, params: added.map((p) => p.name), ...(e.reason ? { reason: e.reason } : {}) });
        break;
      }
      case 'clipParams': {
        if (e.bounds.length !== e.params.length) throw new Error(`clipParams: ${e.bounds.length} bounds for ${e.params.length} parameters`);
        const ps = e.params.map((n) => model.param(n));
        ps.forEach((p, k) => {
          const b = e.bounds[k]!;
          if (!(b >= 0)) throw new Error(`clipParams: bound ${b} of '${p.name}' is not allowed: a number >= 0`);
          const d = p.data;
          for (let i = 0; i < d.length; i++) {
            const v = d[i]!;
            if (v > b) d[i] = b;
            else if (v < -b) d[i] = -b;
          }
        });
        records.push({ kind: e.kind, params: ps.map((p) => p.name), ...(e.routine ? { routine: true } : {}), ...(e.reason ? { reason: e.reason } : {}) });
        break;
      }
      default: {
        const never: never = e;
        throw new Error(`applyEdits: unknown edit ${JSON.stringify(never)}`);
      }
    }
  }
  return records;
}

/** Tells the update-size ledger which weights edit `e` is about to write (all, where that takes a search). */
function announceWrites(e: Edit, model: Model, ledger: UpdateLedger): void {
  switch (e.kind) {
    case 'resetOptimizer':
    case 'resetBuffers':
      return;
    case 'scaleRows':
    case 'addToParam':
    case 'scaleBlocks':
      ledger.willWrite(model.param(e.param));
      return;
    case 'reinitParams':
    case 'clipParams':
      for (const n of e.params) ledger.willWrite(model.param(n));
      return;
    case 'shrinkPerturb':
      if (e.params) for (const n of e.params) ledger.willWrite(model.param(n));
      else ledger.willWriteAll();
      return;
    default:
      ledger.willWriteAll();
  }
}

function reinitUnit(g: UnitGroup, u: number, zeroOut: boolean, slots: { params: ParamSlots[]; units: UnitSlots[] }, rng: Rng): void {
  const w = g.producer.weight;
  const rs = w.data.length / w.shape[0]!;
  const b = g.producer.bias;
  // Row u, or the unit's row ranges (an attention head: its query, key and value rows).
  for (const [start, count] of incomingRowsOf(g, u)) {
    drawInit(w.init, rng, w.data, start * rs, (start + count) * rs);
    for (const s of slots.params) resetSlot(s, w, start * rs, (start + count) * rs);
    if (b) {
      b.data.fill(0, start, start + count);
      for (const s of slots.params) resetSlot(s, b, start, start + count);
    }
  }
  for (const n of g.norms) {
    for (const p of n.params) {
      drawInit(p.init, rng, p.data, u * n.per, (u + 1) * n.per);
      for (const s of slots.params) resetSlot(s, p, u * n.per, (u + 1) * n.per);
    }
    for (const buf of n.buffers) buf.data.fill(buf.resetValue, u * n.per, (u + 1) * n.per);
  }
  // Every reader of the unit: the next layer, and for a residual block's output units also the next block's shortcut conv.
  if (zeroOut) for (const consumer of g.consumers) {
    const c = consumer.layer.weight;
    const rows = c.shape[0]!;
    const cols = c.data.length / rows;
    for (const [start, count] of consumer.outgoing(u)) {
      // A column per row: plain stores (a fill() call per row costs ~50 ns, 100 us on a 2000-row layer).
      setColumns(c.data, rows, cols, start, count, 0);
      for (const s of slots.params) {
        const a = s.arrays[c.index];
        if (!a || s.reset === 'keep') continue;
        if (s.reset === 'param') {
          for (let r = 0; r < rows; r++) for (let i = r * cols + start; i < r * cols + start + count; i++) a[i] = c.data[i]!;
        } else setColumns(a, rows, cols, start, count, s.reset);
      }
    }
  }
  for (const us of slots.units) {
    const a = us.arrays[g.name];
    if (a) a[u] = us.reset;
  }
}

/** Reset entries [lo, hi) of the slot shadowing p ('keep' slots are never reset). */
function resetSlot(s: ParamSlots, p: Param, lo: number, hi: number): void {
  const a = s.arrays[p.index];
  if (!a || s.reset === 'keep') return;
  if (s.reset === 'param') for (let i = lo; i < hi; i++) a[i] = p.data[i]!;
  else a.fill(s.reset, lo, hi);
}

function growSlot(s: ParamSlots, p: Param, oldLength: number, model: Model): void {
  const a = s.arrays[p.index];
  if (!a) return;
  const grown: FloatArray = model.backend.alloc(p.data.length);
  grown.set(a.subarray(0, oldLength));
  if (s.reset === 'param' || s.reset === 'keep') for (let i = oldLength; i < grown.length; i++) grown[i] = p.data[i]!;
  else grown.fill(s.reset, oldLength);
  model.backend.free(a);
  s.arrays[p.index] = grown;
}

/**
 * A stream for one edit's draws that differs from the last edit's: Rng.split derives a child from the key only,
 * so splitting by a fixed label would draw the same numbers at every edit (the same "noise" every step, the
 * same "fresh" head at every reset). Drawing the label's suffix from `rng` advances it.
 */
function freshStream(rng: Rng, label: string): Rng {
  return rng.split(`${label}:${rng.nextU32()}`);
}

/** Add an entry for a parameter the model gained (plasticity injection) to a parameter-shaped slot. */
function extendSlot(s: ParamSlots, p: Param, model: Model): void {
  if (s.arrays.length !== p.index) throw new Error(`applyEdits: slots '${s.name}' hold ${s.arrays.length} parameters but the new parameter '${p.name}' has index ${p.index}`);
  if (!p.trainable) {
    s.arrays.push(null);
    return;
  }
  const a: FloatArray = model.backend.alloc(p.data.length);
  if (s.reset === 'param' || s.reset === 'keep') a.set(p.data);
  else if (s.reset !== 0) a.fill(s.reset);
  s.arrays.push(a);
}

/** The seeds of one noise kernel call, refilled for each (every-step shrink-and-perturb must not allocate per parameter). */
const noiseSeeds: [number, number, number, number] = [0, 0, 0, 0];

function drawSeeds(rng: Rng): [number, number, number, number] {
  for (let k = 0; k < 4; k++) noiseSeeds[k] = rng.nextU32();
  return noiseSeeds;
}

function shrinkPerturb(backend: Backend, p: Param, shrink: number, noise: number, from: 'normal' | 'init', anchor: FloatArray | null, rng: Rng): void {
  const d = p.data;
  // Backend kernels: every-step shrink-and-perturb does this for every parameter after every update. Toward zero with
  // normal noise (the usual case) is one pass: shrink and the noise together.
  if (!anchor && from === 'normal' && noise !== 0) {
    backend.shrinkAddNormal(d, shrink, noise, drawSeeds(rng));
    return;
  }
  if (anchor) backend.axpby(1 - shrink, anchor, shrink, d);
  else if (shrink !== 1) backend.scale(d, shrink);
  if (noise === 0) return;
  if (from === 'normal') backend.addNormal(d, noise, drawSeeds(rng));
  else {
    const fresh = new Float64Array(d.length);
    drawInit(p.init, rng, fresh);
    for (let i = 0; i < d.length; i++) d[i] = d[i]! + noise * fresh[i]!;
  }
}

/** a[r, start .. start + count) = value for every row r of a [rows, cols] matrix. */
function setColumns(a: FloatArray, rows: number, cols: number, start: number, count: number, value: number): void {
  for (let r = 0, o = start; r < rows; r++, o += cols) for (let i = o; i < o + count; i++) a[i] = value;
}
