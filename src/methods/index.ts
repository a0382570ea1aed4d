import type { Backend } from '../backend/Backend.js';
import { parseConfig } from '../config/parseConfig.js';
import { Registry } from '../config/Registry.js';
import type { Learner } from '../learn/Learner.js';
import type { Method } from '../learn/Method.js';
import type { RunMethod } from '../learn/RunMethod.js';
import type { Model } from '../nn/Model.js';
import type { Rng } from '../tensor/Rng.js';
import { bp } from './bp.js';
import { cbp } from './cbp.js';
import { dash } from './dash.js';
import { fullReset } from './fullReset.js';
import { hareTortoise } from './hareTortoise.js';
import { headReset } from './headReset.js';
import { infer } from './infer.js';
import { l2 } from './l2.js';
import { l2Init } from './l2Init.js';
import { plasticityInjection } from './plasticityInjection.js';
import { redo } from './redo.js';
import { shrinkPerturb } from './shrinkPerturb.js';
import { trac } from './trac.js';
import { upgd } from './upgd.js';
import { weightClipping } from './weightClipping.js';

/** The plasticity methods: one file each, plus one line here. */
export const methodRegistry = new Registry<Method>('method', {
  namePattern: { pattern: /^[a-z][a-z0-9-]*$/, description: "lowercase letters, digits and '-'" },
});
for (const m of [bp, cbp, redo, shrinkPerturb, l2, l2Init, headReset, fullReset, dash, plasticityInjection, weightClipping, hareTortoise, upgd, infer, trac] as Method[]) methodRegistry.register(m);

/** Adds a method to the registry; a name can be registered once. */
export function registerMethod(m: Method): void {
  methodRegistry.register(m);
}

/** The method with this name, or an error listing the known names. */
export function getMethod(name: string): Method {
  return methodRegistry.get(name);
}

/** The names of the registered methods, in registration order. */
export function methodNames(): string[] {
  return methodRegistry.names();
}

/** Every registered method, in registration order. */
export function allMethods(): Method[] {
  return methodRegistry.all();
}

/** 'cbp+l2' -> the methods cbp and l2 (each at most once). */
export function parseMethodList(spec: string, registry: Registry<Method> = methodRegistry): Method[] {
  const names = spec.split('+').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new Error(`method: '${spec}' is not a method list; write names joined by '+', e.g. cbp+l2 (known methods: ${registry.names().join(', ')})`);
  const seen = new Set<string>();
  return names.map((n) => {
    if (seen.has(n)) throw new Error(`method: '${n}' appears twice in '${spec}'`);
    seen.add(n);
    return registry.get(n);
  });
}

/** Validates one method's options (defaults filled in); unknown keys are errors naming the method and the known keys. */
export function configureMethod(m: Method, value: unknown): Record<string, unknown> {
  return parseConfig(m.schema, value ?? {}, `method ${m.name}`) as Record<string, unknown>;
}

/** A method of a run with its validated options, as `config.json` holds it: `{ name: 'cbp', rate: 1e-4, ... }`. */
export type MethodConfig = { readonly name: string } & Readonly<Record<string, unknown>>;

/** What the methods of a run act on. */
export interface MethodSetup {
  readonly model: Model;
  readonly learner: Learner;
  readonly backend: Backend;
  /** The run's root stream: method `name` gets rng.split(`method/<name>`), for its own draws and its edits' redraws. */
  readonly rng: Rng;
}

/**
 * Creates the methods of a run from their validated configs (a resolved run config's `methods`; see
 * resolveRunConfig for how `--set` keys reach them), in order: hooks run in list order. The one path from a
 * config to method instances, for the CLI runner, RL agents and hand-written loops alike. Methods that change
 * the loss add their regularizers to `setup.learner` here.
 */
export function createMethods(configs: readonly MethodConfig[], setup: MethodSetup, registry: Registry<Method> = methodRegistry): RunMethod[] {
  const dup = configs.find((c, i) => configs.findIndex((d) => d.name === c.name) !== i);
  if (dup) throw new Error(`method ${dup.name} is named twice`);
  const methods = configs.map(({ name, ...options }) => {
    const m = registry.get(name);
    return { m, options: configureMethod(m, options) };
  });
  return methods.map(({ m, options }) => {
    const rng = setup.rng.split(`method/${m.name}`);
    const instance = m.create(options as never, { model: setup.model, learner: setup.learner, backend: setup.backend, rng });
    return { name: m.name, instance, rng };
  });
}

export { bp, cbp, redo, shrinkPerturb, l2, l2Init, headReset, fullReset, dash, plasticityInjection, weightClipping, hareTortoise, upgd, infer, trac };
