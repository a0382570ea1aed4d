import type { Backend } from '../backend/Backend.js';
import { knownKeys, parseConfig, ConfigError } from '../config/parseConfig.js';
import type { Learner } from '../experiment/Learner.js';
import type { RunMethod } from '../experiment/trainLoop.js';
import type { Model } from '../nn/Model.js';
import type { Rng } from '../tensor/Rng.js';
import { bp } from './bp.js';
import { cbp } from './cbp.js';
import { dash } from './dash.js';
import { fullReset } from './fullReset.js';
import { headReset } from './headReset.js';
import { l2 } from './l2.js';
import { l2Init } from './l2Init.js';
import type { Method } from './Method.js';
import { plasticityInjection } from './plasticityInjection.js';
import { redo } from './redo.js';
import { shrinkPerturb } from './shrinkPerturb.js';

const registry = new Map<string, Method>();

/** Add a method to the registry; a name can be registered once. */
export function registerMethod(m: Method): void {
  if (!/^[a-z][a-z0-9-]*$/.test(m.name)) throw new Error(`registerMethod: '${m.name}' is not a method name (lowercase letters, digits and '-')`);
  if (registry.has(m.name)) throw new Error(`registerMethod: a method named '${m.name}' is already registered`);
  registry.set(m.name, m as Method);
}

/** The method with this name, or an error listing the known names. */
export function getMethod(name: string): Method {
  const m = registry.get(name);
  if (!m) throw new Error(`method: '${name}' is not a method; known methods: ${methodNames().join(', ')}`);
  return m;
}

export function methodNames(): string[] {
  return [...registry.keys()];
}

/** Every registered method, in registration order. */
export function allMethods(): Method[] {
  return [...registry.values()];
}

/** 'cbp+l2' -> the methods cbp and l2 (each at most once). */
export function parseMethodList(spec: string): Method[] {
  const names = spec.split('+').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new Error(`method: '${spec}' is not a method list; write names joined by '+', e.g. cbp+l2 (known methods: ${methodNames().join(', ')})`);
  const seen = new Set<string>();
  return names.map((n) => {
    if (seen.has(n)) throw new Error(`method: '${n}' appears twice in '${spec}'`);
    seen.add(n);
    return getMethod(n);
  });
}

/**
 * Split a method config among the methods of a list: `{cbp: {...}, l2: {...}}` by name, and plain keys to the one
 * method whose schema has that key. A key no method has, or one several have, is an error naming the methods,
 * the key and the known keys. Returns one raw config per method (validated later by configureMethod).
 */
export function splitMethodConfig(methods: readonly Method[], value: unknown): Record<string, Record<string, unknown>> {
  const where = `method ${methods.map((m) => m.name).join('+')}`;
  const out: Record<string, Record<string, unknown>> = Object.fromEntries(methods.map((m) => [m.name, {}]));
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(where, [`the method config must be an object, got ${JSON.stringify(value)}`]);
  if (methods.length === 1) {
    out[methods[0]!.name] = { ...(value as Record<string, unknown>) };
    return out;
  }
  const problems: string[] = [];
  const keysOf = new Map(methods.map((m) => [m.name, knownKeys(m.schema)]));
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (keysOf.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      Object.assign(out[k]!, v);
      continue;
    }
    const owners = methods.filter((m) => keysOf.get(m.name)!.includes(k));
    if (owners.length === 1) out[owners[0]!.name]![k] = v;
    else if (owners.length === 0) {
      problems.push(`'${k}' is not an option of ${methods.map((m) => m.name).join(' or ')}; known keys: ${methods.map((m) => `${m.name}: ${keysOf.get(m.name)!.join(', ') || '(none)'}`).join('; ')}`);
    } else {
      problems.push(`'${k}' is an option of ${owners.map((m) => m.name).join(' and ')}; write it as ${owners.map((m) => `${m.name}.${k}`).join(' or ')}`);
    }
  }
  if (problems.length) throw new ConfigError(where, problems);
  return out;
}

/** Validate one method's options (defaults filled in); unknown keys are errors naming the method and the known keys. */
export function configureMethod(m: Method, value: unknown): unknown {
  return parseConfig(m.schema, value, `method ${m.name}`);
}

export interface MethodSetup {
  readonly model: Model;
  readonly learner: Learner;
  readonly backend: Backend;
  /** The run's stream; each method gets rng.split('method:<name>') for itself and .split('edits') for its edits. */
  readonly rng: Rng;
}

/**
 * Build the methods of a run from a list ('cbp+l2') and their config (see splitMethodConfig), validated before
 * anything is created. Hooks run in list order.
 */
export function createMethods(spec: string, config: unknown, setup: MethodSetup): RunMethod[] {
  const methods = parseMethodList(spec);
  const raw = splitMethodConfig(methods, config);
  const configs = methods.map((m) => configureMethod(m, raw[m.name]));
  return methods.map((m, i) => {
    const rng = setup.rng.split(`method:${m.name}`);
    const instance = m.create(configs[i] as never, { model: setup.model, learner: setup.learner, backend: setup.backend, rng });
    return { name: m.name, instance, rng: rng.split('edits') };
  });
}

for (const m of [bp, cbp, redo, shrinkPerturb, l2, l2Init, headReset, fullReset, dash, plasticityInjection] as Method[]) registerMethod(m);

export { bp, cbp, redo, shrinkPerturb, l2, l2Init, headReset, fullReset, dash, plasticityInjection };
