import type { FloatArray } from '../tensor/FloatArray.js';

/**
 * How a slot entry is reset when the parameter entry it shadows is reinitialized: to a number (Adam's
 * moments to 0, its per-element beta powers to 1), to the new parameter value ('param': an anchor such as
 * L2-Init's theta_0 follows the unit's new initial weights), or not at all ('keep').
 */
export type SlotReset = number | 'param' | 'keep';

/**
 * Parameter-shaped state: one array per model parameter, in the model's parameter order. Optimizers
 * (momentum, Adam moments and counts) and methods (anchors, gradient averages) keep their per-weight state
 * in ParamSlots, and applyEdits finds every ParamSlots in a state tree and resets exactly the entries of the
 * parameters it changed.
 */
export class ParamSlots {
  readonly kind = 'param-slots' as const;
  constructor(
    readonly name: string,
    /** arrays[p.index] shadows parameter p (null for a parameter this state does not track). */
    readonly arrays: (FloatArray | null)[],
    readonly reset: SlotReset,
  ) {}
}

/**
 * Unit-shaped state of a method (continual backprop's utilities and ages): one array per unit group, reset
 * for the units that any edit reinitializes.
 */
export class UnitSlots {
  readonly kind = 'unit-slots' as const;
  constructor(
    readonly name: string,
    /** arrays[groupName][unit] */
    readonly arrays: Record<string, FloatArray>,
    readonly reset: number,
  ) {}
}

/** Every ParamSlots and UnitSlots inside some state trees (objects and arrays are searched). */
export function collectSlots(trees: readonly unknown[]): { params: ParamSlots[]; units: UnitSlots[] } {
  const params: ParamSlots[] = [];
  const units: UnitSlots[] = [];
  const seen = new Set<object>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof ParamSlots) params.push(v);
    else if (v instanceof UnitSlots) units.push(v);
    else if (ArrayBuffer.isView(v)) return;
    else if (Array.isArray(v)) v.forEach(visit);
    else for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k]);
  };
  trees.forEach(visit);
  return { params, units };
}
